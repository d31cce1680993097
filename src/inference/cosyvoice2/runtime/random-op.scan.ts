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

/**
 * Which of `operators` an ONNX file names (op types are stored as plain strings). The file is
 * read in pieces, so a graph of gigabytes is never held in memory a second time. A name that is
 * a prefix of another one found is reported only as the longer name.
 */
export async function operatorsIn(path: string, operators: readonly string[]): Promise<string[]> {
  const needles = operators.map((name) => Buffer.from(name));
  // Bytes carried from one read to the next, so a name cut by a read boundary is still seen.
  const carryBytes = Math.max(...needles.map((needle) => needle.length)) - 1;
  const seen = new Set<string>();
  let carry = Buffer.alloc(0);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const window = Buffer.concat([carry, chunk as Buffer]);
    needles.forEach((needle, i) => {
      if (window.includes(needle)) seen.add(operators[i]);
    });
    carry = window.subarray(Math.max(0, window.length - carryBytes));
  }
  const found = operators.filter((name) => seen.has(name));
  return found.filter((name) => !found.some((other) => other !== name && other.startsWith(name)));
}

/**
 * The random operators named in an ONNX file. HiFT's NSF source draws a random phase and noise
 * in PyTorch; an export that kept them as graph ops makes the waveform differ between runs even
 * with the same sampling seed.
 */
export function randomOperatorsIn(path: string): Promise<string[]> {
  return operatorsIn(path, RANDOM_OPERATORS);
}
