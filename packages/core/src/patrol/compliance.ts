/**
 * Patrol compliance and dosage from AVL (巡逻到位率与剂量): visits (entry, exit, dwell) rebuilt from
 * units' GPS fixes against must-patrol targets (points, lines, areas) and patrol zones, line
 * coverage, time in zone, missed visits, and per target the dose received against the dose
 * planned (the Dallas AVL experiment: commanders shown the patrol each hot spot really got).
 *
 * Rules for sparse and noisy GPS (each is tested in compliance.test.ts):
 *  1. Order: a unit's fixes are read in time order; a fix not later than the last accepted one is
 *     dropped (duplicate or out of order).
 *  2. Accuracy: a fix reporting accuracy worse than `maxAccuracyM` (100 m) is dropped. A fix with
 *     no accuracy is taken as `defaultAccuracyM` (10 m).
 *  3. Jumps: a fix implying a speed above `maxSpeedMps` (50 m/s = 180 km/h) from the last accepted
 *     fix is dropped; after `jumpResetFixes` (3) such drops in a row the unit really is elsewhere
 *     (the earlier fix was the bad one), and the fix is accepted as a new start.
 *  4. Inside: a fix is inside a point target within radius + min(accuracy, `accuracyCapM` = 30 m)
 *     of it; inside a line within the corridor half-width (+ the same accuracy allowance) of one
 *     of its pieces; inside an area or zone when in the polygon.
 *  5. Entry needs `enterFixes` (2) consecutive accepted fixes inside; the visit starts at the first
 *     of them. One fix inside alone is noise: no visit.
 *  6. Exit needs `exitFixes` (2) consecutive fixes outside (one stray fix outside does not split a
 *     stop); the visit ends at the last fix inside.
 *  7. Gaps: when two accepted fixes are more than `maxGapS` (120 s) apart, every open visit is
 *     closed at the last fix before the gap and the entry rule starts over: time not seen is not
 *     credited.
 *  8. Dose: a visit counts towards the plan ("dosed") when it lasted at least the target's
 *     `dwellMinMin`; a planned visit without one is missed.
 *  9. Line coverage: the line is cut into pieces of `lineStepM` (20 m); a piece is covered when an
 *     accepted fix is within the corridor of it, and when two consecutive accepted fixes (no gap)
 *     are both on the line, the pieces between them are covered too (sparse fixes on a drive
 *     along the line).
 *
 * Speed: targets sit in a grid of `cellM` buckets in a local metric projection (each target in
 * every cell its disc, corridor or polygon box meets), so a fix costs one bucket read and a few
 * distance tests; per-target state lives in typed arrays reset per unit through an active list.
 */
import type { TargetKind } from './plans';

export interface ComplianceOptions {
  maxAccuracyM: number;
  defaultAccuracyM: number;
  accuracyCapM: number;
  maxSpeedMps: number;
  jumpResetFixes: number;
  enterFixes: number;
  exitFixes: number;
  maxGapS: number;
  lineStepM: number;
  cellM: number;
}

export const DEFAULT_COMPLIANCE_OPTIONS: ComplianceOptions = {
  maxAccuracyM: 100,
  defaultAccuracyM: 10,
  accuracyCapM: 30,
  maxSpeedMps: 50,
  jumpResetFixes: 3,
  enterFixes: 2,
  exitFixes: 2,
  maxGapS: 120,
  lineStepM: 20,
  cellM: 200,
};

export type ComplianceKind = TargetKind | 'zone';

export interface ComplianceTarget {
  key: string;
  kind: ComplianceKind;
  /** Point: [lon, lat]; line: [[lon, lat], …]; area / zone: outer ring [[lon, lat], …]. */
  coordinates: number[] | number[][];
  /** Point radius or line corridor half-width, metres (areas ignore it). */
  radiusM: number;
  /** Minimum dwell for a visit to count as a dose, minutes (zones: 0). */
  dwellMinMin: number;
}

/** A unit's fixes in time order: seconds (any epoch), WGS-84 degrees, accuracy in metres (NaN = unknown). */
export interface UnitFixes {
  n: number;
  t: Float64Array;
  lon: Float64Array;
  lat: Float64Array;
  acc?: Float32Array | Float64Array;
}

const KIND_POINT = 0;
const KIND_PIECE = 1;
const KIND_AREA = 2;

