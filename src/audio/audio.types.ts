/** Mono float PCM in [-1, 1] at a known rate. */
export interface PcmAudio {
  samples: Float32Array;
  sampleRate: number;
}

/** Container formats recognised from the bytes of an upload. */
export type InputAudioFormat = 'wav' | 'mp3' | 'pcm' | 'flac' | 'opus' | 'vorbis' | 'webm';

export interface DecodedAudio extends PcmAudio {
  format: InputAudioFormat;
  /** Duration in seconds. */
  duration: number;
}

/** Formats a synthesis can be delivered in (`opus` is Opus in Ogg). */
export type OutputAudioFormat = 'wav' | 'mp3' | 'pcm' | 'opus' | 'flac';

export interface EncoderOptions {
  format: OutputAudioFormat;
  /** Output sample rate in Hz (the encoder's input is already at this rate). */
  sampleRate: number;
  /** MP3 bit rate in kbit/s (ignored by the other formats). */
  bitRateKbps: number;
}

/**
 * Incremental encoder: the concatenation of every returned buffer is one valid file.
 * `push` may return an empty buffer (e.g. the MP3 encoder is still filling a frame).
 */
export interface StreamingAudioEncoder {
  push(samples: Float32Array): Buffer;
  end(): Buffer;
}

/**
 * A row-major float32 feature matrix. Each feature function documents its layout
 * (`[frames, bins]` or `[bins, frames]`); `frames` is the time dimension.
 */
export interface FeatureMatrix {
  data: Float32Array;
  frames: number;
}
