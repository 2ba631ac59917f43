/**
 * Addresses of incident exports → points, against one city: intersections on the city's road
 * graph, block addresses against the gazetteer's standard addresses on the same street (read
 * through the places module's search), anything else (place names, full addresses) through the
 * same search on a close match only. A block with no known address of its own is placed between
 * the nearest known numbers on its street ('interpolated'). Each distinct address and street is
 * looked up once; a street the city's road graph does not have is not searched at all.
 */
import {
  expandStreet,
  type GazetteerAddress,
  houseNumberValue,
  interpolateBlockAddress,
  matchBlockAddress,
  normalizeStreet,
  parseAddress,
  StreetIndex,
  streetVariants,
} from '@citywatch/core/patrol/geocode';
import type { LocatedBy } from '@citywatch/core/patrol/rows';
import type { PlacesService } from '../places/service.js';
import type { CityRuntime } from '../roads/registry.js';

export interface Geocoded {
  lon: number;
  lat: number;
  located: LocatedBy;
}

/** A lookup's answer, and whether the city's roads know the street(s) it names at all. */
export interface GeocodeOutcome {
  hit: Geocoded | null;
  /** The street (both streets of an intersection) is on the city's road graph; null: not a street address. */
  streetKnown: boolean | null;
}

/** Street candidates per search: enough for every address of a long street in a city extract. */
const STREET_CANDIDATES = 1000;

/** The street and number of a gazetteer label (`3501 Ailsa Avenue, Baltimore`, `龙岗大道123号`). */
function labelAddress(label: string): { street: string; housenumber: string } | null {
  const first = label.split(',')[0].trim();
  const western = /^(\d+[A-Za-z]?(?:-\d+)?)\s+(.+)$/.exec(first);
  if (western) return { housenumber: western[1], street: western[2] };
  const parsed = parseAddress(first);
  return parsed.kind === 'block' ? { housenumber: String(parsed.number), street: parsed.street } : null;
}

export class CityGeocoder {
  private readonly streets: StreetIndex;
  private readonly byAddress = new Map<string, Promise<GeocodeOutcome>>();
  private readonly byStreet = new Map<string, Promise<GazetteerAddress[]>>();

  constructor(
    private readonly places: Pick<PlacesService, 'search'>,
    private readonly city: CityRuntime,
  ) {
    this.streets = new StreetIndex(city.graph);
  }

  geocode(address: string): Promise<GeocodeOutcome> {
    const key = address.trim().toUpperCase();
    let found = this.byAddress.get(key);
    if (!found) {
      found = this.lookup(address);
      this.byAddress.set(key, found);
    }
    return found;
  }

  private async lookup(address: string): Promise<GeocodeOutcome> {
    const parsed = parseAddress(address);
    if (parsed.kind === 'intersection') {
      const known = this.streets.has(parsed.a) && this.streets.has(parsed.b);
      const at = known ? this.streets.intersection(parsed.a, parsed.b) : null;
      return { hit: at ? { ...at, located: 'intersection' } : null, streetKnown: known };
    }
    if (parsed.kind === 'block') {
      // A street the city's roads do not have lies outside the city's extract: no search.
      if (!this.streets.has(parsed.street)) return { hit: null, streetKnown: false };
      const candidates = await this.addressesOn(parsed.street);
      const hit = matchBlockAddress(parsed.number, parsed.street, candidates);
      if (hit) {
        const exact = houseNumberValue(hit.housenumber) === parsed.number;
        return {
          hit: { lon: hit.lon, lat: hit.lat, located: exact ? 'address' : 'block' },
          streetKnown: true,
        };
      }
      const between = interpolateBlockAddress(parsed.number, parsed.street, candidates);
      return { hit: between ? { ...between, located: 'interpolated' } : null, streetKnown: true };
    }
    // A place name or a full address: the gazetteer's hit that names exactly the same thing.
    const want = normalizeStreet(address);
    if (!/\p{L}{2,}/u.test(want)) return { hit: null, streetKnown: null };
    const hits = await this.places.search({ q: address, city: this.city.name, limit: 5, crs: 'wgs84' });
    const best = hits.find((h) => normalizeStreet(h.label.split(',')[0]) === want);
    return {
      hit: best
        ? { lon: best.lon, lat: best.lat, located: best.kind === 'address' ? 'address' : 'place' }
        : null,
      streetKnown: null,
    };
  }

  /** The gazetteer's addresses on a street (any spelling of its name the search finds). */
  private addressesOn(street: string): Promise<GazetteerAddress[]> {
    const key = normalizeStreet(street);
    let found = this.byStreet.get(key);
    if (!found) {
      found = (async () => {
        const out: GazetteerAddress[] = [];
        const seen = new Set<string>();
        for (const q of streetVariants(street, expandStreet)) {
          const hits = await this.places.search({
            q,
            city: this.city.name,
            kind: 'address',
            limit: STREET_CANDIDATES,
            crs: 'wgs84',
          });
          for (const h of hits) {
            if (seen.has(h.id)) continue;
            seen.add(h.id);
            const parts = labelAddress(h.label);
            if (parts) out.push({ ...parts, lon: h.lon, lat: h.lat });
          }
          if (matchesStreet(out, street)) break;
        }
        return out;
      })();
      this.byStreet.set(key, found);
    }
    return found;
  }
}

function matchesStreet(candidates: readonly GazetteerAddress[], street: string): boolean {
  const wanted = new Set(streetVariants(street));
  return candidates.some((c) => wanted.has(normalizeStreet(c.street)));
}