const M_PER_DEG = 111_320;

/** The targets in a bucket grid over a local metric projection. */
export class TargetIndex {
  readonly targets: readonly ComplianceTarget[];
  readonly options: ComplianceOptions;
  readonly lon0: number;
  readonly lat0: number;
  readonly kx: number;
  readonly ky: number;
  readonly cols: number;
  readonly rows: number;
  readonly cellStart: Int32Array;
  readonly entryKind: Uint8Array;
  readonly entryRef: Int32Array;
  /** Per target: x, y (points), radius, kind code, dwell (s), first piece, piece count. */
  readonly tx: Float64Array;
  readonly ty: Float64Array;
  readonly tr: Float64Array;
  readonly tkind: Uint8Array;
  readonly tdwellS: Float64Array;
  readonly tFirstPiece: Int32Array;
  readonly tPieces: Int32Array;
  readonly pieceX: Float64Array;
  readonly pieceY: Float64Array;
  readonly pieceTarget: Int32Array;
  /** Per target, the polygon (area/zone) ring in projected metres. */
  readonly rings: (Float64Array | null)[];

  constructor(targets: readonly ComplianceTarget[], options: Partial<ComplianceOptions> = {}) {
    this.targets = targets;
    const o = { ...DEFAULT_COMPLIANCE_OPTIONS, ...options };
    this.options = o;
    const n = targets.length;
    let minLon = Infinity;
    let minLat = Infinity;
    let maxLon = -Infinity;
    let maxLat = -Infinity;
    const positions = (t: ComplianceTarget): number[][] =>
      t.kind === 'point' ? [t.coordinates as number[]] : (t.coordinates as number[][]);
    for (const t of targets) {
      for (const p of positions(t)) {
        if (p[0] < minLon) minLon = p[0];
        if (p[1] < minLat) minLat = p[1];
        if (p[0] > maxLon) maxLon = p[0];
        if (p[1] > maxLat) maxLat = p[1];
      }
    }
    if (n === 0) {
      minLon = maxLon = minLat = maxLat = 0;
    }
    const latMid = (minLat + maxLat) / 2;
    this.kx = M_PER_DEG * Math.cos((latMid * Math.PI) / 180);
    this.ky = M_PER_DEG;
    let maxR = 0;
    for (const t of targets) if (t.kind !== 'area' && t.kind !== 'zone') maxR = Math.max(maxR, t.radiusM);
    const margin = maxR + o.accuracyCapM + o.cellM;
    this.lon0 = minLon - margin / this.kx;
    this.lat0 = minLat - margin / this.ky;
    this.cols = Math.max(1, Math.ceil(((maxLon - this.lon0) * this.kx + margin) / o.cellM));
    this.rows = Math.max(1, Math.ceil(((maxLat - this.lat0) * this.ky + margin) / o.cellM));

    this.tx = new Float64Array(n);
    this.ty = new Float64Array(n);
    this.tr = new Float64Array(n);
    this.tkind = new Uint8Array(n);
    this.tdwellS = new Float64Array(n);
    this.tFirstPiece = new Int32Array(n);
    this.tPieces = new Int32Array(n);
    this.rings = [];
    const px: number[] = [];
    const py: number[] = [];
    const pt: number[] = [];
    const cellLists: { kind: number; ref: number; x0: number; y0: number; x1: number; y1: number }[] = [];
    for (let i = 0; i < n; i++) {
      const t = targets[i];
      this.tr[i] = t.radiusM;
      this.tdwellS[i] = t.dwellMinMin * 60;
      this.tFirstPiece[i] = px.length;
      this.rings.push(null);
      if (t.kind === 'point') {
        const [x, y] = this.project(t.coordinates as number[]);
        this.tx[i] = x;
        this.ty[i] = y;
        this.tkind[i] = KIND_POINT;
        const r = t.radiusM + o.accuracyCapM;
        cellLists.push({ kind: KIND_POINT, ref: i, x0: x - r, y0: y - r, x1: x + r, y1: y + r });
      } else if (t.kind === 'line') {
        this.tkind[i] = KIND_PIECE;
        const pts = (t.coordinates as number[][]).map((p) => this.project(p));
        const r = t.radiusM + o.accuracyCapM;
        // Pieces: points every lineStepM along the line (the first at 0, the last at the end).
        const addPiece = (x: number, y: number) => {
          cellLists.push({ kind: KIND_PIECE, ref: px.length, x0: x - r, y0: y - r, x1: x + r, y1: y + r });
          px.push(x);
          py.push(y);
          pt.push(i);
        };
        addPiece(pts[0][0], pts[0][1]);
        let carry = 0;
        for (let s = 1; s < pts.length; s++) {
          const [ax, ay] = pts[s - 1];
          const [bx, by] = pts[s];
          const len = Math.hypot(bx - ax, by - ay);
          let d = o.lineStepM - carry;
          while (d <= len) {
            addPiece(ax + ((bx - ax) * d) / len, ay + ((by - ay) * d) / len);
            d += o.lineStepM;
          }
          carry = len - (d - o.lineStepM);
        }
        if (carry > o.lineStepM / 2) addPiece(pts.at(-1)?.[0] ?? 0, pts.at(-1)?.[1] ?? 0);
      } else {
        this.tkind[i] = KIND_AREA;
        const ring = t.coordinates as number[][];
        const flat = new Float64Array(ring.length * 2);
        let x0 = Infinity;
        let y0 = Infinity;
        let x1 = -Infinity;
        let y1 = -Infinity;
        ring.forEach((p, k) => {
          const [x, y] = this.project(p);
          flat[2 * k] = x;
          flat[2 * k + 1] = y;
          x0 = Math.min(x0, x);
          y0 = Math.min(y0, y);
          x1 = Math.max(x1, x);
          y1 = Math.max(y1, y);
        });
        this.rings[i] = flat;
        this.tx[i] = (x0 + x1) / 2;
        this.ty[i] = (y0 + y1) / 2;
        cellLists.push({ kind: KIND_AREA, ref: i, x0, y0, x1, y1 });
      }
      this.tPieces[i] = px.length - this.tFirstPiece[i];
    }
    this.pieceX = Float64Array.from(px);
    this.pieceY = Float64Array.from(py);
    this.pieceTarget = Int32Array.from(pt);

    // Buckets in CSR form: count, prefix sum, fill.
    const cells = this.cols * this.rows;
    const count = new Int32Array(cells + 1);
    const each = (e: (typeof cellLists)[number], f: (cell: number) => void) => {
      const c0 = Math.max(0, Math.floor(e.x0 / o.cellM));
      const c1 = Math.min(this.cols - 1, Math.floor(e.x1 / o.cellM));
      const r0 = Math.max(0, Math.floor(e.y0 / o.cellM));
      const r1 = Math.min(this.rows - 1, Math.floor(e.y1 / o.cellM));
      for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) f(r * this.cols + c);
    };
    for (const e of cellLists) each(e, (cell) => count[cell + 1]++);
    for (let c = 0; c < cells; c++) count[c + 1] += count[c];
    this.cellStart = count;
    const total = count[cells];
    this.entryKind = new Uint8Array(total);
    this.entryRef = new Int32Array(total);
    const fill = count.slice(0, cells);
    for (const e of cellLists) {
      each(e, (cell) => {
        const at = fill[cell]++;
        this.entryKind[at] = e.kind;
        this.entryRef[at] = e.ref;
      });
    }
  }

  project(p: number[]): [number, number] {
    return [(p[0] - this.lon0) * this.kx, (p[1] - this.lat0) * this.ky];
  }
}

