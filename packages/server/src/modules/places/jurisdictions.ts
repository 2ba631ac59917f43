import { ringStructureIssues } from '@citywatch/core/perimeter/ring';
import { findSelfContact } from '@citywatch/core/perimeter/self-intersection';
import type { Kysely } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { z } from 'zod';
import type { Database } from '../../db/schema.js';
import { ProblemError } from '../../http/problem.js';
import { generateJurisdictions } from '../roads/city-import.js';
import type { DbCityRegistry } from '../roads/registry.js';
import { assertOrgInScope, isCityLevel, type OrgScope, orgsUnder } from '../scope.js';
import type { areaGeometrySchema, jurisdictionImportSchema, jurisdictionPatchSchema } from './schemas.js';

type Area = z.infer<typeof areaGeometrySchema>;

/**
 * Rejects outlines over the ring size limits (checked before any per-position work), open or
 * too-short rings, and outlines that cross or touch themselves: point-in-polygon answers on them
 * are meaningless.
 */
function assertSimple(area: Area, field: string) {
  // Structure first (size limits, rings closed and of at least four positions): an open ring
  // stored here made every later point-in-polygon on the city throw (the fuzz test found it).
  const structure = ringStructureIssues(area, field);
  if (structure.length > 0) throw new ProblemError('validation', undefined, structure);
  if (findSelfContact(area.type === 'Polygon' ? [area.coordinates] : area.coordinates)) {
    throw new ProblemError('validation', undefined, [{ field, rule: 'self_intersecting', message: '' }]);
  }
}

/** Replaces a city's jurisdictions with imported GeoJSON areas, in one transaction. */
export async function replaceJurisdictions(
  db: Kysely<Database>,
  cityId: string,
  collection: z.infer<typeof jurisdictionImportSchema>,
  now: Date,
): Promise<number> {
  collection.features.forEach((f, i) => {
    assertSimple(f.geometry, `features.${i}.geometry`);
  });
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('jurisdictions').where('city_id', '=', cityId).execute();
    for (const f of collection.features) {
      await trx
        .insertInto('jurisdictions')
        .values({
          id: uuidv7(),
          city_id: cityId,
          name: f.properties.name,
          org_id: null,
          source: 'geojson',
          station_lon: null,
          station_lat: null,
          geometry: JSON.stringify(f.geometry),
          updated_at: now,
        })
        .execute();
    }
  });
  return collection.features.length;
}

/**
 * Edits one jurisdiction; returns its city's name, or null when there is no such jurisdiction in
 * the actor's scope: a jurisdiction belongs to its station's org, so an actor edits those of orgs
 * in their subtree (one held by no org: city-level staff only), and may hand it only to an org of
 * their subtree.
 */
export async function updateJurisdiction(
  db: Kysely<Database>,
  id: string,
  patch: z.infer<typeof jurisdictionPatchSchema>,
  now: Date,
  actor: OrgScope,
): Promise<string | null> {
  if (patch.geometry) assertSimple(patch.geometry, 'geometry');
  let found = db
    .selectFrom('jurisdictions')
    .innerJoin('cities', 'cities.id', 'jurisdictions.city_id')
    .select(['cities.name'])
    .where('jurisdictions.id', '=', id);
  if (!isCityLevel(actor)) found = found.where('jurisdictions.org_id', 'in', orgsUnder(db, actor));
  const row = await found.executeTakeFirst();
  if (!row) return null;
  if (patch.orgId) await assertOrgInScope(db, actor, patch.orgId, 'orgId');
  if (patch.orgId === null && !isCityLevel(actor)) {
    // Held by no station, it would be the city's alone: only city-level staff can let it go.
    throw new ProblemError('validation', undefined, [{ field: 'orgId', rule: 'org_in_scope', message: '' }]);
  }
  let update = db
    .updateTable('jurisdictions')
    .set({
      ...(patch.name ? { name: patch.name } : {}),
      ...(patch.geometry ? { geometry: JSON.stringify(patch.geometry) } : {}),
      ...(patch.orgId !== undefined ? { org_id: patch.orgId } : {}),
      source: 'edited',
      updated_at: now,
    })
    .where('id', '=', id);
  if (!isCityLevel(actor)) update = update.where('org_id', 'in', orgsUnder(db, actor));
  await update.execute();
  return row.name;
}

/**
 * For a city with no jurisdictions on file: network-Voronoi areas around the police stations of
 * the org tree that have a location, each linked to its station's org. Returns how many were made.
 */
export async function generateFromOrgStations(
  db: Kysely<Database>,
  registry: DbCityRegistry,
  cityName: string,
  now: Date,
): Promise<number> {
  const city = await registry.get(cityName);
  if (!city) return 0;
  const stations = await db
    .selectFrom('orgs')
    .select(['id', 'name', 'lon', 'lat'])
    .where('kind', '=', 'police_station')
    .where('lon', 'is not', null)
    .where('lat', 'is not', null)
    .execute();
  const rows = generateJurisdictions(
    city.id,
    city.graph,
    city.snapper,
    stations.map((s) => ({ name: s.name, lon: s.lon!, lat: s.lat!, orgId: s.id })),
    now,
  );
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('jurisdictions').where('city_id', '=', city.id).execute();
    for (const r of rows) await trx.insertInto('jurisdictions').values(r).execute();
  });
  await assignGazetteerJurisdictions(db, registry, cityName);
  return rows.length;
}

/**
 * Files every gazetteer entry (addresses, places, streets) of a city under the jurisdiction its
 * point falls in, after the areas changed. Drops the cached city first so the new areas are used.
 */
export async function assignGazetteerJurisdictions(
  db: Kysely<Database>,
  registry: DbCityRegistry,
  cityName: string,
): Promise<number> {
  registry.invalidate(cityName);
  const city = await registry.get(cityName);
  if (!city) return 0;
  const rows = await db
    .selectFrom('gazetteer')
    .select(['id', 'lon', 'lat'])
    .where('city_id', '=', city.id)
    .execute();
  const byArea = new Map<string | null, string[]>();
  for (const r of rows) {
    const area = city.jurisdictionAt(r.lon, r.lat)?.id ?? null;
    byArea.set(area, [...(byArea.get(area) ?? []), r.id]);
  }
  await db.transaction().execute(async (trx) => {
    for (const [area, ids] of byArea) {
      for (let i = 0; i < ids.length; i += 1000) {
        await trx
          .updateTable('gazetteer')
          .set({ jurisdiction_id: area })
          .where('id', 'in', ids.slice(i, i + 1000))
          .execute();
      }
    }
  });
  return rows.length;
}
