import { readFile } from 'node:fs/promises';

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
 * The random operators named in an ONNX file (op types are stored as plain strings). HiFT's
 * NSF source draws a random phase and noise in PyTorch; an export that kept them as graph ops
 * makes the waveform differ between runs even with the same sampling seed.
 */
export async function randomOperatorsIn(path: string): Promise<string[]> {
  const bytes = await readFile(path);
  const found = RANDOM_OPERATORS.filter((name) => bytes.includes(Buffer.from(name)));
  // "RandomNormal" is a prefix of "RandomNormalLike": report the longer name only.
  return found.filter((name) => !found.some((other) => other !== name && other.startsWith(name)));
}
