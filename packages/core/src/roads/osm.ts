/**
 * What the OSM reader (server) hands to the pure road code (core): plain data, no parser state.
 *
 * The reader keeps only what later stages use: coordinates of nodes that kept ways refer to, the
 * highway ways with a small tag subset, address points, POIs, building outlines, turn
 * restrictions and administrative boundaries (membership only). Everything else in the file is
 * read and dropped, so memory follows the road network, not the file.
 */

export type OsmTags = Readonly<Record<string, string>>;

export type OsmElementType = 'node' | 'way' | 'relation';

/**
 * Node coordinates as parallel typed arrays sorted by OSM id, so a lookup is a binary search and
 * a few million nodes cost 24 bytes each instead of an object each.
 */
export interface OsmNodeTable {
  readonly id: Float64Array;
  readonly lon: Float64Array;
  readonly lat: Float64Array;
}

export interface OsmWay {
  readonly id: number;
  /** OSM node ids in way order. */
  readonly refs: Float64Array;
  /** Only the keys listed in `WAY_TAG_KEYS`. */
  readonly tags: OsmTags;
}

export interface OsmAddressPoint {
  readonly source: OsmElementType;
  readonly osmId: number;
  readonly lon: number;
  readonly lat: number;
  /** `addr:*` tags with the `addr:` prefix removed (housenumber, street, city, postcode, …). */
  readonly addr: OsmTags;
  readonly name: string | null;
}

export interface OsmPlace {
  readonly source: OsmElementType;
  readonly osmId: number;
  /** `key=value` of the tag that made it a place, e.g. `amenity=police`, `tourism=hotel`. */
  readonly category: string;
  readonly name: string | null;
  readonly lon: number;
  readonly lat: number;
}

export interface OsmBuilding {
  readonly osmId: number;
  /** The `building` tag value (`yes`, `residential`, `school`, …). */
  readonly kind: string;
  readonly name: string | null;
  readonly centroidLon: number;
  readonly centroidLat: number;
  /** Outline as [lon, lat] pairs, closed (first = last) when the way is closed. */
  readonly ring: ReadonlyArray<readonly [number, number]>;
}

export interface OsmTurnRestriction {
  readonly osmId: number;
  /**
   * The `restriction` value (or `restriction:motorcar`, `restriction:motor_vehicle`), e.g.
   * `no_left_turn`, `only_straight_on`; null when the relation names none that binds cars (e.g.
   * only `restriction:hgv`), kept so the import can report it.
   */
  readonly kind: string | null;
  /** `from` way ids (one, except for `no_entry` / `no_exit`). */
  readonly fromWays: readonly number[];
  /** The `via` node, or null when the restriction goes via ways. */
  readonly viaNode: number | null;
  /** The `via` ways in relation order (empty for a via node). */
  readonly viaWays: readonly number[];
  /** `to` way ids (one, except for `no_entry` / `no_exit`). */
  readonly toWays: readonly number[];
  /** The `except` values (`psv`, `bicycle`, `motorcar`, `emergency`, …), split at `;`. */
  readonly except: readonly string[];
}

export interface OsmBoundaryMember {
  readonly type: OsmElementType;
  readonly ref: number;
  readonly role: string;
}

/**
 * `boundary=administrative` and `boundary=land_area` relations (Monaco's country outline 36990 is
 * the latter), membership only: geometry is assembled elsewhere.
 */
export interface OsmBoundary {
  readonly osmId: number;
  /** The `boundary` value: `administrative` or `land_area`. */
  readonly kind: string;
  readonly name: string | null;
  readonly adminLevel: string | null;
  readonly members: readonly OsmBoundaryMember[];
}

export interface OsmBounds {
  readonly minLon: number;
  readonly minLat: number;
  readonly maxLon: number;
  readonly maxLat: number;
}

export interface OsmReadCounts {
  nodes: number;
  ways: number;
  relations: number;
  /** Way node refs whose node is not in the file (clipped extracts). */
  missingNodeRefs: number;
  /** Restriction relations without a from, via or to member (the rest are resolved on the graph). */
  restrictionsSkipped: number;
}

