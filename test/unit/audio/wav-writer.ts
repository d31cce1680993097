/** Test-only WAV writer for every encoding the decoder accepts (independent of src/). */

export type WavEncoding = 'u8' | 's16' | 's24' | 's32' | 'f32' | 'f64';

const BYTES: Record<WavEncoding, number> = { u8: 1, s16: 2, s24: 3, s32: 4, f32: 4, f64: 8 };

function writeSample(out: Buffer, offset: number, value: number, encoding: WavEncoding): void {
  switch (encoding) {
    case 'u8':
      out.writeUInt8(Math.round(value * 127) + 128, offset);
      break;
    case 's16':
      out.writeInt16LE(Math.round(value * 32767), offset);
      break;
    case 's24':
      out.writeIntLE(Math.round(value * 8388607), offset, 3);
      break;
    case 's32':
      out.writeInt32LE(Math.round(value * 2147483647), offset);
      break;
    case 'f32':
      out.writeFloatLE(value, offset);
      break;
    case 'f64':
      out.writeDoubleLE(value, offset);
      break;
  }
}

/**
 * `channels[c][i]` is sample i of channel c. `extensible` writes WAVE_FORMAT_EXTENSIBLE;
 * a LIST chunk is put before `data` to check that unknown chunks are skipped.
 */
export function writeWav(
  channels: Float32Array[],
  sampleRate: number,
  encoding: WavEncoding,
  extensible = false,
): Buffer {
  const bytesPerSample = BYTES[encoding];
  const blockAlign = bytesPerSample * channels.length;
  const frames = channels[0].length;
  const isFloat = encoding === 'f32' || encoding === 'f64';
  const fmt = Buffer.alloc(extensible ? 40 : 16);
  fmt.writeUInt16LE(extensible ? 0xfffe : isFloat ? 3 : 1, 0);
  fmt.writeUInt16LE(channels.length, 2);
  fmt.writeUInt32LE(sampleRate, 4);
  fmt.writeUInt32LE(sampleRate * blockAlign, 8);
  fmt.writeUInt16LE(blockAlign, 12);
  fmt.writeUInt16LE(bytesPerSample * 8, 14);
  if (extensible) {
    fmt.writeUInt16LE(22, 16);
    fmt.writeUInt16LE(bytesPerSample * 8, 18);
    fmt.writeUInt32LE(0, 20);
    // KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT: format tag + fixed GUID tail
    fmt.writeUInt16LE(isFloat ? 3 : 1, 24);
    Buffer.from('000000001000800000aa00389b71', 'hex').copy(fmt, 26);
  }
  const data = Buffer.alloc(frames * blockAlign);
  for (let i = 0; i < frames; i++) {
    channels.forEach((channel, c) =>
      writeSample(data, i * blockAlign + c * bytesPerSample, channel[i], encoding),
    );
  }
  const list = Buffer.concat([
    Buffer.from('LIST', 'latin1'),
    Buffer.from([3, 0, 0, 0]),
    Buffer.from('abc\0', 'latin1'),
  ]);
  const chunk = (id: string, body: Buffer) => {
    const header = Buffer.alloc(8);
    header.write(id, 0, 'latin1');
    header.writeUInt32LE(body.length, 4);
    return Buffer.concat([header, body]);
  };
  const body = Buffer.concat([
    Buffer.from('WAVE', 'latin1'),
    chunk('fmt ', fmt),
    list,
    chunk('data', data),
  ]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(body.length, 4);
  return Buffer.concat([riff, body]);
}
