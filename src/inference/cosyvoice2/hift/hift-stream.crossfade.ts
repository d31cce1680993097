import { MEL_BINS, SAMPLES_PER_MEL_FRAME } from '../cosyvoice2.constants.js';

export const MEL_CACHE_FRAMES = 8;
export const SPEECH_CACHE_SAMPLES = MEL_CACHE_FRAMES * SAMPLES_PER_MEL_FRAME;

/** Symmetric Hamming window of `length` points (numpy.hamming). */
export function hammingWindow(length: number): Float32Array {
  const window = new Float32Array(length);
  for (let n = 0; n < length; n++) {
    window[n] = 0.54 - 0.46 * Math.cos((2 * Math.PI * n) / (length - 1));
  }
  return window;
}

/** Mel [80, frames], bin-major, as the flow produces and HiFT consumes it. */
export interface MelChunk {
  data: Float32Array;
  frames: number;
}

/** Concatenates two bin-major mels along time. */
export function concatMel(first: MelChunk, second: MelChunk): MelChunk {
  const frames = first.frames + second.frames;
  const data = new Float32Array(MEL_BINS * frames);
  for (let bin = 0; bin < MEL_BINS; bin++) {
    data.set(first.data.subarray(bin * first.frames, (bin + 1) * first.frames), bin * frames);
    data.set(
      second.data.subarray(bin * second.frames, (bin + 1) * second.frames),
      bin * frames + first.frames,
    );
  }
  return { data, frames };
}

/** Frames [start, end) of a bin-major mel. */
export function sliceMel(mel: MelChunk, start: number, end: number): MelChunk {
  const frames = end - start;
  const data = new Float32Array(MEL_BINS * frames);
  for (let bin = 0; bin < MEL_BINS; bin++) {
    data.set(mel.data.subarray(bin * mel.frames + start, bin * mel.frames + end), bin * frames);
  }
  return { data, frames };
}

/**
 * The official streaming HiFT overlap (`CosyVoice2Model.token2wav`): every chunk is vocoded
 * together with the last 8 mel frames of the previous one; the first 3840 samples are
 * cross-faded (Hamming 7680) with the 3840 samples held back from the previous chunk, and a
 * non-final chunk holds back its own last 3840 samples.
 * The HiFT source cache is not part of this state: the exported hift graph has no cache input.
 */
export class HiftStreamCrossfade {
  private readonly window = hammingWindow(2 * SPEECH_CACHE_SAMPLES);
  private cachedMel: MelChunk | undefined;
  private heldBackSpeech: Float32Array | undefined;

  /** The mel to vocode for a chunk: the cached frames followed by the new ones. */
  melForVocoder(newMel: MelChunk): MelChunk {
    return this.cachedMel ? concatMel(this.cachedMel, newMel) : newMel;
  }

  /** Takes HiFT's output for `vocodedMel` and returns the samples to emit now. */
  emit(speech: Float32Array, vocodedMel: MelChunk, final: boolean): Float32Array {
    const faded = Float32Array.from(speech);
    if (this.heldBackSpeech) {
      const overlap = Math.min(SPEECH_CACHE_SAMPLES, faded.length);
      for (let i = 0; i < overlap; i++) {
        faded[i] =
          faded[i] * this.window[i] +
          this.heldBackSpeech[i] * this.window[SPEECH_CACHE_SAMPLES + i];
      }
    }
    if (final) {
      this.cachedMel = undefined;
      this.heldBackSpeech = undefined;
      return faded;
    }
    if (vocodedMel.frames < MEL_CACHE_FRAMES || faded.length < SPEECH_CACHE_SAMPLES) {
      throw new Error(
        `a streamed chunk needs at least ${MEL_CACHE_FRAMES} mel frames, got ${vocodedMel.frames}`,
      );
    }
    this.cachedMel = sliceMel(vocodedMel, vocodedMel.frames - MEL_CACHE_FRAMES, vocodedMel.frames);
    this.heldBackSpeech = faded.slice(faded.length - SPEECH_CACHE_SAMPLES);
    return faded.subarray(0, faded.length - SPEECH_CACHE_SAMPLES);
  }
}
