import { OpusDecoder } from 'opus-decoder';
import { AudioDecodeError, AudioTooLongError } from './audio-decode.error.js';
import type { PcmAudio } from './audio.types.js';
import {
  decodeInChunks,
  type WasmChunkDecoder,
  type WasmDecodedAudio,
} from './chunked-wasm.decode.js';
import { demuxWebmOpus } from './webm-opus.demuxer.js';

const NO_AUDIO: WasmDecodedAudio = {
  channelData: [],
  samplesDecoded: 0,
  sampleRate: 48000,
  errors: [],
};

/** Feeds Opus packets (one per `decode` call) to `opus-decoder` (libopus in WebAssembly). */
class OpusPacketDecoder implements WasmChunkDecoder {
  private readonly decoder: OpusDecoder;
  readonly ready: Promise<void>;

  constructor(opusHead: Buffer) {
    const channels = opusHead[9];
    if (opusHead[18] !== 0 || channels < 1 || channels > 2) {
      throw new AudioDecodeError(
        'only mono or stereo Opus is supported (channel mapping family 0)',
      );
    }
    this.decoder = new OpusDecoder({ channels, preSkip: opusHead.readUInt16LE(10) });
    this.ready = this.decoder.ready;
  }

  decode(packet: Uint8Array): WasmDecodedAudio {
    return this.decoder.decodeFrame(packet);
  }

  flush(): Promise<WasmDecodedAudio> {
    return Promise.resolve(NO_AUDIO);
  }

  free(): void {
    this.decoder.free();
  }
}

/**
 * Decodes the Opus track of a WebM file (browsers' MediaRecorder) to mono at 48 kHz. Length rule
 * before decoding: the Segment's Duration when it has one (MediaRecorder writes none); decoding
 * stops at `maxSeconds` in any case.
 */
export async function decodeWebmOpus(bytes: Buffer, maxSeconds: number): Promise<PcmAudio> {
  const webm = demuxWebmOpus(bytes);
  if (webm.declaredSeconds !== undefined && webm.declaredSeconds > maxSeconds) {
    throw new AudioTooLongError(webm.declaredSeconds, false, maxSeconds);
  }
  return decodeInChunks(
    new OpusPacketDecoder(webm.opusHead),
    webm.packets,
    'WebM Opus',
    maxSeconds,
  );
}
