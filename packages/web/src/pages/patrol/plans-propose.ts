import type { HotspotCollection } from './api';
import type { PatrolZone, PlanBodyInput } from './plans-api';

/** Ray casting on the outer ring (lon/lat as planar: zones are a few km across). */
export function insideRing(ring: number[][], lon: number, lat: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export function centroid(f: HotspotCollection['features'][number]): [number, number] {
  const coords =
    f.geometry.type === 'Polygon' ? f.geometry.coordinates[0].slice(0, -1) : f.geometry.coordinates;
  const lon = coords.reduce((s, c) => s + c[0], 0) / coords.length;
  const lat = coords.reduce((s, c) => s + c[1], 0) / coords.length;
  return [lon, lat];
}

export type ProposalProblem = 'noHotspots' | 'noZones' | 'noUnits';

/**
 * A plan proposed from hot spots: each hot spot (best first) becomes a point target of the zone
 * holding it, with the server's Koper defaults; only zones with targets are kept, and the units
 * are dealt to them in turn (a zone beyond the number of units is left out). The shift is the
 * next 8 hours from the current hour.
 */
export function proposePlan(
  hotspots: HotspotCollection,
  zones: PatrolZone[],
  unitIds: string[],
  name: string,
  now = Date.now(),
): PlanBodyInput | ProposalProblem {
  if (hotspots.features.length === 0) return 'noHotspots';
  if (zones.length === 0) return 'noZones';
  if (unitIds.length === 0) return 'noUnits';
  const byZone = new Map<string, PlanBodyInput['targets']>();
  hotspots.features.forEach((f, i) => {
    const [lon, lat] = centroid(f);
    const zone = zones.find((z) => insideRing(z.geometry.coordinates[0], lon, lat));
    if (!zone) return;
    const list = byZone.get(zone.key) ?? [];
    list.push({
      key: `hs-${i + 1}`,
      name: f.properties.label ?? `#${f.properties.rank}`,
      kind: 'point',
      geometry: { type: 'Point', coordinates: [lon, lat] },
      zoneKey: zone.key,
      hotspotId: f.id,
    });
    byZone.set(zone.key, list);
  });
  const kept = [...byZone.entries()]
    .sort((a, b) => (b[1]?.length ?? 0) - (a[1]?.length ?? 0))
    .slice(0, unitIds.length);
  if (kept.length === 0) return 'noHotspots';
  const start = Math.floor(now / 3_600_000) * 3_600_000;
  return {
    name,
    shift: { start: new Date(start).toISOString(), end: new Date(start + 8 * 3_600_000).toISOString() },
    zones: kept.map(([key]) => zones.find((z) => z.key === key) as PatrolZone),
    targets: kept.flatMap(([, targets]) => targets ?? []),
    assignments: unitIds.map((unitId, i) => ({ unitId, zoneKey: kept[i % kept.length][0] })),
  };
}
