import { Injectable, Optional } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '../health/metrics.service.js';
import { SynthesisLimiter } from './synthesis.limiter.js';

/** How a synthesis ended: refused before audio, completed, failed mid-way, or client gone. */
export type SynthesisOutcome = 'rejected' | 'completed' | 'failed' | 'aborted';

/**
 * Prometheus metrics of the synthesis path, registered in the app's MetricsService registry:
 * requests by outcome, time to first audio, seconds of speech produced, running and queued
 * syntheses. Without a MetricsService (unit tests) every method does nothing.
 */
@Injectable()
export class SynthesisMetrics {
  private readonly requests: Counter<'outcome'> | undefined;
  private readonly firstAudio: Histogram | undefined;
  private readonly speech: Counter | undefined;

  constructor(limiter: SynthesisLimiter, @Optional() metrics?: MetricsService) {
    if (!metrics) {
      return;
    }
    const registers = [metrics.registry];
    this.requests = new Counter({
      name: 'synthesis_requests_total',
      help: 'Syntheses by outcome: rejected (before audio), completed, failed, aborted (client gone)',
      labelNames: ['outcome'] as const,
      registers,
    });
    this.firstAudio = new Histogram({
      name: 'synthesis_first_audio_seconds',
      help: 'Seconds from the first text of a synthesis to its first encoded audio',
      buckets: [0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10],
      registers,
    });
    this.speech = new Counter({
      name: 'synthesis_audio_seconds_total',
      help: 'Seconds of speech delivered',
      registers,
    });
    new Gauge({
      name: 'synthesis_active',
      help: 'Syntheses holding a slot (MAX_CONCURRENT_SYNTHESES)',
      registers,
      collect() {
        this.set(limiter.active);
      },
    });
    new Gauge({
      name: 'synthesis_queued',
      help: 'Syntheses waiting for a slot (SYNTHESIS_QUEUE_SIZE)',
      registers,
      collect() {
        this.set(limiter.queued);
      },
    });
  }

  ended(outcome: SynthesisOutcome): void {
    this.requests?.inc({ outcome });
  }

  firstAudioAfter(seconds: number): void {
    this.firstAudio?.observe(seconds);
  }

  delivered(speechSeconds: number): void {
    this.speech?.inc(speechSeconds);
  }
}
