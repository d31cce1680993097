import { MPEGDecoder } from 'mpg123-decoder';
import { AudioDecodeError } from './audio-decode.error.js';
import { PcmAudio } from './audio.types.js';

/**
 * Decodes a whole MP3 file (CBR or VBR, any MPEG rate, mono or stereo averaged to mono) with
 * libmpg123 compiled to WebAssembly (`mpg123-decoder`).
 */
export async function decodeMp3(bytes: Uint8Array): Promise<PcmAudio> {
  const decoder = new MPEGDecoder();
  try {
    await decoder.ready;
    const decoded = decoder.decode(bytes);
    const channels = decoded.channelData.filter((channel) => channel.length > 0);
    if (decoded.samplesDecoded === 0 || channels.length === 0) {
      const reason = decoded.errors[0]?.message;
      throw new AudioDecodeError(
        `MP3 data could not be decoded${reason ? ` (${reason})` : ''}: no audio frames found`,
      );
    }
    const length = decoded.samplesDecoded;
    const samples = new Float32Array(length);
    for (const channel of channels) {
      for (let i = 0; i < length; i++) samples[i] += channel[i] / channels.length;
    }
    // MPEG decoding can overshoot full scale slightly
    for (let i = 0; i < length; i++) samples[i] = Math.max(-1, Math.min(1, samples[i]));
    return { samples, sampleRate: decoded.sampleRate };
  } finally {
    decoder.free();
  }
}