function insideRing(ring: Float64Array, x: number, y: number): boolean {
  let inside = false;
  const n = ring.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = ring[2 * i];
    const yi = ring[2 * i + 1];
    const xj = ring[2 * j];
    const yj = ring[2 * j + 1];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export interface FixCounts {
  read: number;
  accepted: number;
  droppedOrder: number;
  droppedAccuracy: number;
  droppedJump: number;
  gaps: number;
}

/** A visit: unit (its index in `addUnit` calls), target index, entry and exit (seconds), dwell (s). */
export interface Visit {
  unit: number;
  target: number;
  entry: number;
  exit: number;
  dwellS: number;
}

/**
 * Reads units' fixes one unit at a time (`addUnit`) and keeps the visits and line coverage; ask
 * for figures with `visits()` and `lineCoverage()`, or `summarise()` against a plan.
 */
export class ComplianceTracker {
  readonly index: TargetIndex;
  readonly counts: FixCounts = {
    read: 0,
    accepted: 0,
    droppedOrder: 0,
    droppedAccuracy: 0,
    droppedJump: 0,
    gaps: 0,
  };
  private vUnit = new Int32Array(1024);
  private vTarget = new Int32Array(1024);
  private vEntry = new Float64Array(1024);
  private vExit = new Float64Array(1024);
  private nVisits = 0;
  private readonly covered: Uint8Array;
  // Per-target state for the unit being read.
  private readonly stamp: Int32Array;
  private readonly inRun: Int32Array;
  private readonly outRun: Int32Array;
  private readonly open: Uint8Array;
  private readonly firstIn: Float64Array;
  private readonly lastIn: Float64Array;
  private readonly active: Int32Array;
  private readonly isActive: Uint8Array;
  private nActive = 0;
  private readonly hits: Int32Array;
  // Line targets: nearest piece at this fix and at the previous accepted fix.
  private readonly curPiece: Int32Array;
  private readonly curPieceD: Float64Array;
  private readonly prevPiece: Int32Array;
  private readonly prevPieceFix: Int32Array;

  constructor(index: TargetIndex) {
    this.index = index;
    const n = index.targets.length;
    this.covered = new Uint8Array(index.pieceX.length);
    this.stamp = new Int32Array(n).fill(-1);
    this.inRun = new Int32Array(n);
    this.outRun = new Int32Array(n);
    this.open = new Uint8Array(n);
    this.firstIn = new Float64Array(n);
    this.lastIn = new Float64Array(n);
    this.active = new Int32Array(n);
    this.isActive = new Uint8Array(n);
    this.hits = new Int32Array(n);
    this.curPiece = new Int32Array(n);
    this.curPieceD = new Float64Array(n);
    this.prevPiece = new Int32Array(n).fill(-1);
    this.prevPieceFix = new Int32Array(n).fill(-2);
  }

  private record(unit: number, target: number, entry: number, exit: number): void {
    if (this.nVisits === this.vUnit.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.vUnit = grow(this.vUnit);
      this.vTarget = grow(this.vTarget);
      this.vEntry = grow(this.vEntry);
      this.vExit = grow(this.vExit);
    }
    const k = this.nVisits++;
    this.vUnit[k] = unit;
    this.vTarget[k] = target;
    this.vEntry[k] = entry;
    this.vExit[k] = exit;
  }

  /** Closes every open visit (at its last fix inside) and forgets the entry runs: rule 7 and the end of a unit. */
  private closeAll(unit: number): void {
    for (let a = 0; a < this.nActive; a++) {
      const k = this.active[a];
      if (this.open[k]) this.record(unit, k, this.firstIn[k], this.lastIn[k]);
      this.open[k] = 0;
      this.inRun[k] = 0;
      this.outRun[k] = 0;
      this.isActive[k] = 0;
      this.prevPiece[k] = -1;
    }
    this.nActive = 0;
  }

  /** Reads one unit's fixes (in time order). `unit` is the caller's index of the unit. */
  addUnit(unit: number, f: UnitFixes): void {
    const ix = this.index;
    const o = ix.options;
    const { cellStart, entryKind, entryRef, tx, ty, tr, pieceX, pieceY, pieceTarget, cols, rows } = ix;
    const cell = o.cellM;
    const capM = o.accuracyCapM;
    const maxSpeed = o.maxSpeedMps;
    const stamp = this.stamp;
    const hits = this.hits;
    let prevT = -Infinity;
    let prevX = 0;
    let prevY = 0;
    let jumps = 0;
    let accepted = 0;
    const counts = this.counts;
    counts.read += f.n;
    for (let i = 0; i < f.n; i++) {
      const t = f.t[i];
      if (!(t > prevT)) {
        counts.droppedOrder++;
        continue;
      }
      let acc = f.acc ? f.acc[i] : Number.NaN;
      if (Number.isNaN(acc)) acc = o.defaultAccuracyM;
      if (acc > o.maxAccuracyM) {
        counts.droppedAccuracy++;
        continue;
      }
      const x = (f.lon[i] - ix.lon0) * ix.kx;
      const y = (f.lat[i] - ix.lat0) * ix.ky;
      const dt = t - prevT;
      if (accepted > 0) {
        const dx = x - prevX;
        const dy = y - prevY;
        if (dx * dx + dy * dy > maxSpeed * maxSpeed * dt * dt && jumps < o.jumpResetFixes) {
          jumps++;
          counts.droppedJump++;
          continue;
        }
        if (dt > o.maxGapS) {
          counts.gaps++;
          this.closeAll(unit);
        }
      }
      jumps = 0;
      const fixNo = accepted++;
      counts.accepted++;
      prevT = t;
      prevX = x;
      prevY = y;
      const allow = Math.min(acc, capM);

      // Which targets hold this fix (rule 4).
      let nHits = 0;
      const c = Math.floor(x / cell);
      const r = Math.floor(y / cell);
      if (c >= 0 && r >= 0 && c < cols && r < rows) {
        const b = r * cols + c;
        for (let e = cellStart[b], end = cellStart[b + 1]; e < end; e++) {
          const ref = entryRef[e];
          const kind = entryKind[e];
          if (kind === KIND_POINT) {
            const dx = x - tx[ref];
            const dy = y - ty[ref];
            const lim = tr[ref] + allow;
            if (dx * dx + dy * dy <= lim * lim && stamp[ref] !== fixNo) {
              stamp[ref] = fixNo;
              hits[nHits++] = ref;
            }
          } else if (kind === KIND_PIECE) {
            const k = pieceTarget[ref];
            const dx = x - pieceX[ref];
            const dy = y - pieceY[ref];
            const d2 = dx * dx + dy * dy;
            const lim = tr[k] + allow;
            if (d2 <= lim * lim) {
              this.covered[ref] = 1;
              if (stamp[k] !== fixNo) {
                stamp[k] = fixNo;
                hits[nHits++] = k;
                this.curPiece[k] = ref;
                this.curPieceD[k] = d2;
              } else if (d2 < this.curPieceD[k]) {
                this.curPiece[k] = ref;
                this.curPieceD[k] = d2;
              }
            }
          } else {
            const ring = ix.rings[ref];
            if (stamp[ref] !== fixNo && ring && insideRing(ring, x, y)) {
              stamp[ref] = fixNo;
              hits[nHits++] = ref;
            }
          }
        }
      }

      // Newly inside targets join the active list.
      for (let h = 0; h < nHits; h++) {
        const k = hits[h];
        if (!this.isActive[k]) {
          this.isActive[k] = 1;
          this.active[this.nActive++] = k;
        }
        // Rule 9: pieces between two consecutive fixes on the same line.
        if (ix.tkind[k] === KIND_PIECE) {
          const cur = this.curPiece[k];
          if (this.prevPieceFix[k] === fixNo - 1 && this.prevPiece[k] >= 0) {
            const a = Math.min(cur, this.prevPiece[k]);
            const z = Math.max(cur, this.prevPiece[k]);
            for (let p = a; p <= z; p++) this.covered[p] = 1;
          }
          this.prevPiece[k] = cur;
          this.prevPieceFix[k] = fixNo;
        }
      }

      // Rules 5 and 6 over the active targets.
      let w = 0;
      for (let a = 0; a < this.nActive; a++) {
        const k = this.active[a];
        let keep = true;
        if (stamp[k] === fixNo) {
          this.outRun[k] = 0;
          if (this.inRun[k] === 0) this.firstIn[k] = t;
          this.inRun[k]++;
          this.lastIn[k] = t;
          if (!this.open[k] && this.inRun[k] >= o.enterFixes) this.open[k] = 1;
        } else if (this.open[k]) {
          this.outRun[k]++;
          if (this.outRun[k] >= o.exitFixes) {
            this.record(unit, k, this.firstIn[k], this.lastIn[k]);
            this.open[k] = 0;
            keep = false;
          }
        } else {
          keep = false;
        }
        if (keep) this.active[w++] = k;
        else {
          this.isActive[k] = 0;
          this.inRun[k] = 0;
          this.outRun[k] = 0;
        }
      }
      this.nActive = w;
    }
    this.closeAll(unit);
    this.prevPieceFix.fill(-2);
  }

  /** The visits read so far. */
  visits(): Visit[] {
    const out: Visit[] = [];
    for (let k = 0; k < this.nVisits; k++) {
      out.push({
        unit: this.vUnit[k],
        target: this.vTarget[k],
        entry: this.vEntry[k],
        exit: this.vExit[k],
        dwellS: this.vExit[k] - this.vEntry[k],
      });
    }
    return out;
  }

  get visitCount(): number {
    return this.nVisits;
  }

  /** Share (0–1) of each line target's pieces covered (NaN for other targets). */
  lineCoverage(): Float64Array {
    const ix = this.index;
    const out = new Float64Array(ix.targets.length).fill(Number.NaN);
    for (let k = 0; k < ix.targets.length; k++) {
      if (ix.tkind[k] !== KIND_PIECE) continue;
      let c = 0;
      const first = ix.tFirstPiece[k];
      for (let p = first; p < first + ix.tPieces[k]; p++) c += this.covered[p];
      out[k] = ix.tPieces[k] ? c / ix.tPieces[k] : 0;
    }
    return out;
  }
}

export interface PlannedDose {
  /** Visits planned for the target in the shift. */
  visits: number;
  /** Minutes planned (sum of the planned dwells). */
  minutes: number;
  revisitMaxMin: number;
}

export interface TargetDose {
  key: string;
  kind: ComplianceKind;
  plannedVisits: number;
  plannedMin: number;
  visits: number;
  dosedVisits: number;
  receivedMin: number;
  missed: number;
  /** Longest time without a dosed visit (from shift start, between visits, to shift end), minutes. */
  longestGapMin: number;
  revisitKept: boolean;
  /** Lines only: share of the line covered. */
  coverage: number | null;
}

export interface UnitDose {
  unit: number;
  visits: number;
  dosedVisits: number;
  targetMin: number;
  /** Minutes in each zone (by key). */
  zoneMin: Record<string, number>;
}

/**
 * Per target: the dose received (visits, dosed visits, minutes) against the plan, missed visits
 * (planned − dosed, not below 0) and the longest gap between dosed visits; per unit: its visits,
 * its minutes at targets and in each zone. Shift bounds are in the fixes' seconds.
 */
export function summarise(
  tracker: ComplianceTracker,
  planned: ReadonlyMap<string, PlannedDose>,
  shiftStartS: number,
  shiftEndS: number,
  unitCount: number,
): { targets: TargetDose[]; units: UnitDose[] } {
  const ix = tracker.index;
  const visits = tracker.visits();
  const coverage = tracker.lineCoverage();
  const byTarget: Visit[][] = ix.targets.map(() => []);
  for (const v of visits) byTarget[v.target].push(v);
  const units: UnitDose[] = Array.from({ length: unitCount }, (_, unit) => ({
    unit,
    visits: 0,
    dosedVisits: 0,
    targetMin: 0,
    zoneMin: {},
  }));
  const targets: TargetDose[] = [];
  ix.targets.forEach((t, k) => {
    const list = byTarget[k].sort((a, b) => a.entry - b.entry);
    const minS = ix.tdwellS[k];
    let received = 0;
    let dosed = 0;
    let lastEnd = shiftStartS;
    let longest = 0;
    for (const v of list) {
      received += v.dwellS;
      const u = units[v.unit];
      if (t.kind === 'zone') {
        if (u) u.zoneMin[t.key] = (u.zoneMin[t.key] ?? 0) + v.dwellS / 60;
        continue;
      }
      if (u) {
        u.visits++;
        u.targetMin += v.dwellS / 60;
      }
      if (v.dwellS >= minS) {
        dosed++;
        if (u) u.dosedVisits++;
        longest = Math.max(longest, v.entry - lastEnd);
        lastEnd = Math.max(lastEnd, v.exit);
      }
    }
    longest = Math.max(longest, shiftEndS - lastEnd);
    const plan = planned.get(t.key);
    const plannedVisits = plan?.visits ?? 0;
    targets.push({
      key: t.key,
      kind: t.kind,
      plannedVisits,
      plannedMin: plan?.minutes ?? 0,
      visits: list.length,
      dosedVisits: dosed,
      receivedMin: received / 60,
      missed: Math.max(0, plannedVisits - dosed),
      longestGapMin: longest / 60,
      revisitKept: plan ? longest / 60 <= plan.revisitMaxMin : true,
      coverage: Number.isNaN(coverage[k]) ? null : coverage[k],
    });
  });
  return { targets, units };
}
