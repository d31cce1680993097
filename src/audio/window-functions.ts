/** Analysis windows as torch builds them, cached per kind and length. */

const windowCache = new Map<string, Float64Array>();

function cached(key: string, build: () => Float64Array): Float64Array {
  let window = windowCache.get(key);
  if (!window) {
    window = build();
    windowCache.set(key, window);
  }
  return window;
}

/** `torch.hann_window(length)` (periodic): 0.5 − 0.5·cos(2πn/length). */
export function periodicHannWindow(length: number): Float64Array {
  return cached(`hann-periodic:${length}`, () =>
    Float64Array.from({ length }, (_, n) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / length)),
  );
}

/** Kaldi's "povey" window: the symmetric Hann window raised to the power 0.85. */
export function poveyWindow(length: number): Float64Array {
  return cached(`povey:${length}`, () =>
    Float64Array.from(
      { length },
      (_, n) => (0.5 - 0.5 * Math.cos((2 * Math.PI * n) / (length - 1))) ** 0.85,
    ),
  );
}