export interface OsmExtract {
  /** Bounds declared by the file header, if any. */
  readonly bounds: OsmBounds | null;
  readonly nodes: OsmNodeTable;
  /** Every way with a `highway` tag; drivability is decided by `osmToGraph`. */
  readonly ways: readonly OsmWay[];
  readonly addresses: readonly OsmAddressPoint[];
  readonly places: readonly OsmPlace[];
  readonly buildings: readonly OsmBuilding[];
  readonly restrictions: readonly OsmTurnRestriction[];
  readonly boundaries: readonly OsmBoundary[];
  readonly counts: OsmReadCounts;
}

/** Tags kept on highway ways: what routing, naming and access decisions need. */
export const WAY_TAG_KEYS: ReadonlySet<string> = new Set([
  'highway',
  'name',
  'name:zh',
  'name:en',
  'ref',
  'oneway',
  'junction',
  'maxspeed',
  'maxspeed:forward',
  'maxspeed:backward',
  'access',
  'vehicle',
  'motor_vehicle',
  'motorcar',
  'service',
  'area',
  'bridge',
  'tunnel',
  'toll',
  'lanes',
]);

/**
 * Which tag values make a node or area a place worth keeping. `*` keeps every value. Toll booths
 * and motorway junctions are here because the perimeter layer puts checkpoints at them.
 */
export const PLACE_CATEGORIES: Readonly<Record<string, ReadonlySet<string> | '*'>> = {
  amenity: new Set([
    'police',
    'fire_station',
    'hospital',
    'clinic',
    'doctors',
    'pharmacy',
    'school',
    'kindergarten',
    'college',
    'university',
    'fuel',
    'charging_station',
    'bank',
    'atm',
    'post_office',
    'townhall',
    'courthouse',
    'prison',
    'marketplace',
    'place_of_worship',
    'bus_station',
    'ferry_terminal',
    'community_centre',
    'social_facility',
    'nightclub',
    'bar',
    'pub',
    'restaurant',
    'cafe',
    'fast_food',
    'cinema',
    'theatre',
    'library',
    'parking',
  ]),
  tourism: new Set(['hotel', 'motel', 'hostel', 'guest_house', 'apartment', 'attraction', 'museum']),
  shop: '*',
  office: new Set(['government', 'police']),
  place: '*',
  railway: new Set(['station', 'halt', 'subway_entrance']),
  public_transport: new Set(['station']),
  aeroway: new Set(['aerodrome', 'terminal']),
  barrier: new Set(['toll_booth', 'border_control']),
  highway: new Set(['motorway_junction', 'traffic_signals']),
  military: '*',
};

/** The first place category a tag set matches, as `key=value`, or null. */
export function placeCategory(tags: OsmTags): string | null {
  for (const key in PLACE_CATEGORIES) {
    const value = tags[key];
    if (value === undefined) continue;
    const allowed = PLACE_CATEGORIES[key];
    if (allowed === '*' || allowed.has(value)) return `${key}=${value}`;
  }
  return null;
}

/** Index of an OSM node id in the sorted node table, or -1. */
export function findNodeIndex(nodes: OsmNodeTable, osmId: number): number {
  const ids = nodes.id;
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = ids[mid];
    if (v < osmId) lo = mid + 1;
    else if (v > osmId) hi = mid - 1;
    else return mid;
  }
  return -1;
}

/**
 * Area-weighted centroid of a ring of [lon, lat] (planar in degrees, fine at building size);
 * falls back to the vertex mean for degenerate or open rings.
 */
export function ringCentroid(ring: ReadonlyArray<readonly [number, number]>): [number, number] {
  const n = ring.length;
  if (n === 0) return [Number.NaN, Number.NaN];
  // Shift to the first vertex so the cross products stay well conditioned.
  const x0 = ring[0][0];
  const y0 = ring[0][1];
  let area2 = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < n; i++) {
    const a = ring[i];
    const b = ring[(i + 1) % n];
    const ax = a[0] - x0;
    const ay = a[1] - y0;
    const bx = b[0] - x0;
    const by = b[1] - y0;
    const cross = ax * by - bx * ay;
    area2 += cross;
    cx += (ax + bx) * cross;
    cy += (ay + by) * cross;
  }
  if (Math.abs(area2) < 1e-18) {
    let sx = 0;
    let sy = 0;
    for (const p of ring) {
      sx += p[0];
      sy += p[1];
    }
    return [sx / n, sy / n];
  }
  return [x0 + cx / (3 * area2), y0 + cy / (3 * area2)];
}
