import { describe, expect, it } from 'vitest';
import { WriteBatch } from './write-batch.js';

type Raise = { originator: string; type: string; n: number };

describe('WriteBatch (alarm raises in one statement)', () => {
  it('gathers the items of a turn into one write; a repeated key waits for the next write', async () => {
    const writes: Raise[][] = [];
    const batch = new WriteBatch<string, Raise, number>(
      async (items) => {
        writes.push(items);
        return new Map(items.map((i) => [`${i.originator}:${i.type}`, i.n * 10]));
      },
      (i) => `${i.originator}:${i.type}`,
    );
    const answers = await Promise.all([
      batch.add({ originator: 'cam-1', type: 'offline', n: 1 }),
      batch.add({ originator: 'door-2', type: 'tamper', n: 2 }),
      batch.add({ originator: 'cam-1', type: 'offline', n: 3 }),
      batch.add({ originator: 'cam-1', type: 'tamper', n: 4 }),
    ]);
    expect(answers).toEqual([10, 20, 30, 40]);
    expect(writes.map((w) => w.map((i) => i.n))).toEqual([[1, 2, 4], [3]]);
    expect(batch.writes).toBe(2);
  });

  it('a failed write fails its items only; a key left unanswered fails that item', async () => {
    let fail = true;
    const batch = new WriteBatch<string, Raise, number>(
      async (items) => {
        if (fail) {
          fail = false;
          throw new Error('database restarting');
        }
        return new Map(items.filter((i) => i.n !== 6).map((i) => [`${i.originator}:${i.type}`, i.n]));
      },
      (i) => `${i.originator}:${i.type}`,
      2,
    );
    const results = await Promise.allSettled([
      batch.add({ originator: 'a', type: 'offline', n: 1 }),
      batch.add({ originator: 'b', type: 'offline', n: 2 }),
      batch.add({ originator: 'c', type: 'offline', n: 5 }),
      batch.add({ originator: 'd', type: 'offline', n: 6 }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason.message).toBe('database restarting');
    expect((results[3] as PromiseRejectedResult).reason.message).toMatch(/answered nothing for d:offline/);
  });
});
