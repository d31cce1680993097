import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { hiftIstft } from '../dsp/hift-istft.js';
import { AUDIO_LIMIT, MEL_BINS, SAMPLES_PER_MEL_FRAME } from '../cosyvoice2.constants.js';
import type { MelChunk } from './hift-stream.crossfade.js';
import { tensorToFloat32 } from '../runtime/onnx-tensors.js';
import type { SessionTimer } from '../runtime/session-timer.js';

/**
 * Mel → 24 kHz speech: the exported HiFT graph gives the iSTFT magnitude and phase (n_fft 16,
 * hop 4, 9 bins), the iSTFT runs here, and the result is clamped to ±0.99: 480 samples per
 * mel frame. The export generates the NSF source inside the graph and has no `cache_source`
 * input, so the official source cache of streaming cannot be applied.
 */
export class HiftVocoder {
  constructor(private readonly session: InferenceSession) {}

  async vocode(mel: MelChunk, timer: SessionTimer): Promise<Float32Array> {
    const outputs = await timer.run(this.session, {
      speech_feat: new Tensor('float32', mel.data, [1, MEL_BINS, mel.frames]),
    });
    const [magnitudeName, phaseName] = this.session.outputNames;
    const magnitude = outputs[magnitudeName];
    const [, bins, frames] = magnitude.dims;
    const speech = hiftIstft(
      tensorToFloat32(magnitude),
      tensorToFloat32(outputs[phaseName]),
      bins,
      frames,
    );
    const expected = mel.frames * SAMPLES_PER_MEL_FRAME;
    if (speech.length < expected) {
      throw new Error(`HiFT produced ${speech.length} samples for ${mel.frames} mel frames`);
    }
    const clamped = speech.length === expected ? speech : speech.slice(0, expected);
    for (let i = 0; i < clamped.length; i++) {
      clamped[i] = Math.min(AUDIO_LIMIT, Math.max(-AUDIO_LIMIT, clamped[i]));
    }
    return clamped;
  }
}
