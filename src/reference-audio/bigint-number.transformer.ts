import type { ValueTransformer } from 'typeorm';

/** BIGINT columns come back as strings from mysql2; the values stored here fit in a double. */
export const bigintNumberTransformer: ValueTransformer = {
  to: (value: number | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};
