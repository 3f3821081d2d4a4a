/**
 * Seeded, index-addressable pseudo-random numbers.
 *
 * Every node and relationship of the sample graph draws its values from its own generator, seeded from
 * (seed, stream, index). Nothing depends on what was generated before, so any element can be derived on its
 * own and the graph can be streamed in any batch size with identical results.
 */

/** A 32-bit integer finaliser: a bijection on uint32 with good avalanche (xor-shift / multiply rounds). */
export function mix32(value: number): number {
  let x = value >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x21f0aaad);
  x ^= x >>> 15;
  x = Math.imul(x, 0x735a2d97);
  x ^= x >>> 15;
  return x >>> 0;
}

/** Hashes (seed, stream, index) to a uint32; `index` may exceed 2^32 (its high part is mixed in too). */
export function hash3(seed: number, stream: number, index: number): number {
  const low = index >>> 0;
  const high = Math.floor(index / 0x1_0000_0000) >>> 0;
  let h = mix32((seed >>> 0) ^ Math.imul(stream + 1, 0x9e3779b9));
  h = mix32(h ^ low);
  return mix32(h ^ Math.imul(high, 0x85ebca6b) ^ 0x5bd1e995);
}

/** Small sequential generator (a Weyl sequence run through {@link mix32}), seeded per element. */
export class SeededRandom {
  private state: number;

  constructor(seed: number, stream: number, index: number) {
    this.state = hash3(seed, stream, index);
  }

  /** Next uint32. */
  next(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    return mix32(this.state ^ (this.state >>> 13));
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  float(): number {
    return ((this.next() >>> 5) * 67108864 + (this.next() >>> 6)) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }
}
