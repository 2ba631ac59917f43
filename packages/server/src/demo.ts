import { existsSync } from 'node:fs';
import path from 'node:path';
import type { AppContext } from './app-context.js';
import { REPO_ROOT } from './config.js';
import { generateFromOrgStations } from './modules/places/jurisdictions.js';
import { importCity } from './modules/roads/city-import.js';

/** The bundled city loaded on first start: Shenzhen Longgang from ../shared/data/roads/. */
export const BUNDLED_CITY = {
  name: 'shenzhen-longgang',
  file: path.resolve(REPO_ROOT, '../shared/data/roads/shenzhen-longgang/shenzhen_longgang.osm'),
};

/**
 * First start with the demo on: import the bundled city and draw station areas around the seeded
 * stations, so a new user sees a real city at once. Does nothing once any city exists.
 */
export async function ensureBundledCity(ctx: AppContext, log: (line: string) => void): Promise<void> {
  if ((await ctx.places.cities.list()).length > 0) return;
  if (!existsSync(BUNDLED_CITY.file)) {
    log(
      `bundled city not found at ${BUNDLED_CITY.file}; import one with: npx citywatch import-osm FILE --city NAME`,
    );
    return;
  }
  const report = await importCity(
    ctx.db.kysely,
    { file: BUNDLED_CITY.file, name: BUNDLED_CITY.name, makeDefault: true },
    ctx.now(),
  );
  log(
    `imported ${report.city}: ${report.graph.nodes} road nodes, ${report.graph.edges} edges, ${report.kept.places} places (${report.elapsedMs} ms)`,
  );
  // The seeded org tree's stations replace any police point OSM maps, so areas link to orgs.
  const n = await generateFromOrgStations(ctx.db.kysely, ctx.places.cities, BUNDLED_CITY.name, ctx.now());
  if (n > 0) log(`drew ${n} police-station areas by network Voronoi`);
}
