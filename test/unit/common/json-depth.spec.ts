import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, exceedsJsonDepth } from '../../../src/common/json-depth.js';

/** `[[[…1…]]]` nested `depth` levels deep, parsed from its JSON text. */
function nestedArrays(depth: number): unknown {
  return JSON.parse(`${'['.repeat(depth)}1${']'.repeat(depth)}`);
}

/** `{"a":{"a":…}}` nested `depth` levels deep, parsed from its JSON text. */
function nestedObjects(depth: number): unknown {
  return JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
}

describe('exceedsJsonDepth', () => {
  it('counts objects and arrays as levels, scalars as none', () => {
    expect(exceedsJsonDepth('text', 0)).toBe(false);
    expect(exceedsJsonDepth(null, 0)).toBe(false);
    expect(exceedsJsonDepth({}, 0)).toBe(true);
    expect(exceedsJsonDepth({}, 1)).toBe(false);
    expect(exceedsJsonDepth({ a: [1, { b: 2 }] }, 3)).toBe(false);
    expect(exceedsJsonDepth({ a: [1, { b: 2 }] }, 2)).toBe(true);
  });

  it('accepts MAX_JSON_DEPTH levels and refuses one more, objects and arrays alike', () => {
    expect(exceedsJsonDepth(nestedArrays(MAX_JSON_DEPTH))).toBe(false);
    expect(exceedsJsonDepth(nestedArrays(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(exceedsJsonDepth(nestedObjects(MAX_JSON_DEPTH))).toBe(false);
    expect(exceedsJsonDepth(nestedObjects(MAX_JSON_DEPTH + 1))).toBe(true);
  });

  it('measures 100,000 levels without overflowing the stack', () => {
    expect(exceedsJsonDepth(nestedArrays(100_000))).toBe(true);
    expect(exceedsJsonDepth(nestedObjects(100_000))).toBe(true);
  });

  it('finds a deep branch beside shallow ones', () => {
    const value = { shallow: [1, 2, 3], deep: { parameters: nestedObjects(100) } };
    expect(exceedsJsonDepth(value)).toBe(true);
  });
});
