/**
 * Geocoding the addresses of incident exports against a city's gazetteer and road graph.
 *
 * Exports write locations as a block address (`3500 AILSA AV`, `1300 BLK ANGLESEA ST`: the
 * hundred block, not a house), an intersection (`WABASH AV/ELDORADO AV`, `A ST & B AV`), a place
 * name (`MONDAWMIN MALL`) or, in Chinese systems, `XX路123号`. Street names are compared in one
 * normal form: lower case, abbreviations spelled out (AV → avenue, N → north …), so `E NORTH AV`
 * meets OSM's `East North Avenue`.
 *
 * - A block address matches the gazetteer address on the same street whose house number is
 *   nearest, within the same hundred block (|Δ| < 100): block-level, as the source is.
 * - An intersection is the road-graph node the two streets share (or their closest nodes, when
 *   they pass within 40 m of each other, as dual carriageways do).
 * - Anything else is left to the gazetteer's search (place names, full addresses), accepted only
 *   on a close match.
 */
import type { RoadGraph } from '../roads/graph';
import { haversineMetres } from '../roads/osm-to-graph';

const SUFFIXES: Record<string, string> = {
  av: 'avenue',
  ave: 'avenue',
  avn: 'avenue',
  st: 'street',
  str: 'street',
  rd: 'road',
  dr: 'drive',
  bl: 'boulevard',
  blv: 'boulevard',
  blvd: 'boulevard',
  pl: 'place',
  ct: 'court',
  crt: 'court',
  ln: 'lane',
  la: 'lane',
  ter: 'terrace',
  terr: 'terrace',
  tr: 'terrace',
  hy: 'highway',
  hwy: 'highway',
  pkwy: 'parkway',
  pky: 'parkway',
  py: 'parkway',
  sq: 'square',
  cir: 'circle',
  cr: 'circle',
  wy: 'way',
  wk: 'walk',
  aly: 'alley',
  al: 'alley',
  expy: 'expressway',
  fwy: 'freeway',
  plz: 'plaza',
  trl: 'trail',
  cres: 'crescent',
  grn: 'green',
  gdns: 'gardens',
  mt: 'mount',
  ft: 'fort',
  jr: 'junior',
  mlk: 'martin luther king',
  n: 'north',
  s: 'south',
  e: 'east',
  w: 'west',
  ne: 'northeast',
  nw: 'northwest',
  se: 'southeast',
  sw: 'southwest',
};

