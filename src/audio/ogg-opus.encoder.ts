import { randomInt } from 'node:crypto';
import { StreamingAudioEncoder } from './audio.types.js';
import { OggPacket, OggPageWriter } from './ogg-page.js';
import { OPUS_SAMPLE_RATES, OpusFrameEncoder, OpusSampleRate } from './opus-codec.js';
import { StreamingResampler } from './resampler.js';
import { floatToInt16 } from './sample-conversion.js';

/**
 * Incremental mono Opus in Ogg (RFC 7845): the first returned buffer starts with the OpusHead
 * and OpusTags pages, every later one holds whole pages of 20 ms packets, and `end()` writes the
 * last page (end-of-stream flag) whose granule position trims the padding, so decoders play
 * exactly the pushed samples. Input is encoded at its own rate when libopus supports it (8, 12,
 * 16, 24, 48 kHz) and otherwise resampled to the nearest such rate (ties go up). Opus decoders
 * always play at 48 kHz; the OpusHead records the input rate.
 */

/** Granule positions and pre-skip of Ogg Opus count samples at 48 kHz. */
const GRANULE_RATE = 48000;
const FRAME_MILLISECONDS = 20;
/** Bits per second of the encoder: transparent for 24 kHz speech, a fraction of MP3's size. */
export const OPUS_BIT_RATE = 64000;
const VENDOR = 'cosyvoice2-service (libopus 1.4)';

export function opusEncodingRate(sampleRate: number): OpusSampleRate {
  let best: OpusSampleRate = OPUS_SAMPLE_RATES[0];
  for (const rate of OPUS_SAMPLE_RATES) {
    if (Math.abs(rate - sampleRate) <= Math.abs(best - sampleRate)) best = rate;
  }
  return best;
}

/** The identification header (RFC 7845 §5.1): version 1, mono, channel mapping family 0. */
function opusHead(preSkip: number, inputSampleRate: number): Buffer {
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'latin1');
  head.writeUInt8(1, 8);
  head.writeUInt8(1, 9);
  head.writeUInt16LE(preSkip, 10);
  head.writeUInt32LE(inputSampleRate, 12);
  head.writeInt16LE(0, 16); // output gain
  head.writeUInt8(0, 18);
  return head;
}

/** The comment header (RFC 7845 §5.2): vendor string and no user comments. */
function opusTags(): Buffer {
  const vendor = Buffer.from(VENDOR, 'utf8');
  const tags = Buffer.alloc(8 + 4 + vendor.length + 4);
  tags.write('OpusTags', 0, 'latin1');
  tags.writeUInt32LE(vendor.length, 8);
  vendor.copy(tags, 12);
  tags.writeUInt32LE(0, 12 + vendor.length);
  return tags;
}

export class OggOpusStreamEncoder implements StreamingAudioEncoder {
  private readonly opus: OpusFrameEncoder;
  private readonly resampler: StreamingResampler | null;
  private readonly pages = new OggPageWriter(randomInt(0x1_0000_0000));
  /** 48 kHz samples per encoder sample. */
  private readonly granuleStep: number;
  private readonly preSkip: number;
  private readonly frame: Int16Array;
  private frameFill = 0;
  /** Encoder-rate samples pushed so far (after resampling). */
  private inputSamples = 0;
  private granulePosition = 0n;
  private headers: Buffer | null;

  constructor(sampleRate: number) {
    const encodingRate = opusEncodingRate(sampleRate);
    this.opus = new OpusFrameEncoder(
      encodingRate,
      (encodingRate * FRAME_MILLISECONDS) / 1000,
      OPUS_BIT_RATE,
    );
    this.resampler =
      encodingRate === sampleRate ? null : new StreamingResampler(sampleRate, encodingRate);
    this.granuleStep = GRANULE_RATE / encodingRate;
    this.preSkip = this.opus.lookahead * this.granuleStep;
    this.frame = new Int16Array(this.opus.frameSize);
    this.headers = Buffer.concat([
      this.pages.pages([{ data: opusHead(this.preSkip, sampleRate), granulePosition: 0n }], {
        first: true,
      }),
      this.pages.pages([{ data: opusTags(), granulePosition: 0n }]),
    ]);
  }

  push(samples: Float32Array): Buffer {
    const packets = this.encodeInput(this.resampler ? this.resampler.push(samples) : samples);
    return Buffer.concat([this.takeHeaders(), this.pages.pages(packets)]);
  }

  end(): Buffer {
    const packets = this.resampler ? this.encodeInput(this.resampler.flush()) : [];
    // Encode silence until every pushed sample has left the encoder's lookahead.
    const lastSample = BigInt(this.preSkip + this.inputSamples * this.granuleStep);
    while (this.granulePosition < lastSample) {
      packets.push(...this.encode(new Float32Array(this.frame.length - this.frameFill)));
    }
    this.opus.close();
    // The last page's granule position tells decoders where the real audio ends.
    packets[packets.length - 1].granulePosition = lastSample;
    return Buffer.concat([this.takeHeaders(), this.pages.pages(packets, { last: true })]);
  }

  private encodeInput(samples: Float32Array): OggPacket[] {
    this.inputSamples += samples.length;
    return this.encode(samples);
  }

  private encode(samples: Float32Array): OggPacket[] {
    const ints = floatToInt16(samples);
    const packets: OggPacket[] = [];
    let offset = 0;
    while (offset < ints.length) {
      const taken = Math.min(ints.length - offset, this.frame.length - this.frameFill);
      this.frame.set(ints.subarray(offset, offset + taken), this.frameFill);
      this.frameFill += taken;
      offset += taken;
      if (this.frameFill === this.frame.length) {
        this.granulePosition += BigInt(this.frame.length * this.granuleStep);
        packets.push({ data: this.opus.encode(this.frame), granulePosition: this.granulePosition });
        this.frameFill = 0;
      }
    }
    return packets;
  }

  private takeHeaders(): Buffer {
    const headers = this.headers ?? Buffer.alloc(0);
    this.headers = null;
    return headers;
  }
}
