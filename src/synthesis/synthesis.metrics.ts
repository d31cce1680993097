import { Injectable, Optional } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { OutputAudioFormat } from '../audio/audio.types.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { SynthesisMode } from '../inference/inference.types.js';
import type { SynthesisRequest, SynthesisTransport } from './synthesis-request.js';
import { SynthesisLimiter } from './synthesis.limiter.js';
import type { TextRefusal } from './speech-text.js';

/** Why a request was refused by the input limits of issue 20 (a label of synthesis_refused_total). */
export type SynthesisRefusal = TextRefusal | 'whole_answer_too_long';

/** How a synthesis ended: refused before audio, completed, failed mid-way, or client gone. */
export type SynthesisOutcome = 'rejected' | 'completed' | 'failed' | 'aborted';

/**
 * The labels of one synthesis: values of the API's lists only (a request reaches the service
 * validated), so no client can grow the number of series.
 */
export interface SynthesisLabels {
  mode: SynthesisMode;
  format: OutputAudioFormat;
  transport: SynthesisTransport;
}

export function synthesisLabels(request: SynthesisRequest): SynthesisLabels {
  return { mode: request.mode, format: request.output.format, transport: request.transport };
}

/** What a completed synthesis took and produced. */
export interface CompletedSynthesis {
  /** Wall seconds from its first text to its last audio. */
  processingSeconds: number;
  /** Seconds of speech it delivered. */
  speechSeconds: number;
}

/**
 * Prometheus metrics of the synthesis path, registered in the app's MetricsService registry:
 * syntheses by mode, format, transport and outcome; time to first audio, total time and real-time
 * factor per synthesis; seconds of speech produced; running and queued syntheses. Without a
 * MetricsService (unit tests) every method does nothing.
 */
@Injectable()
export class SynthesisMetrics {
  private readonly requests: Counter<'mode' | 'format' | 'transport' | 'outcome'> | undefined;
  private readonly firstAudio: Histogram<'mode' | 'transport'> | undefined;
  private readonly duration: Histogram<'mode' | 'transport'> | undefined;
  private readonly realTimeFactor: Histogram<'mode' | 'transport'> | undefined;
  private readonly speech: Counter | undefined;
  private readonly refusals: Counter<'reason'> | undefined;

  constructor(limiter: SynthesisLimiter, @Optional() metrics?: MetricsService) {
    if (!metrics) {
      return;
    }
    const registers = [metrics.registry];
    this.requests = new Counter({
      name: 'synthesis_requests_total',
      help:
        'Syntheses by mode, output format, transport (http, sse, websocket, openai) and outcome: ' +
        'rejected (before audio), completed, failed, aborted (client gone)',
      labelNames: ['mode', 'format', 'transport', 'outcome'] as const,
      registers,
    });
    this.firstAudio = new Histogram({
      name: 'synthesis_first_audio_seconds',
      help: 'Seconds from the first text of a synthesis to its first encoded audio',
      labelNames: ['mode', 'transport'] as const,
      buckets: [0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10],
      registers,
    });
    this.duration = new Histogram({
      name: 'synthesis_duration_seconds',
      help: 'Seconds from the first text of a completed synthesis to its last audio',
      labelNames: ['mode', 'transport'] as const,
      buckets: [0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120, 300],
      registers,
    });
    this.realTimeFactor = new Histogram({
      name: 'synthesis_real_time_factor',
      help: 'Processing seconds per second of speech of a completed synthesis (below 1 = faster than real time)',
      labelNames: ['mode', 'transport'] as const,
      buckets: [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10],
      registers,
    });
    this.speech = new Counter({
      name: 'synthesis_audio_seconds_total',
      help: 'Seconds of speech delivered',
      registers,
    });
    this.refusals = new Counter({
      name: 'synthesis_refused_total',
      help:
        'Syntheses refused by a content limit: no_speakable_text, prompt_tokens (<|…|> in the ' +
        'text or instruction), whole_answer_too_long (MAX_WHOLE_ANSWER_SECONDS)',
      labelNames: ['reason'] as const,
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

  ended(labels: SynthesisLabels, outcome: SynthesisOutcome): void {
    this.requests?.inc({ ...labels, outcome });
  }

  refused(reason: SynthesisRefusal): void {
    this.refusals?.inc({ reason });
  }

  firstAudioAfter({ mode, transport }: SynthesisLabels, seconds: number): void {
    this.firstAudio?.observe({ mode, transport }, seconds);
  }

  delivered(speechSeconds: number): void {
    this.speech?.inc(speechSeconds);
  }

  completed({ mode, transport }: SynthesisLabels, synthesis: CompletedSynthesis): void {
    this.duration?.observe({ mode, transport }, synthesis.processingSeconds);
    if (synthesis.speechSeconds > 0) {
      this.realTimeFactor?.observe(
        { mode, transport },
        synthesis.processingSeconds / synthesis.speechSeconds,
      );
    }
  }
}
