/** The value at quantile `q` (0–1) by the nearest-rank method; NaN for no values. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1];
}

/** The middle value (the lower of the two middle ones for an even count); NaN for no values. */
export function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}