function streetWords(name: string): string[] {
  return (
    name
      .normalize('NFKC')
      .toLowerCase()
      .replace(/['’]/g, '')
      .replace(/[^\p{L}\p{N}]+/gu, ' ')
      .trim()
      .split(' ')
      .filter(Boolean)
      // "O DONNELL" and "ODonnell" meet as "odonnell".
      .reduce<string[]>((out, w, i, all) => {
        if (w === 'o' && i + 1 < all.length) {
          all[i + 1] = `o${all[i + 1]}`;
          return out;
        }
        out.push(w);
        return out;
      }, [])
      .map((w) => SUFFIXES[w] ?? w)
  );
}

/** A street name with its abbreviations spelled out (`W 29TH ST` → `west 29th street`): a search text. */
export function expandStreet(name: string): string {
  return streetWords(name).join(' ');
}

/** One normal form for street names: `E NORTH AV` and `East North Avenue` → `east north avenue`. */
export function normalizeStreet(name: string): string {
  return expandStreet(name).replace(/(\d+)(st|nd|rd|th)\b/g, '$1');
}

const CJK = /\p{Script=Han}/u;

const DIRECTIONS = new Set([
  'north',
  'south',
  'east',
  'west',
  'northeast',
  'northwest',
  'southeast',
  'southwest',
]);

/**
 * The normal form, then without a leading or trailing direction (`S MARTIN LUTHER KING JR BL`
 * is OSM's `Martin Luther King Jr Boulevard`): the forms to try, most exact first.
 */
export function streetVariants(name: string, normalize: (s: string) => string = normalizeStreet): string[] {
  const full = normalize(name);
  const words = full.split(' ');
  const out = [full];
  if (words.length > 2 && DIRECTIONS.has(words[0])) out.push(words.slice(1).join(' '));
  if (words.length > 2 && DIRECTIONS.has(words[words.length - 1])) out.push(words.slice(0, -1).join(' '));
  return out;
}

export type ParsedAddress =
  | { kind: 'block'; number: number; street: string }
  | { kind: 'intersection'; a: string; b: string }
  | { kind: 'other'; text: string };

/** What kind of location an export's address text is. */
export function parseAddress(text: string): ParsedAddress {
  const s = text.trim().replace(/\s+/g, ' ');
  const cross = /^(.+?)\s*(?:\/|&|\band\b|\bat\b|与|和)\s*(.+)$/i.exec(s);
  if (cross && !/^\d+\s*$/.test(cross[1]) && /\p{L}/u.test(cross[2])) {
    return { kind: 'intersection', a: cross[1].trim(), b: cross[2].trim() };
  }
  const block = /^(\d+)(?:\s*-\s*\d+)?\s+(?:BLK\s+|BLOCK\s+(?:OF\s+)?)?(.*\p{L}.*)$/iu.exec(s);
  if (block) return { kind: 'block', number: Number(block[1]), street: block[2].trim() };
  const chinese = /^(.*?[路街道巷弄里大道])\s*(\d+)\s*号/.exec(s);
  if (chinese) return { kind: 'block', number: Number(chinese[2]), street: chinese[1] };
  return { kind: 'other', text: s };
}

/** A gazetteer address, as the server reads it (street and number already split). */
export interface GazetteerAddress {
  street: string;
  housenumber: string;
  lon: number;
  lat: number;
}

/** The leading number of a house number (`12A` → 12), or NaN. */
export function houseNumberValue(housenumber: string): number {
  const m = /^\s*(\d+)/.exec(housenumber);
  return m ? Number(m[1]) : Number.NaN;
}

/** The candidates on the same street as `street` (any of its spellings), with their numbers. */
function sameStreet(
  street: string,
  addresses: readonly GazetteerAddress[],
): { a: GazetteerAddress; n: number }[] {
  const wanted = streetVariants(street);
  const normalized = addresses.map((a) => normalizeStreet(a.street));
  // Chinese labels carry the district before the street: the street ends the candidate's.
  const same = (candidate: string, w: string) => candidate === w || (CJK.test(w) && candidate.endsWith(w));
  const want = wanted.find((w) => normalized.some((n) => same(n, w)));
  if (want === undefined) return [];
  const out: { a: GazetteerAddress; n: number }[] = [];
  addresses.forEach((a, i) => {
    const n = houseNumberValue(a.housenumber);
    if (same(normalized[i], want) && Number.isFinite(n)) out.push({ a, n });
  });
  return out;
}

/** Exports write block addresses as the block's first number (`2500 SHATTUCK AV`): aim at its middle. */
function blockTarget(number: number): { target: number; from: number; to: number } {
  return number % 100 === 0
    ? { target: number + 50, from: number, to: number + 99 }
    : { target: number, from: number - 99, to: number + 99 };
}

/**
 * The address on the same street nearest the block's middle, within the block (for `2500` the
 * numbers 2500–2599; for another number, within 99 of it), or null. `addresses` are the
 * candidates the gazetteer gave for the street.
 */
export function matchBlockAddress(
  number: number,
  street: string,
  addresses: readonly GazetteerAddress[],
): GazetteerAddress | null {
  const { target, from, to } = blockTarget(number);
  let best: GazetteerAddress | null = null;
  let bestDelta = Number.POSITIVE_INFINITY;
  for (const { a, n } of sameStreet(street, addresses)) {
    if (n < from || n > to) continue;
    const delta = Math.abs(n - target);
    if (delta < bestDelta) [best, bestDelta] = [a, delta];
  }
  return best;
}

/**
 * A block with no known address of its own: placed between the nearest known numbers below and
 * above it on the same street (linear in number, straight between the two points), when they are
 * at most `maxSpan` numbers apart (ten blocks by default). Null otherwise.
 */
export function interpolateBlockAddress(
  number: number,
  street: string,
  addresses: readonly GazetteerAddress[],
  maxSpan = 1000,
): { lon: number; lat: number } | null {
  const { target } = blockTarget(number);
  let below: { a: GazetteerAddress; n: number } | null = null;
  let above: { a: GazetteerAddress; n: number } | null = null;
  for (const c of sameStreet(street, addresses)) {
    if (c.n <= target && (!below || c.n > below.n)) below = c;
    if (c.n >= target && (!above || c.n < above.n)) above = c;
  }
  if (!below || !above || above.n - below.n > maxSpan) return null;
  if (above.n === below.n) return { lon: below.a.lon, lat: below.a.lat };
  const f = (target - below.n) / (above.n - below.n);
  return {
    lon: below.a.lon + f * (above.a.lon - below.a.lon),
    lat: below.a.lat + f * (above.a.lat - below.a.lat),
  };
}

/** The graph's nodes per normalised street name, for intersections. */
export class StreetIndex {
  private readonly nodes = new Map<string, number[]>();

  constructor(private readonly graph: RoadGraph) {
    const sets = new Map<string, Set<number>>();
    for (let e = 0; e < graph.edgeCount; e++) {
      const name = graph.ways[graph.edgeWay[e]].name;
      if (!name) continue;
      const key = normalizeStreet(name);
      let set = sets.get(key);
      if (!set) {
        set = new Set();
        sets.set(key, set);
      }
      set.add(graph.edgeTail[e]);
      set.add(graph.edgeHead[e]);
    }
    for (const [k, s] of sets)
      this.nodes.set(
        k,
        [...s].sort((a, b) => a - b),
      );
  }

  /** The graph's nodes of a street, trying its variants (see streetVariants). */
  private nodesOf(street: string): number[] | undefined {
    for (const v of streetVariants(street)) {
      const found = this.nodes.get(v);
      if (found) return found;
    }
    return undefined;
  }

  has(street: string): boolean {
    return this.nodesOf(street) !== undefined;
  }

  /** Where two streets meet: a shared node, or the closest pair of their nodes within `withinM`. */
  intersection(a: string, b: string, withinM = 40): { lon: number; lat: number } | null {
    const na = this.nodesOf(a);
    const nb = this.nodesOf(b);
    if (!na || !nb) return null;
    const g = this.graph;
    const inB = new Set(nb);
    const shared = na.filter((v) => inB.has(v));
    if (shared.length > 0) {
      // Several shared nodes (a street crossing twice, a dual carriageway): their middle one.
      let lon = 0;
      let lat = 0;
      for (const v of shared) {
        lon += g.nodeLon[v];
        lat += g.nodeLat[v];
      }
      lon /= shared.length;
      lat /= shared.length;
      let best = shared[0];
      let bestD = Number.POSITIVE_INFINITY;
      for (const v of shared) {
        const d = haversineMetres(lon, lat, g.nodeLon[v], g.nodeLat[v]);
        if (d < bestD) [best, bestD] = [v, d];
      }
      return { lon: g.nodeLon[best], lat: g.nodeLat[best] };
    }
    let best: [number, number] | null = null;
    let bestD = withinM;
    if (na.length * nb.length > 4_000_000) return null;
    for (const u of na) {
      for (const v of nb) {
        const d = haversineMetres(g.nodeLon[u], g.nodeLat[u], g.nodeLon[v], g.nodeLat[v]);
        if (d <= bestD) [best, bestD] = [[u, v], d];
      }
    }
    if (!best) return null;
    return {
      lon: (g.nodeLon[best[0]] + g.nodeLon[best[1]]) / 2,
      lat: (g.nodeLat[best[0]] + g.nodeLat[best[1]]) / 2,
    };
  }
}
