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

/**
 * Turn restrictions resolved at import travel after the arrays as a trailer (readers of the plain
 * graph stop before it): magic, sequence count, then per sequence its OSM relation id, its length
 * and its base edge ids.
 */
const TURNS_MAGIC = 0x43575452; // "CWTR"

export interface StoredTurnRestrictions {
  /** Forbidden base-edge sequences (core/roads/turn-restrictions.ts). */
  sequences: number[][];
  /** The restriction relation each sequence came from. */
  osmIds: number[];
}

export function encodeGraph(g: RoadGraph, turns?: StoredTurnRestrictions): Buffer {
  const headerBytes = 16 + ARRAYS.length * 8;
  let size = headerBytes;
  for (const [key] of ARRAYS) size += align8(g[key].byteLength);
  const trailer = turns ? encodeTurns(turns) : null;
  const graphBytes = size;
  if (trailer) size += trailer.byteLength;
  const out = Buffer.alloc(size);
  if (trailer) trailer.copy(out, graphBytes);
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

function encodeTurns(turns: StoredTurnRestrictions): Buffer {
  const words = [TURNS_MAGIC, turns.sequences.length];
  turns.sequences.forEach((sequence, i) => {
    words.push(turns.osmIds[i], sequence.length, ...sequence);
  });
  // Float64: OSM relation ids and edge ids are integers below 2^53.
  const out = Buffer.alloc(words.length * 8);
  words.forEach((w, i) => {
    out.writeDoubleLE(w, i * 8);
  });
  return out;
}

/** The stored turn restrictions, or null for a graph imported before they were stored. */
export function decodeTurnRestrictions(buf: Uint8Array): StoredTurnRestrictions | null {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let offset = 16 + ARRAYS.length * 8;
  ARRAYS.forEach(([, Ctor], i) => {
    offset += align8(view.getFloat64(16 + i * 8, true) * Ctor.BYTES_PER_ELEMENT);
  });
  if (offset + 16 > buf.byteLength || view.getFloat64(offset, true) !== TURNS_MAGIC) return null;
  const count = view.getFloat64(offset + 8, true);
  offset += 16;
  const sequences: number[][] = [];
  const osmIds: number[] = [];
  for (let k = 0; k < count; k++) {
    osmIds.push(view.getFloat64(offset, true));
    const length = view.getFloat64(offset + 8, true);
    offset += 16;
    const sequence: number[] = [];
    for (let j = 0; j < length; j++, offset += 8) sequence.push(view.getFloat64(offset, true));
    sequences.push(sequence);
  }
  return { sequences, osmIds };
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
