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
    const decoded = decodeQuietly(decoder, bytes);
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

/**
 * `decode` also prints every libmpg123 error of a damaged frame with console.error; it returns the
 * same errors in `errors`, which the caller reports, so those lines are dropped. The call is
 * synchronous: nothing else can log while console.error is replaced.
 */
function decodeQuietly(decoder: MPEGDecoder, bytes: Uint8Array): ReturnType<MPEGDecoder['decode']> {
  const consoleError = console.error;
  console.error = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('mpg123-decoder: ')) return;
    consoleError(...args);
  };
  try {
    return decoder.decode(bytes);
  } finally {
    console.error = consoleError;
  }
}
