import { createReadStream } from 'node:fs';

/** ONNX operators whose output changes from run to run unless the graph fixes their seed. */
const RANDOM_OPERATORS = [
  'RandomNormalLike',
  'RandomUniformLike',
  'RandomNormal',
  'RandomUniform',
  'Multinomial',
  'Bernoulli',
];

const NEEDLES = RANDOM_OPERATORS.map((name) => Buffer.from(name));
/** Bytes carried from one read to the next, so a name cut by a read boundary is still seen. */
const CARRY_BYTES = Math.max(...NEEDLES.map((needle) => needle.length)) - 1;

/**
 * The random operators named in an ONNX file (op types are stored as plain strings). HiFT's
 * NSF source draws a random phase and noise in PyTorch; an export that kept them as graph ops
 * makes the waveform differ between runs even with the same sampling seed. The file is read in
 * pieces, so a graph of gigabytes is never held in memory a second time.
 */
export async function randomOperatorsIn(path: string): Promise<string[]> {
  const seen = new Set<string>();
  let carry = Buffer.alloc(0);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const window = Buffer.concat([carry, chunk as Buffer]);
    NEEDLES.forEach((needle, i) => {
      if (window.includes(needle)) seen.add(RANDOM_OPERATORS[i]);
    });
    carry = window.subarray(Math.max(0, window.length - CARRY_BYTES));
  }
  const found = RANDOM_OPERATORS.filter((name) => seen.has(name));
  // "RandomNormal" is a prefix of "RandomNormalLike": report the longer name only.
  return found.filter((name) => !found.some((other) => other !== name && other.startsWith(name)));
}
