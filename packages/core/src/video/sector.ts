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
 * Cells are `cellM` metres (at the index's reference latitude).
 */
export class SectorIndex<T extends Sector> {
  private readonly cellLon: number;
  private readonly cellLat: number;
  private readonly covering = new Map<number, number[]>();
  private readonly positions = new Map<number, number[]>();

  constructor(
    readonly items: readonly T[],
    refLat: number,
    cellM = 250,
  ) {
    this.cellLat = cellM / M_PER_DEG_LAT;
    this.cellLon = cellM / (M_PER_DEG_LON_EQ * Math.cos((refLat * Math.PI) / 180));
    items.forEach((s, i) => {
      push(this.positions, this.key(this.cx(s.lon), this.cy(s.lat)), i);
      const dLat = s.rangeM / M_PER_DEG_LAT;
      const dLon = s.rangeM / (M_PER_DEG_LON_EQ * Math.cos((s.lat * Math.PI) / 180));
      for (let x = this.cx(s.lon - dLon); x <= this.cx(s.lon + dLon); x++) {
        for (let y = this.cy(s.lat - dLat); y <= this.cy(s.lat + dLat); y++)
          push(this.covering, this.key(x, y), i);
      }
    });
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

  /** The items whose sector contains the point. */
  covers(lon: number, lat: number): T[] {
    const ids = this.covering.get(this.key(this.cx(lon), this.cy(lat))) ?? [];
    const out: T[] = [];
    for (const i of ids) if (sectorContains(this.items[i], lon, lat)) out.push(this.items[i]);
    return out;
  }

  /** Whether any sector contains the point (cheaper than `covers`). */
  anyCovers(lon: number, lat: number): boolean {
    const ids = this.covering.get(this.key(this.cx(lon), this.cy(lat)));
    if (!ids) return false;
    for (const i of ids) if (sectorContains(this.items[i], lon, lat)) return true;
    return false;
  }

  /** Up to k items standing within maxM metres of the point, nearest first (straight line). */
  nearest(lon: number, lat: number, k: number, maxM: number): { item: T; metres: number }[] {
    const x0 = this.cx(lon);
    const y0 = this.cy(lat);
    const cellM = this.cellLat * M_PER_DEG_LAT;
    const rings = Math.ceil(maxM / cellM) + 1;
    const found: { item: T; metres: number }[] = [];
    for (let r = 0; r <= rings; r++) {
      for (let x = x0 - r; x <= x0 + r; x++) {
        for (let y = y0 - r; y <= y0 + r; y++) {
          if (Math.max(Math.abs(x - x0), Math.abs(y - y0)) !== r) continue;
          for (const i of this.positions.get(this.key(x, y)) ?? []) {
            const item = this.items[i];
            const metres = metresBetween(lon, lat, item.lon, item.lat);
            if (metres <= maxM) found.push({ item, metres });
          }
        }
      }
      // Everything in later rings is at least r cells away: stop once k are nearer than that.
      if (found.length >= k) {
        found.sort((a, b) => a.metres - b.metres);
        if (found[k - 1].metres <= r * cellM) break;
      }
    }
    found.sort((a, b) => a.metres - b.metres);
    return found.slice(0, k);
  }
}

function push(map: Map<number, number[]>, key: number, value: number) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
