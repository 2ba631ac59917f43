/**
 * Does a polygon (or multipolygon) touch or cross itself? The first contact found, in
 * O(n log n) for n segments, by a Shamos–Hoey sweep: it stops at the first contact instead of
 * listing every one (turf's `kinks` compares every pair of segments, O(n²), and a ring of 3,000
 * holes exhausted the heap).
 *
 * What counts as a contact (the rule turf's `kinks` applied, so the same rings are refused):
 * any point shared by two segments that are not neighbours along the same linear ring, whichever
 * rings or polygons they belong to: a crossing, a vertex on another segment, a vertex shared by
 * two rings (a hole touching its outer ring), two segments lying on each other. Neighbouring
 * segments share their common vertex and nothing else. Repeated consecutive positions are read
 * as one vertex (a zero-length segment bounds nothing).
 *
 * A ring that turns straight back on itself (a spike: neighbours lying on each other) is reported
 * separately as `spike`: such a ring bounds no area along the spike (OGC calls it invalid), and
 * the sweep's ordering assumes neighbours meet in one point only.
 *
 * The sweep: endpoints sorted by (x, y); at each point, first the point itself (exactly two
 * segment ends, of neighbours, may meet there), then the segments ending there leave the sweep
 * line (their neighbours above and below are compared), then those starting there enter it
 * (compared with the segments just above and below). The line is ordered by a treap. Every
 * reported contact is confirmed with the exact segment test, so the answer is never a false
 * alarm; the property test compares it with the all-pairs test on degenerate random polygons.
 */

export interface SelfContact {
  kind: 'contact' | 'spike';
  /** A point where it happens, [lon, lat]. */
  at: [number, number];
}

type Coordinates = ReadonlyArray<ReadonlyArray<ReadonlyArray<number>>>;

interface Segments {
  count: number;
  /** Left (lexicographically smaller) and right endpoint of each segment. */
  ax: Float64Array;
  ay: Float64Array;
  bx: Float64Array;
  by: Float64Array;
  ring: Int32Array;
  index: Int32Array;
  /** Segments of the segment's ring. */
  ringSize: Int32Array;
}

/** Segments of every ring of every polygon, consecutive duplicate positions dropped. */
function buildSegments(polygons: readonly Coordinates[]): Segments | SelfContact {
  let total = 0;
  for (const polygon of polygons) for (const ring of polygon) total += ring.length;
  const ax = new Float64Array(total);
  const ay = new Float64Array(total);
  const bx = new Float64Array(total);
  const by = new Float64Array(total);
  const ringOf = new Int32Array(total);
  const index = new Int32Array(total);
  const ringSize = new Int32Array(total);
  let count = 0;
  let ringId = 0;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const polygon of polygons) {
    for (const ring of polygon) {
      xs.length = 0;
      ys.length = 0;
      for (const position of ring) {
        const x = position[0];
        const y = position[1];
        const k = xs.length;
        if (k > 0 && xs[k - 1] === x && ys[k - 1] === y) continue;
        xs.push(x);
        ys.push(y);
      }
      // Closed: the last kept vertex repeats the first (closed here if the caller did not check).
      if (xs.length > 1 && (xs[xs.length - 1] !== xs[0] || ys[ys.length - 1] !== ys[0])) {
        xs.push(xs[0]);
        ys.push(ys[0]);
      }
      const m = xs.length - 1;
      if (m < 1) {
        ringId++;
        continue;
      }
      for (let j = 0; j < m; j++) {
        const x1 = xs[j];
        const y1 = ys[j];
        const x2 = xs[j + 1];
        const y2 = ys[j + 1];
        // A spike: the ring arrives at a vertex and leaves it back along the same line.
        const nj = j + 1 < m ? j + 1 : 0;
        if (m >= 2) {
          const x3 = xs[nj + 1];
          const y3 = ys[nj + 1];
          const cross = (x2 - x1) * (y3 - y2) - (y2 - y1) * (x3 - x2);
          const dot = (x2 - x1) * (x3 - x2) + (y2 - y1) * (y3 - y2);
          if (cross === 0 && dot < 0) return { kind: 'spike', at: [x2, y2] };
        }
        const leftFirst = x1 < x2 || (x1 === x2 && y1 < y2);
        ax[count] = leftFirst ? x1 : x2;
        ay[count] = leftFirst ? y1 : y2;
        bx[count] = leftFirst ? x2 : x1;
        by[count] = leftFirst ? y2 : y1;
        ringOf[count] = ringId;
        index[count] = j;
        ringSize[count] = m;
        count++;
      }
      ringId++;
    }
  }
  return { count, ax, ay, bx, by, ring: ringOf, index, ringSize };
}

