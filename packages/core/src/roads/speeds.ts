/**
 * Travel speeds: the one table of defaults per highway class, and `maxspeed` parsing.
 *
 * The defaults are Chinese urban free-flow speeds as a dispatcher would plan with, not legal
 * limits: motorways (expressways; inside cities often signed 80) run at 100 km/h, arterials
 * (trunk/primary) 60–70, collectors 40–50, access streets 30. Ramps (`*_link`) run below their
 * parent road because of the curves and merges. Where `maxspeed` is tagged it wins, capped by
 * nothing: a tagged limit is better evidence than a class default.
 */

/** Default speed in km/h per `highway` value, for roads without a usable `maxspeed`. */
export const DEFAULT_SPEED_KMH: Readonly<Record<string, number>> = {
  motorway: 100,
  motorway_link: 60,
  trunk: 70,
  trunk_link: 40,
  primary: 60,
  primary_link: 40,
  secondary: 50,
  secondary_link: 35,
  tertiary: 40,
  tertiary_link: 30,
  unclassified: 30,
  residential: 30,
  living_street: 15,
  service: 15,
};

/** Speed for a highway value missing from the table (should not happen for drivable ways). */
export const FALLBACK_SPEED_KMH = 20;

export function defaultSpeedKmh(highway: string): number {
  return DEFAULT_SPEED_KMH[highway] ?? FALLBACK_SPEED_KMH;
}

const MPH_TO_KMH = 1.609344;
const KNOTS_TO_KMH = 1.852;

/**
 * Implicit limits written as `<country>:<zone>` (https://wiki.openstreetmap.org/wiki/Key:maxspeed).
 * Only the zones that occur on city roads; unknown codes return null and the class default applies.
 */
const ZONE_SPEED_KMH: Readonly<Record<string, number>> = {
  'CN:urban': 50,
  'CN:rural': 70,
  'CN:motorway': 120,
  'CN:expressway': 100,
  'CN:living_street': 15,
  'RU:urban': 60,
  'RU:rural': 90,
  'RU:living_street': 20,
  'RU:motorway': 110,
  'DE:urban': 50,
  'DE:rural': 100,
  'DE:living_street': 7,
  'FR:urban': 50,
  'FR:rural': 80,
  'FR:motorway': 130,
  'FR:zone30': 30,
  'IT:urban': 50,
  'IT:rural': 90,
  'ES:urban': 50,
  'ES:rural': 90,
  'AT:urban': 50,
  'AT:rural': 100,
  'CH:urban': 50,
  'CH:rural': 80,
  'GB:nsl_single': 60 * MPH_TO_KMH,
  'GB:nsl_dual': 70 * MPH_TO_KMH,
  'GB:nsl_restricted': 30 * MPH_TO_KMH,
  'US:urban': 25 * MPH_TO_KMH,
};

/**
 * `none` (no limit, as on German autobahns) has no number; routing then uses the class default,
 * which for motorways is already a realistic travel speed.
 */
const NO_LIMIT = Symbol('none');

function parseOne(raw: string): number | typeof NO_LIMIT | null {
  const value = raw.trim();
  if (value === '') return null;
  const lower = value.toLowerCase();
  if (lower === 'none' || lower === 'signals' || lower === 'variable') return NO_LIMIT;
  if (lower === 'walk') return 5;
  const zone = ZONE_SPEED_KMH[value] ?? ZONE_SPEED_KMH[value.replace(/^(\w\w):/, (m) => m.toUpperCase())];
  if (zone !== undefined) return zone;
  // A zone with a number in it: "DE:zone30", "RU:zone:20", "zone:maxspeed=FR:30".
  const zoneNumber = /^[A-Za-z]{2}:(?:zone:?)?(\d+(?:\.\d+)?)$/.exec(value);
  if (zoneNumber) return Number(zoneNumber[1]);
  const match = /^(\d+(?:[.,]\d+)?)\s*(km\/h|kmh|kph|mph|knots)?$/i.exec(value);
  if (!match) return null;
  const n = Number(match[1].replace(',', '.'));
  if (!Number.isFinite(n) || n <= 0 || n > 300) return null;
  const unit = match[2]?.toLowerCase();
  if (unit === 'mph') return n * MPH_TO_KMH;
  if (unit === 'knots') return n * KNOTS_TO_KMH;
  return n;
}

/**
 * Parses an OSM `maxspeed` value into km/h: "60", "60 km/h", "30 mph", "CN:urban", "walk".
 * Several values ("50;30", per lane "60|40") give the lowest, the safe choice for a travel time.
 * "none" and unparseable values give null (use the class default).
 */
export function parseMaxspeed(tag: string | null | undefined): number | null {
  if (tag === null || tag === undefined) return null;
  let lowest: number | null = null;
  for (const part of tag.split(/[;|]/)) {
    const speed = parseOne(part);
    if (speed === null) {
      if (part.trim() === '') continue;
      return null; // one junk part makes the whole value untrustworthy
    }
    if (speed === NO_LIMIT) continue;
    if (lowest === null || speed < lowest) lowest = speed;
  }
  return lowest;
}

/** The speed for a way: tagged maxspeed if parseable, else the class default. */
export function waySpeedKmh(highway: string, maxspeed: string | undefined): number {
  return parseMaxspeed(maxspeed) ?? defaultSpeedKmh(highway);
}
