/** The map's coarse road classes, as the tile server assigns them (server modules/tiles/tiles.ts). */
export type RoadClassKey =
  | 'motorway'
  | 'trunk'
  | 'primary'
  | 'secondary'
  | 'tertiary'
  | 'minor'
  | 'service'
  | 'link'
  | 'other';

const CLASSES: readonly RoadClassKey[] = [
  'motorway',
  'trunk',
  'primary',
  'secondary',
  'tertiary',
  'minor',
  'service',
  'link',
  'other',
];

export function isRoadClassKey(value: unknown): value is RoadClassKey {
  return typeof value === 'string' && (CLASSES as readonly string[]).includes(value);
}

/** The class of an OSM `highway` value (the reverse lookup answers the raw value). */
export function roadClassKey(highway: string): RoadClassKey {
  if (highway.endsWith('_link')) return 'link';
  if (isRoadClassKey(highway) && highway !== 'minor' && highway !== 'link' && highway !== 'other')
    return highway;
  if (['residential', 'unclassified', 'living_street', 'road'].includes(highway)) return 'minor';
  return 'other';
}
