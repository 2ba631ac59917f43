/** Jobs for the pool's own tests: waiting, spinning, failing, reading a graph, eating memory. */
import { RingValidationError } from '@citywatch/core/perimeter/ring';
import type { JobContext } from './context.js';

export const JOBS = {
  echo: (_ctx: JobContext, input: { value: unknown }) => input.value,
  sleep: async (_ctx: JobContext, input: { ms: number }) => {
    await new Promise((resolve) => setTimeout(resolve, input.ms));
    return input.ms;
  },
  /** Busy for `ms`: nothing but terminating the thread stops it. */
  spin: (_ctx: JobContext, input: { ms: number }) => {
    const until = Date.now() + input.ms;
    let n = 0;
    while (Date.now() < until) n++;
    return n;
  },
  fail: (_ctx: JobContext, input: { ring: boolean }) => {
    if (input.ring)
      throw new RingValidationError([{ field: 'geometry', rule: 'zero_area', message: 'flat' }]);
    throw new TypeError('boom');
  },
  graph: (ctx: JobContext) => {
    const city = ctx.city();
    const shared = city.graph.nodeLon.buffer instanceof SharedArrayBuffer;
    let sum = 0;
    for (let e = 0; e < city.graph.edgeCount; e++) sum += city.graph.edgeTime[e];
    return { cityId: city.cityId, nodes: city.graph.nodeCount, edges: city.graph.edgeCount, sum, shared };
  },
  hog: () => {
    const kept: number[][] = [];
    for (;;) kept.push(new Array(1_000_000).fill(1.5));
  },
};
