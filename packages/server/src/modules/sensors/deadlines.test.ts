import { describe, expect, it } from 'vitest';
import { DeadlineHeap } from './deadlines.js';

describe('DeadlineHeap (the offline sweep queue)', () => {
  it('pops values earliest deadline first, equal deadlines all kept', () => {
    const heap = new DeadlineHeap<string>();
    // Deadlines of devices heard from at scattered times with timeouts of 60 s and 180 s.
    const entries: [number, string][] = [];
    for (let i = 0; i < 500; i++) {
      const key = ((i * 7919) % 997) * 1_000 + (i % 2 === 0 ? 60_000 : 180_000);
      entries.push([key, `d${i}`]);
      heap.push(key, `d${i}`);
    }
    expect(heap.size).toBe(500);
    const popped: number[] = [];
    const seen = new Set<string>();
    while (heap.size > 0) {
      popped.push(heap.peekKey()!);
      seen.add(heap.pop()!);
    }
    expect(popped).toEqual(entries.map(([k]) => k).sort((a, b) => a - b));
    expect(seen.size).toBe(500);
    expect(heap.pop()).toBeUndefined();
    expect(heap.peekKey()).toBeUndefined();
  });
});