function orient(px: number, py: number, qx: number, qy: number, rx: number, ry: number): number {
  return (qx - px) * (ry - py) - (qy - py) * (rx - px);
}

/** r on the closed segment p–q, given that p, q, r are collinear. */
function within(px: number, py: number, qx: number, qy: number, rx: number, ry: number): boolean {
  return Math.min(px, qx) <= rx && rx <= Math.max(px, qx) && Math.min(py, qy) <= ry && ry <= Math.max(py, qy);
}

/** Neighbours along one ring share their common vertex; that contact is the ring's shape. */
function neighbours(s: Segments, a: number, b: number): boolean {
  if (s.ring[a] !== s.ring[b]) return false;
  const n = s.ringSize[a];
  const d = Math.abs(s.index[a] - s.index[b]);
  return d === 1 || d === n - 1;
}

/** Where closed segments a and b meet, or null. */
function contact(s: Segments, a: number, b: number): [number, number] | null {
  const { ax, ay, bx, by } = s;
  const d1 = orient(ax[b], ay[b], bx[b], by[b], ax[a], ay[a]);
  const d2 = orient(ax[b], ay[b], bx[b], by[b], bx[a], by[a]);
  const d3 = orient(ax[a], ay[a], bx[a], by[a], ax[b], ay[b]);
  const d4 = orient(ax[a], ay[a], bx[a], by[a], bx[b], by[b]);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) {
    const t = d3 / (d3 - d4);
    return [ax[b] + t * (bx[b] - ax[b]), ay[b] + t * (by[b] - ay[b])];
  }
  if (d1 === 0 && within(ax[b], ay[b], bx[b], by[b], ax[a], ay[a])) return [ax[a], ay[a]];
  if (d2 === 0 && within(ax[b], ay[b], bx[b], by[b], bx[a], by[a])) return [bx[a], by[a]];
  if (d3 === 0 && within(ax[a], ay[a], bx[a], by[a], ax[b], ay[b])) return [ax[b], ay[b]];
  if (d4 === 0 && within(ax[a], ay[a], bx[a], by[a], bx[b], by[b])) return [bx[b], by[b]];
  return null;
}

function forbidden(s: Segments, a: number, b: number): [number, number] | null {
  if (a < 0 || b < 0 || a === b || neighbours(s, a, b)) return null;
  return contact(s, a, b);
}

/** A randomised balanced search tree over segment ids, with parent links (no key lookups to delete). */
class Treap {
  root = -1;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly parent: Int32Array;
  readonly priority: Uint32Array;
  constructor(size: number) {
    this.left = new Int32Array(size).fill(-1);
    this.right = new Int32Array(size).fill(-1);
    this.parent = new Int32Array(size).fill(-1);
    this.priority = new Uint32Array(size);
    // A fixed xorshift sequence: the same input always takes the same path.
    let state = 0x9e3779b9;
    for (let i = 0; i < size; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      this.priority[i] = state >>> 0;
    }
  }

  /** Inserts x where `below(x, y)` (x under y on the sweep line) says. */
  insert(x: number, below: (x: number, y: number) => boolean): void {
    const { left, right, parent } = this;
    if (this.root < 0) {
      this.root = x;
      return;
    }
    let y = this.root;
    for (;;) {
      if (below(x, y)) {
        if (left[y] < 0) {
          left[y] = x;
          break;
        }
        y = left[y];
      } else {
        if (right[y] < 0) {
          right[y] = x;
          break;
        }
        y = right[y];
      }
    }
    parent[x] = y;
    while (parent[x] >= 0 && this.priority[x] > this.priority[parent[x]]) this.rotateUp(x);
  }

  remove(x: number): void {
    const { left, right, parent } = this;
    while (left[x] >= 0 || right[x] >= 0) {
      const child =
        left[x] < 0
          ? right[x]
          : right[x] < 0
            ? left[x]
            : this.priority[left[x]] > this.priority[right[x]]
              ? left[x]
              : right[x];
      this.rotateUp(child);
    }
    const p = parent[x];
    if (p < 0) this.root = -1;
    else if (left[p] === x) left[p] = -1;
    else right[p] = -1;
    parent[x] = -1;
  }

  /** The segment just below x on the sweep line, or -1. */
  below(x: number): number {
    const { left, right, parent } = this;
    if (left[x] >= 0) {
      let y = left[x];
      while (right[y] >= 0) y = right[y];
      return y;
    }
    let y = x;
    while (parent[y] >= 0 && left[parent[y]] === y) y = parent[y];
    return parent[y];
  }

