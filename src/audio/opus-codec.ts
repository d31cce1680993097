import { createRequire } from 'node:module';

/**
 * libopus 1.4 as `opusscript` compiles it to WebAssembly, used through the compiled module
 * itself rather than opusscript's JavaScript wrapper: the wrapper keeps views of the module's
 * memory taken when an instance is created, and those views are detached (unusable) as soon as
 * a later instance makes the memory grow. Here every call takes fresh views.
 *
 * The compiled `_encode` reads its input as one 16-bit memory element per byte of the 16-bit
 * little-endian PCM (the length is in bytes): each PCM byte is stored in its own element, so the
 * input buffer takes 4 bytes of module memory per sample.
 */

interface OpusHandler {
  _encode(pcmPointer: number, pcmLength: number, outPointer: number, frameSize: number): number;
  _encoder_ctl(request: number, argument: number): number;
}

interface OpusModule {
  OpusScriptHandler: {
    new (sampleRate: number, channels: number, application: number): OpusHandler;
    destroy_handler(handler: OpusHandler): void;
  };
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  HEAPU16: Uint16Array;
  HEAP32: Int32Array;
  HEAPU8: Uint8Array;
}

/** The sample rates libopus encodes. */
export const OPUS_SAMPLE_RATES = [8000, 12000, 16000, 24000, 48000] as const;
export type OpusSampleRate = (typeof OPUS_SAMPLE_RATES)[number];

const OPUS_APPLICATION_AUDIO = 2049;
/** Bytes of one 16-bit PCM sample. */
const BYTES_PER_SAMPLE = 2;
const OPUS_SET_BITRATE_REQUEST = 4002;
const OPUS_GET_LOOKAHEAD_REQUEST = 4027;
/** The largest packet libopus writes (3 frames of 1275 bytes). */
const MAX_PACKET_BYTES = 1276 * 3;

let opusModule: OpusModule | undefined;

function loadOpus(): OpusModule {
  const require = createRequire(import.meta.url);
  const factory = require('opusscript/build/opusscript_native_wasm.js') as () => OpusModule;
  opusModule ??= factory();
  return opusModule;
}

/** What an OpusFrameEncoder holds in the module's memory, freed by `close` or by the GC. */
interface OpusResources {
  handler: OpusHandler;
  pcmPointer: number;
  outPointer: number;
}

function freeResources(resources: OpusResources): void {
  const opus = loadOpus();
  opus.OpusScriptHandler.destroy_handler(resources.handler);
  opus._free(resources.pcmPointer);
  opus._free(resources.outPointer);
}

/** Frees the memory of encoders that were dropped without `close` (an aborted synthesis). */
const abandoned = new FinalizationRegistry<OpusResources>(freeResources);

/** One mono libopus encoder (application "audio") with a fixed frame size. */
export class OpusFrameEncoder {
  private readonly resources: OpusResources;
  private closed = false;

  /** Samples (at the encoder's rate) the encoder delays its output by. */
  readonly lookahead: number;

  constructor(
    readonly sampleRate: OpusSampleRate,
    readonly frameSize: number,
    bitRate: number,
  ) {
    const opus = loadOpus();
    this.resources = {
      handler: new opus.OpusScriptHandler(sampleRate, 1, OPUS_APPLICATION_AUDIO),
      pcmPointer: opus._malloc(frameSize * BYTES_PER_SAMPLE * 2),
      outPointer: opus._malloc(MAX_PACKET_BYTES),
    };
    abandoned.register(this, this.resources, this);
    this.control(OPUS_SET_BITRATE_REQUEST, bitRate);
    const valuePointer = opus._malloc(4);
    try {
      this.control(OPUS_GET_LOOKAHEAD_REQUEST, valuePointer);
      this.lookahead = loadOpus().HEAP32[valuePointer >> 2];
    } finally {
      opus._free(valuePointer);
    }
  }

  /** One Opus packet from exactly `frameSize` 16-bit samples. */
  encode(frame: Int16Array): Buffer {
    if (this.closed) {
      throw new Error('the Opus encoder is closed');
    }
    if (frame.length !== this.frameSize) {
      throw new RangeError(`an Opus frame has ${this.frameSize} samples, got ${frame.length}`);
    }
    const opus = loadOpus();
    const { handler, pcmPointer, outPointer } = this.resources;
    const pcmBytes = new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength);
    opus.HEAPU16.set(pcmBytes, pcmPointer >> 1);
    const length = handler._encode(pcmPointer, pcmBytes.length, outPointer, this.frameSize);
    if (length < 0) {
      throw new Error(`libopus failed to encode a frame (error ${length})`);
    }
    return Buffer.from(opus.HEAPU8.subarray(outPointer, outPointer + length));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    abandoned.unregister(this);
    freeResources(this.resources);
  }

  private control(request: number, argument: number): void {
    const status = this.resources.handler._encoder_ctl(request, argument);
    if (status < 0) {
      throw new Error(`libopus refused control request ${request} (error ${status})`);
    }
  }
}
