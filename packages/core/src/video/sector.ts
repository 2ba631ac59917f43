/**
 * The sector model of what a camera sees (stated, as the issue asks): a camera at (lon, lat) looking
 * along `headingDeg` (0 = north, clockwise) sees every point within `rangeM` metres whose bearing
 * from the camera lies within ±fovDeg/2 of the heading (fovDeg 360: a full disc). Height, tilt,
 * zoom and what stands in the way (buildings, trees) are not modelled: a sector is an upper bound
 * of the view. Distances use a local equirectangular projection around the camera, exact to well
 * under 1 % within the few hundred metres a camera sees.
 */
export interface Sector {
  lon: number;
  lat: number;
  headingDeg: number;
  fovDeg: number;
  rangeM: number;
}

const M_PER_DEG_LAT = 110_574;
const M_PER_DEG_LON_EQ = 111_320;

/** Metres east and north of `from` to `to` (local projection). */
export function offsetMetres(
  fromLon: number,
  fromLat: number,
  toLon: number,
  toLat: number,
): [number, number] {
  const cos = Math.cos((fromLat * Math.PI) / 180);
  return [(toLon - fromLon) * M_PER_DEG_LON_EQ * cos, (toLat - fromLat) * M_PER_DEG_LAT];
}

/** Straight-line metres (local projection). */
export function metresBetween(aLon: number, aLat: number, bLon: number, bLat: number): number {
  const [dx, dy] = offsetMetres(aLon, aLat, bLon, bLat);
  return Math.hypot(dx, dy);
}

/** Smallest angle between two bearings, degrees in [0, 180]. */
export function angleBetween(a: number, b: number): number {
  const d = (((a - b) % 360) + 360) % 360;
  return d > 180 ? 360 - d : d;
}

/** Whether the sector sees the point. */
export function sectorContains(s: Sector, lon: number, lat: number): boolean {
  const [dx, dy] = offsetMetres(s.lon, s.lat, lon, lat);
  const d = Math.hypot(dx, dy);
  if (d > s.rangeM) return false;
  if (s.fovDeg >= 360 || d < 1e-6) return true;
  const bearing = (Math.atan2(dx, dy) * 180) / Math.PI;
  return angleBetween(bearing, s.headingDeg) <= s.fovDeg / 2 + 1e-9;
}

/** The sector as a closed polygon ring of [lon, lat] (for the map), `steps` segments along the arc. */
export function sectorRing(s: Sector, steps = 16): [number, number][] {
  const cos = Math.cos((s.lat * Math.PI) / 180);
  const at = (bearingDeg: number): [number, number] => {
    const b = (bearingDeg * Math.PI) / 180;
    return [
      s.lon + (Math.sin(b) * s.rangeM) / (M_PER_DEG_LON_EQ * cos),
      s.lat + (Math.cos(b) * s.rangeM) / M_PER_DEG_LAT,
    ];
  };
  const ring: [number, number][] = [];
  if (s.fovDeg >= 360) {
    for (let i = 0; i <= steps * 2; i++) ring.push(at((360 * i) / (steps * 2)));
    return ring;
  }
  const start = s.headingDeg - s.fovDeg / 2;
  ring.push([s.lon, s.lat]);
  for (let i = 0; i <= steps; i++) ring.push(at(start + (s.fovDeg * i) / steps));
  ring.push([s.lon, s.lat]);
  return ring;
}

/**
 * A grid over sectors for "which cameras see this point" and "which cameras stand nearest": each
 * sector is listed in every cell its bounding box touches, and each camera's position in one cell.
 * Cells are `cellM` metres (at the index's reference latitude). Built once and read many times (the
 * server rebuilds it when the registry changes), so the cells are packed into flat typed arrays and
 * each camera's position and the cosine of its latitude are kept beside them: a query allocates
 * only what it returns, which keeps its tail short (no garbage-collection pauses from candidates).
 */
export class SectorIndex<T extends Sector> {
  private readonly cellLon: number;
  private readonly cellLat: number;
  private readonly cellM: number;
  private readonly lon: Float64Array;
  private readonly lat: Float64Array;
  /** Metres per degree of longitude at each camera's own latitude (as `sectorContains` uses). */
  private readonly mPerDegLon: Float64Array;
  private readonly covering: PackedCells;
  private readonly positions: PackedCells;
  // Scratch of `nearest`: a max-heap of the k best so far (queries are synchronous: one set suffices).
  private heapItem = new Int32Array(64);
  private heapD2 = new Float64Array(64);

  constructor(
    readonly items: readonly T[],
    refLat: number,
    cellM = 100,
  ) {
    this.cellM = cellM;
    this.cellLat = cellM / M_PER_DEG_LAT;
    this.cellLon = cellM / (M_PER_DEG_LON_EQ * Math.cos((refLat * Math.PI) / 180));
    const n = items.length;
    this.lon = new Float64Array(n);
    this.lat = new Float64Array(n);
    this.mPerDegLon = new Float64Array(n);
    const covering = new Map<number, number[]>();
    const positions = new Map<number, number[]>();
    items.forEach((s, i) => {
      this.lon[i] = s.lon;
      this.lat[i] = s.lat;
      this.mPerDegLon[i] = M_PER_DEG_LON_EQ * Math.cos((s.lat * Math.PI) / 180);
      push(positions, this.key(this.cx(s.lon), this.cy(s.lat)), i);
      const dLat = s.rangeM / M_PER_DEG_LAT;
      const dLon = s.rangeM / this.mPerDegLon[i];
      for (let x = this.cx(s.lon - dLon); x <= this.cx(s.lon + dLon); x++) {
        for (let y = this.cy(s.lat - dLat); y <= this.cy(s.lat + dLat); y++)
          push(covering, this.key(x, y), i);
      }
    });
    this.covering = pack(covering);
    this.positions = pack(positions);
  }