  /** The segment just above x on the sweep line, or -1. */
  above(x: number): number {
    const { left, right, parent } = this;
    if (right[x] >= 0) {
      let y = right[x];
      while (left[y] >= 0) y = left[y];
      return y;
    }
    let y = x;
    while (parent[y] >= 0 && right[parent[y]] === y) y = parent[y];
    return parent[y];
  }

  private rotateUp(x: number): void {
    const { left, right, parent } = this;
    const p = parent[x];
    const g = parent[p];
    if (left[p] === x) {
      left[p] = right[x];
      if (right[x] >= 0) parent[right[x]] = p;
      right[x] = p;
    } else {
      right[p] = left[x];
      if (left[x] >= 0) parent[left[x]] = p;
      left[x] = p;
    }
    parent[p] = x;
    parent[x] = g;
    if (g < 0) this.root = x;
    else if (left[g] === p) left[g] = x;
    else right[g] = x;
  }
}

/**
 * The first contact of a polygon's or multipolygon's rings with themselves or each other, or
 * null when the boundary is simple. `polygons` is a list of polygons, each a list of closed linear
 * rings of [lon, lat] positions (structure already checked).
 */
export function findSelfContact(polygons: readonly Coordinates[]): SelfContact | null {
  const built = buildSegments(polygons);
  if (!('count' in built)) return built;
  const s = built;
  const n = s.count;
  if (n < 2) return null;

  // Events: 2i = left end of segment i (it enters), 2i+1 = right end (it leaves).
  const eventX = new Float64Array(2 * n);
  const eventY = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    eventX[2 * i] = s.ax[i];
    eventY[2 * i] = s.ay[i];
    eventX[2 * i + 1] = s.bx[i];
    eventY[2 * i + 1] = s.by[i];
  }
  const order = new Uint32Array(2 * n);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((p, q) => eventX[p] - eventX[q] || eventY[p] - eventY[q]);

  const line = new Treap(n);
  let found: [number, number] | null = null;
  let px = 0;
  let py = 0;
  // Is segment x (entering at the current point p) below segment y (on the line)? p lies on y's
  // supporting line only where it touches y: at y's left end (neighbours: order by direction),
  // or inside y (a contact, reported and the sweep stops).
  const below = (x: number, y: number): boolean => {
    const o = orient(s.ax[y], s.ay[y], s.bx[y], s.by[y], px, py);
    if (o !== 0) return o < 0;
    if (!(px === s.ax[y] && py === s.ay[y])) {
      found ??= forbidden(s, x, y);
    }
    const d = orient(s.ax[y], s.ay[y], s.bx[y], s.by[y], s.bx[x], s.by[x]);
    if (d !== 0) return d < 0;
    return x < y;
  };

  for (let start = 0; start < order.length; ) {
    px = eventX[order[start]];
    py = eventY[order[start]];
    let end = start;
    while (end < order.length && eventX[order[end]] === px && eventY[order[end]] === py) end++;
    // Exactly the two ends of neighbouring segments may meet at a point.
    if (end - start !== 2 || !neighbours(s, order[start] >> 1, order[start + 1] >> 1)) {
      return { kind: 'contact', at: [px, py] };
    }
    for (let k = start; k < end; k++) {
      const event = order[k];
      if ((event & 1) === 0) continue;
      const seg = event >> 1;
      const a = line.below(seg);
      const b = line.above(seg);
      line.remove(seg);
      const hit = forbidden(s, a, b);
      if (hit) return { kind: 'contact', at: hit };
    }
    for (let k = start; k < end; k++) {
      const event = order[k];
      if ((event & 1) === 1) continue;
      const seg = event >> 1;
      line.insert(seg, below);
      if (found) return { kind: 'contact', at: found };
      const hit = forbidden(s, seg, line.below(seg)) ?? forbidden(s, seg, line.above(seg));
      if (hit) return { kind: 'contact', at: hit };
    }
    start = end;
  }
  return null;
}

/** The all-pairs answer (O(n²)), for tests: is there any contact, by the same rule? */
export function hasSelfContactBruteForce(polygons: readonly Coordinates[]): 'contact' | 'spike' | null {
  const built = buildSegments(polygons);
  if (!('count' in built)) return built.kind;
  for (let a = 0; a < built.count; a++) {
    for (let b = a + 1; b < built.count; b++) if (forbidden(built, a, b)) return 'contact';
  }
  return null;
}
