import { StreamingAudioEncoder } from './audio.types.js';
import { floatToPcm16Bytes } from './sample-conversion.js';

/** Raw 16-bit little-endian mono PCM, no header: every chunk is simply its samples. */
export class PcmStreamEncoder implements StreamingAudioEncoder {
  push(samples: Float32Array): Buffer {
    return floatToPcm16Bytes(samples);
  }

  end(): Buffer {
    return Buffer.alloc(0);
  }
}
