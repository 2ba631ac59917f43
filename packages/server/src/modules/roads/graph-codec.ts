import type { RoadGraph, WayInfo } from '@citywatch/core/roads/graph';

/**
 * The road graph's typed arrays in one buffer, for the `cities.graph` column: a header of
 * (name, element count) then each array's bytes, 8-byte aligned. Ways travel separately as JSON.
 */
const ARRAYS = [
  ['nodeLon', Float64Array],
  ['nodeLat', Float64Array],
  ['nodeOsmId', Float64Array],
  ['firstOut', Uint32Array],
  ['edgeTail', Uint32Array],
  ['edgeHead', Uint32Array],
  ['edgeTime', Float64Array],
  ['edgeLength', Float64Array],
  ['edgeWay', Uint32Array],
  ['firstIn', Uint32Array],
  ['inEdge', Uint32Array],
] as const;
const MAGIC = 0x43575247; // "CWRG"
const VERSION = 1;

type ArrayKey = (typeof ARRAYS)[number][0];

export function encodeGraph(g: RoadGraph): Buffer {
  const headerBytes = 16 + ARRAYS.length * 8;
  let size = headerBytes;
  for (const [key] of ARRAYS) size += align8(g[key].byteLength);
  const out = Buffer.alloc(size);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(VERSION, 4);
  out.writeUInt32LE(g.nodeCount, 8);
  out.writeUInt32LE(g.edgeCount, 12);
  let offset = headerBytes;
  ARRAYS.forEach(([key], i) => {
    const arr = g[key];
    out.writeDoubleLE(arr.length, 16 + i * 8);
    Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength).copy(out, offset);
    offset += align8(arr.byteLength);
  });
  return out;
}

export function decodeGraph(buf: Uint8Array, ways: readonly WayInfo[]): RoadGraph {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.getUint32(0, true) !== MAGIC || view.getUint32(4, true) !== VERSION) {
    throw new Error('stored road graph has an unknown format; re-import the city');
  }
  const nodeCount = view.getUint32(8, true);
  const edgeCount = view.getUint32(12, true);
  // Copy into a fresh, aligned buffer so every typed array can view it directly; shared memory,
  // so worker threads view the same graph without a copy each (workers/shared-graph.ts).
  const shared = new SharedArrayBuffer(buf.byteLength);
  new Uint8Array(shared).set(buf);
  let offset = 16 + ARRAYS.length * 8;
  const arrays = {} as Record<ArrayKey, Float64Array | Uint32Array>;
  ARRAYS.forEach(([key, Ctor], i) => {
    const length = view.getFloat64(16 + i * 8, true);
    arrays[key] =
      Ctor === Float64Array
        ? new Float64Array(shared, offset, length)
        : new Uint32Array(shared, offset, length);
    offset += align8(length * Ctor.BYTES_PER_ELEMENT);
  });
  return {
    nodeCount,
    edgeCount,
    ...(arrays as unknown as Omit<RoadGraph, 'nodeCount' | 'edgeCount' | 'ways'>),
    ways,
  };
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
