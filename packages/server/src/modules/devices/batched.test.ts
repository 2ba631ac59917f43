import { describe, expect, it } from 'vitest';
import { Batched } from './batched.js';

/** Look-ups asked together are read together; a failed read fails only its own look-ups. */
describe('Batched look-ups', () => {
  it('reads the keys of one turn with one read, and those asked meanwhile with the next', async () => {
    const reads: string[][] = [];
    let release: () => void = () => {};
    let gate: Promise<void> = Promise.resolve();
    const batched = new Batched(async (keys: string[]) => {
      reads.push(keys);
      await gate;
      return new Map(keys.filter((k) => k !== 'missing').map((k) => [k, k.toUpperCase()]));
    });
    gate = new Promise((r) => {
      release = r;
    });
    const first = ['a', 'b', 'a', 'missing'].map((k) => batched.load(k));
    // Wait until the first read is running; then ask more (one repeated from the running read).
    while (reads.length === 0) await new Promise((r) => setImmediate(r));
    const second = ['c', 'd', 'b', 'c'].map((k) => batched.load(k));
    release();
    expect(await Promise.all(first)).toEqual(['A', 'B', 'A', undefined]);
    expect(await Promise.all(second)).toEqual(['C', 'D', 'B', 'C']);
    expect(reads).toEqual([
      ['a', 'b', 'missing'],
      ['c', 'd', 'b'],
    ]);
  });

  it('reads at most `max` keys at once', async () => {
    const reads: number[][] = [];
    const batched = new Batched(async (keys: number[]) => {
      reads.push(keys);
      return new Map(keys.map((k) => [k, k * 2]));
    }, 3);
    const answers = await Promise.all([1, 2, 3, 4, 5, 6, 7].map((k) => batched.load(k)));
    expect(answers).toEqual([2, 4, 6, 8, 10, 12, 14]);
    expect(reads).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it('rejects the look-ups of a failed read, and reads the next ones again', async () => {
    let fail = true;
    const batched = new Batched(async (keys: string[]) => {
      if (fail) throw new Error('database gone');
      return new Map(keys.map((k) => [k, k.length]));
    });
    const failed = await Promise.allSettled([batched.load('x'), batched.load('yy')]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await batched.load('zzz')).toBe(3);
  });
});
