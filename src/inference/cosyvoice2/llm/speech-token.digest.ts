import { createHash } from 'node:crypto';

/**
 * What the debug log says of an utterance's speech tokens: their count and a SHA-256 of them
 * (int32 little-endian), so two runs can be compared (e.g. CPU against WebGPU) without logging
 * what was said.
 */
export function speechTokenDigest(tokens: readonly number[]): string {
  const hash = createHash('sha256').update(new Uint8Array(Int32Array.from(tokens).buffer));
  return `${tokens.length} speech tokens, sha256 ${hash.digest('hex').slice(0, 16)}`;
}
