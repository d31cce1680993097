/** A row-major float32 matrix loaded from the pack's `.npy` tables. */
export interface EmbeddingTable {
  data: Float32Array;
  rows: number;
  cols: number;
}

/** Copies the given rows of `table`, in order, into one [ids.length, cols] buffer. */
export function gatherRows(table: EmbeddingTable, ids: ArrayLike<number>): Float32Array {
  const out = new Float32Array(ids.length * table.cols);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0 || id >= table.rows) {
      throw new RangeError(`row ${id} is outside a table of ${table.rows} rows`);
    }
    out.set(table.data.subarray(id * table.cols, (id + 1) * table.cols), i * table.cols);
  }
  return out;
}