  private cx(lon: number) {
    return Math.floor(lon / this.cellLon);
  }
  private cy(lat: number) {
    return Math.floor(lat / this.cellLat);
  }
  private key(x: number, y: number) {
    return (x + 2_000_000) * 4_000_000 + (y + 2_000_000);
  }

  /** Whether item i's sector contains the point (`sectorContains`, from the packed arrays). */
  private sees(i: number, lon: number, lat: number): boolean {
    const dx = (lon - this.lon[i]) * this.mPerDegLon[i];
    const dy = (lat - this.lat[i]) * M_PER_DEG_LAT;
    const s = this.items[i];
    if (dx * dx + dy * dy > s.rangeM * s.rangeM * (1 + 1e-12)) return false;
    return sectorContains(s, lon, lat);
  }

  /** The items whose sector contains the point. */
  covers(lon: number, lat: number): T[] {
    const out: T[] = [];
    const cell = this.covering.cell.get(this.key(this.cx(lon), this.cy(lat)));
    if (cell === undefined) return out;
    const { start, list } = this.covering;
    for (let j = start[cell]; j < start[cell + 1]; j++) {
      const i = list[j];
      if (this.sees(i, lon, lat)) out.push(this.items[i]);
    }
    return out;
  }

  /** Whether any sector contains the point (cheaper than `covers`). */
  anyCovers(lon: number, lat: number): boolean {
    const cell = this.covering.cell.get(this.key(this.cx(lon), this.cy(lat)));
    if (cell === undefined) return false;
    const { start, list } = this.covering;
    for (let j = start[cell]; j < start[cell + 1]; j++) if (this.sees(list[j], lon, lat)) return true;
    return false;
  }

  /** Up to k items standing within maxM metres of the point, nearest first (straight line). */
  nearest(lon: number, lat: number, k: number, maxM: number): { item: T; metres: number }[] {
    if (k <= 0 || this.items.length === 0) return [];
    if (this.heapItem.length < k) {
      this.heapItem = new Int32Array(k);
      this.heapD2 = new Float64Array(k);
    }
    const heapItem = this.heapItem;
    const heapD2 = this.heapD2;
    let size = 0;
    // Straight metres as `metresBetween(lon, lat, item…)`: projected at the query's latitude.
    const kx = M_PER_DEG_LON_EQ * Math.cos((lat * Math.PI) / 180);
    const max2 = maxM * maxM;
    const x0 = this.cx(lon);
    const y0 = this.cy(lat);
    const rings = Math.ceil(maxM / this.cellM) + 1;
    const { cell: cells, start, list } = this.positions;
    for (let r = 0; r <= rings; r++) {
      for (let x = x0 - r; x <= x0 + r; x++) {
        // The ring's cells only: whole rows at its top and bottom, the two ends elsewhere.
        const step = x === x0 - r || x === x0 + r ? 1 : 2 * r;
        for (let y = y0 - r; y <= y0 + r; y += Math.max(1, step)) {
          const cell = cells.get(this.key(x, y));
          if (cell === undefined) continue;
          for (let j = start[cell]; j < start[cell + 1]; j++) {
            const i = list[j];
            const dx = (this.lon[i] - lon) * kx;
            const dy = (this.lat[i] - lat) * M_PER_DEG_LAT;
            const d2 = dx * dx + dy * dy;
            if (d2 > max2) continue;
            if (size < k) {
              siftUp(heapItem, heapD2, size++, i, d2);
            } else if (d2 < heapD2[0]) {
              siftDown(heapItem, heapD2, size, i, d2);
            }
          }
        }
      }
      // Everything in later rings is at least r cells away: stop once k are nearer than that.
      if (size >= k && Math.sqrt(heapD2[0]) <= r * this.cellM) break;
    }
    const out: { item: T; metres: number }[] = [];
    for (let j = 0; j < size; j++) {
      const i = heapItem[j];
      out.push({ item: this.items[i], metres: metresBetween(lon, lat, this.lon[i], this.lat[i]) });
    }
    return out.sort((a, b) => a.metres - b.metres);
  }
}

/** Grid cells packed flat: cell key → index c; its items are list[start[c] .. start[c + 1]). */
interface PackedCells {
  cell: Map<number, number>;
  start: Uint32Array;
  list: Int32Array;
}

function pack(cells: Map<number, number[]>): PackedCells {
  const cell = new Map<number, number>();
  const start = new Uint32Array(cells.size + 1);
  let total = 0;
  for (const items of cells.values()) total += items.length;
  const list = new Int32Array(total);
  let c = 0;
  let at = 0;
  for (const [key, items] of cells) {
    cell.set(key, c);
    start[c] = at;
    list.set(items, at);
    at += items.length;
    c++;
  }
  start[c] = at;
  return { cell, start, list };
}

/** Adds (item, d2) at the end of a max-heap of `size` entries. */
function siftUp(items: Int32Array, d2s: Float64Array, size: number, item: number, d2: number) {
  let i = size;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (d2s[parent] >= d2) break;
    items[i] = items[parent];
    d2s[i] = d2s[parent];
    i = parent;
  }
  items[i] = item;
  d2s[i] = d2;
}

/** Replaces the max-heap's top (the farthest) with (item, d2). */
function siftDown(items: Int32Array, d2s: Float64Array, size: number, item: number, d2: number) {
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= size) break;
    const r = l + 1;
    const c = r < size && d2s[r] > d2s[l] ? r : l;
    if (d2s[c] <= d2) break;
    items[i] = items[c];
    d2s[i] = d2s[c];
    i = c;
  }
  items[i] = item;
  d2s[i] = d2;
}

function push(map: Map<number, number[]>, key: number, value: number) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
