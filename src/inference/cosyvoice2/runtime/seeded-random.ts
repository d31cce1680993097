import { randomInt } from 'node:crypto';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/**
 * A reproducible source of random numbers (xoroshiro128+ from pure-rand). Two instances made
 * from the same seed produce the same sequence, bit for bit.
 */
export class SeededRandom {
  private readonly generator: RandomGenerator;
  private spareGaussian: number | undefined;

  constructor(readonly seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new RangeError(`seed must be an integer, got ${seed}`);
    }
    // pure-rand takes a 32-bit seed; fold larger integers so every safe integer is accepted.
    this.generator = xoroshiro128plus((seed ^ Math.floor(seed / 2 ** 32)) | 0);
  }

  /** Uses `seed` when given, otherwise draws a fresh seed from the OS. */
  static fromOptionalSeed(seed: number | undefined): SeededRandom {
    return new SeededRandom(seed ?? randomInt(0, 2 ** 32));
  }

  /** Uniform in [0, 1) with 53 random bits. */
  nextFloat(): number {
    return uniformFloat64(this.generator);
  }

  /** Standard normal (Box-Muller; both values of each pair are used). */
  nextGaussian(): number {
    if (this.spareGaussian !== undefined) {
      const spare = this.spareGaussian;
      this.spareGaussian = undefined;
      return spare;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - this.nextFloat()));
    const angle = 2 * Math.PI * this.nextFloat();
    this.spareGaussian = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }
}
