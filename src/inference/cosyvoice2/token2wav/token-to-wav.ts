import type { VoiceFeatures } from '../../inference.types.js';
import type { FlowDecoder } from '../flow/flow-decoder.js';
import type { HiftVocoder } from '../hift/hift-vocoder.js';
import { HiftStreamCrossfade, sliceMel, type MelChunk } from '../hift/hift-stream.crossfade.js';
import { changeMelSpeed } from './mel-speed.js';
import type { SessionTimer } from '../runtime/session-timer.js';
import { StreamingSpeedFrames } from './speech-speed.js';
import type { Token2WavChunk } from './streaming-token2wav.schedule.js';

/** Speech tokens → 24 kHz audio through the flow and HiFT, whole or chunk by chunk. */
export class TokenToWav {
  constructor(
    private readonly flow: FlowDecoder,
    private readonly vocoder: HiftVocoder,
  ) {}

  /**
   * All tokens of an utterance at once. `speed` ≠ 1 resamples the mel linearly to
   * floor(frames / speed) frames before HiFT, as the official non-streaming path does.
   */
  async whole(
    tokens: Int32Array,
    voice: VoiceFeatures,
    speed: number,
    timer: SessionTimer,
    signal?: AbortSignal,
  ): Promise<Float32Array> {
    if (tokens.length === 0) return new Float32Array(0);
    let mel = await this.flow.melFor(tokens, voice, timer, signal);
    if (speed !== 1) mel = changeMelSpeed(mel, Math.floor(mel.frames / speed));
    if (mel.frames === 0) return new Float32Array(0);
    signal?.throwIfAborted();
    return this.vocoder.vocode(mel, timer);
  }

  /** A streamed utterance: call `chunk` for every step of a StreamingTokenSchedule. */
  stream(voice: VoiceFeatures, speed: number): TokenToWavStream {
    return new TokenToWavStream(this.flow, this.vocoder, voice, speed);
  }
}

/**
 * One streamed utterance. The exported flow encoder has no `finalize=False` variant, so each chunk
 * runs the flow on the tokens up to and including the look-ahead and keeps only the mel frames of
 * the tokens before it; the HiFT overlap (8 mel frames, Hamming cross-fade of 3840 samples) is the
 * official one. With `speed` ≠ 1 each chunk's new mel is resampled to its share of
 * floor(total / speed) frames before it enters the overlap, so lengths match the whole path.
 */
export class TokenToWavStream {
  private readonly crossfade = new HiftStreamCrossfade();
  private readonly speedFrames: StreamingSpeedFrames | undefined;

  constructor(
    private readonly flow: FlowDecoder,
    private readonly vocoder: HiftVocoder,
    private readonly voice: VoiceFeatures,
    speed: number,
  ) {
    this.speedFrames = speed === 1 ? undefined : new StreamingSpeedFrames(speed);
  }

  /** Audio for one scheduled chunk, `tokens` being every token generated so far. */
  async chunk(
    tokens: Int32Array,
    step: Token2WavChunk,
    timer: SessionTimer,
    signal?: AbortSignal,
  ): Promise<Float32Array> {
    let newMel: MelChunk = { data: new Float32Array(0), frames: 0 };
    if (step.melEnd > step.melStart) {
      const mel = await this.flow.melFor(
        tokens.subarray(0, step.tokenEnd),
        this.voice,
        timer,
        signal,
      );
      newMel = sliceMel(mel, step.melStart, step.melEnd);
    }
    if (this.speedFrames) {
      newMel = changeMelSpeed(newMel, this.speedFrames.framesFor(newMel.frames));
    }
    const mel = this.crossfade.melForVocoder(newMel);
    if (mel.frames === 0) return new Float32Array(0);
    signal?.throwIfAborted();
    const speech = await this.vocoder.vocode(mel, timer);
    return this.crossfade.emit(speech, mel, step.final);
  }
}
