/**
 * Ogg pages as RFC 3533 defines them: `OggS`, version 0, header type flags, 64-bit granule
 * position, stream serial number, page sequence number, CRC32 and the segment (lacing) table,
 * followed by the packet data. Packets are laced in 255-byte segments; a packet whose length is
 * a multiple of 255 ends with a 0 segment.
 */

/** Header type flags of a page (0x01, a continued packet, never occurs: see OggPageWriter). */
const BEGINNING_OF_STREAM = 0x02;
const END_OF_STREAM = 0x04;

const MAX_SEGMENTS_PER_PAGE = 255;
const HEADER_BYTES = 27;

/** CRC32 of RFC 3533: polynomial 0x04C11DB7, initial value 0, no reflection, no final xor. */
const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, index) => {
  let crc = index << 24;
  for (let bit = 0; bit < 8; bit++) {
    crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
  }
  return crc >>> 0;
});

export function oggCrc32(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ byte) & 0xff]) >>> 0;
  }
  return crc;
}

/** The lacing values of one packet: 255 per full segment, then the remainder (possibly 0). */
function lacing(packetBytes: number): number[] {
  const values = new Array<number>(Math.floor(packetBytes / 255)).fill(255);
  values.push(packetBytes % 255);
  return values;
}

/** A packet with the granule position of the page it ends on. */
export interface OggPacket {
  data: Buffer;
  /** Granule position after this packet (e.g. samples at 48 kHz for Opus). */
  granulePosition: bigint;
}

/**
 * Writes the pages of one logical bitstream. Every page holds whole packets only (none
 * continues on the next page), so each page's granule position is that of its last packet.
 */
export class OggPageWriter {
  private sequence = 0;

  constructor(private readonly serial: number) {}

  /**
   * The pages carrying `packets` in order, as many as the 255-segment limit requires. `first`
   * marks the first page as the beginning of the stream, `last` the last page as its end.
   */
  pages(packets: OggPacket[], flags: { first?: boolean; last?: boolean } = {}): Buffer {
    const pages: Buffer[] = [];
    let pending: OggPacket[] = [];
    let segments = 0;
    const flush = (isLast: boolean): void => {
      const headerType =
        (flags.first && pages.length === 0 ? BEGINNING_OF_STREAM : 0) |
        (flags.last && isLast ? END_OF_STREAM : 0);
      pages.push(this.page(pending, headerType));
      pending = [];
      segments = 0;
    };
    for (const packet of packets) {
      const count = lacing(packet.data.length).length;
      if (count > MAX_SEGMENTS_PER_PAGE) {
        throw new RangeError(`an Ogg packet of ${packet.data.length} bytes does not fit one page`);
      }
      if (segments + count > MAX_SEGMENTS_PER_PAGE) {
        flush(false);
      }
      pending.push(packet);
      segments += count;
    }
    if (pending.length > 0) {
      flush(true);
    }
    return Buffer.concat(pages);
  }

  private page(packets: OggPacket[], headerType: number): Buffer {
    const table = packets.flatMap((packet) => lacing(packet.data.length));
    const header = Buffer.alloc(HEADER_BYTES + table.length);
    header.write('OggS', 0, 'latin1');
    header.writeUInt8(0, 4); // stream structure version
    header.writeUInt8(headerType, 5);
    header.writeBigUInt64LE(packets[packets.length - 1].granulePosition, 6);
    header.writeUInt32LE(this.serial, 14);
    header.writeUInt32LE(this.sequence++, 18);
    header.writeUInt32LE(0, 22); // CRC, computed over the page with this field zero
    header.writeUInt8(table.length, 26);
    Buffer.from(table).copy(header, HEADER_BYTES);
    const page = Buffer.concat([header, ...packets.map((packet) => packet.data)]);
    page.writeUInt32LE(oggCrc32(page), 22);
    return page;
  }
}
