import { createRequire } from 'node:module';
import { StreamingAudioEncoder } from './audio.types.js';
import { floatToInt16 } from './sample-conversion.js';

/** The parts of libflac.js (libFLAC compiled by emscripten) this encoder uses. */
interface LibFlac {
  isReady(): boolean;
  on(event: 'ready', listener: () => void): void;
  create_libflac_encoder(
    sampleRate: number,
    channels: number,
    bitsPerSample: number,
    compressionLevel: number,
    totalSamples: number,
    verify: boolean,
    blockSize: number,
  ): number;
  init_encoder_stream(encoder: number, write: (data: Uint8Array, bytes: number) => void): number;
  FLAC__stream_encoder_process_interleaved(
    encoder: number,
    samples: Int32Array,
    count: number,
  ): boolean;
  FLAC__stream_encoder_finish(encoder: number): boolean;
  FLAC__stream_encoder_delete(encoder: number): void;
}

/** libFLAC's default compression level. */
const COMPRESSION_LEVEL = 5;

let libFlac: Promise<LibFlac> | undefined;

/**
 * The asm.js build of libflac.js: its WebAssembly build loads its binary with `fetch` under
 * Node, which cannot read a file path. Loaded once per process; ready asynchronously.
 */
function loadLibFlac(): Promise<LibFlac> {
  libFlac ??= new Promise((resolve) => {
    const flac = createRequire(import.meta.url)('libflacjs/dist/libflac.js') as LibFlac;
    if (flac.isReady()) {
      resolve(flac);
    } else {
      flac.on('ready', () => resolve(flac));
    }
  });
  return libFlac;
}

/** Frees encoders that were dropped without `end()` (an aborted synthesis). */
const abandoned = new FinalizationRegistry<{ flac: LibFlac; encoder: number }>(
  ({ flac, encoder }) => flac.FLAC__stream_encoder_delete(encoder),
);

/**
 * Incremental mono 16-bit FLAC. The first returned buffer starts with `fLaC` and the STREAMINFO
 * block; every later one holds the frames libFLAC completed (a frame is 4096 samples, so `push`
 * often returns nothing). A stream cannot seek back, so STREAMINFO leaves the total sample count
 * and MD5 unknown (0), as the FLAC format allows; decoders then read the frames to the end.
 * A whole file gets its exact count afterwards (`withExactFlacLength`).
 */
export class FlacStreamEncoder implements StreamingAudioEncoder {
  private ended = false;

  private constructor(
    private readonly flac: LibFlac,
    private readonly encoder: number,
    /** Filled by libFLAC's write callback, which must not hold the encoder object itself. */
    private readonly written: Buffer[],
  ) {
    abandoned.register(this, { flac, encoder }, this);
  }

  static async create(sampleRate: number): Promise<FlacStreamEncoder> {
    const flac = await loadLibFlac();
    const encoder = flac.create_libflac_encoder(sampleRate, 1, 16, COMPRESSION_LEVEL, 0, false, 0);
    if (encoder === 0) {
      throw new Error(`libFLAC could not create an encoder for ${sampleRate} Hz`);
    }
    const written: Buffer[] = [];
    const created = new FlacStreamEncoder(flac, encoder, written);
    const status = flac.init_encoder_stream(encoder, (data, bytes) => {
      // libflac.js reuses `data` on its next call: copy the bytes out
      written.push(Buffer.from(data.subarray(0, bytes)));
    });
    if (status !== 0) {
      created.release();
      throw new Error(`libFLAC refused the stream settings (init status ${status})`);
    }
    return created;
  }

  push(samples: Float32Array): Buffer {
    if (samples.length > 0) {
      const ints = Int32Array.from(floatToInt16(samples));
      if (!this.flac.FLAC__stream_encoder_process_interleaved(this.encoder, ints, ints.length)) {
        throw new Error('libFLAC failed to encode samples');
      }
    }
    return this.takeWritten();
  }

  end(): Buffer {
    const finished = this.flac.FLAC__stream_encoder_finish(this.encoder);
    this.release();
    if (!finished) {
      throw new Error('libFLAC failed to finish the stream');
    }
    return this.takeWritten();
  }

  private release(): void {
    if (this.ended) return;
    this.ended = true;
    abandoned.unregister(this);
    this.flac.FLAC__stream_encoder_delete(this.encoder);
  }

  private takeWritten(): Buffer {
    return Buffer.concat(this.written.splice(0));
  }
}
