import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { AppHandle } from './app.js';
import { REPO_ROOT } from './config.js';
import { CitySimulator } from './modules/dispatch/simulator.js';
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
export async function ensureBundledCity(ctx: AppHandle['ctx'], log: (line: string) => void): Promise<void> {
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

/** The demo's units: patrol cars and a traffic and a special-police unit of the seeded branch. */
const DEMO_UNITS = [
  ['龙岗巡01', 'patrol_car'],
  ['龙岗巡02', 'patrol_car'],
  ['龙岗巡03', 'patrol_car'],
  ['龙岗巡04', 'patrol_car'],
  ['龙岗巡05', 'patrol_car'],
  ['龙岗巡06', 'motorcycle'],
  ['龙岗交01', 'traffic'],
  ['龙岗特01', 'special_police'],
] as const;

/**
 * Starts the city-day simulator (a simulated dispatcher user, the demo's own units, calls at the
 * city's real addresses and buildings). It cannot touch real data: it drives only the units the
 * demo created (marked `demo`, made here if there are none; a call sign a real unit holds is
 * skipped), and the calls it files are marked `demo` (left out of the figures; demo and real units
 * never serve each other's calls). Returns it so the caller can stop it.
 */
export async function startSimulator(
  app: FastifyInstance,
  ctx: AppHandle['ctx'],
  options: { city?: string; speed: number },
  log: (line: string) => void,
): Promise<CitySimulator | undefined> {
  const city = await ctx.places.cities.get(options.city);
  if (!city) {
    log(`simulator: no city ${options.city ?? '(default)'}; import one first`);
    return undefined;
  }
  const dispatch = ctx.dispatch;
  const demoUnits = async () => (await dispatch.units()).filter((u) => demoIds.has(u.id));
  const demoIds = await demoUnitIds(ctx);
  if (demoIds.size === 0) {
    const taken = new Set((await dispatch.units()).map((u) => u.callSign));
    for (const [callSign, kind] of DEMO_UNITS) {
      if (taken.has(callSign)) continue; // a real unit's call sign: the demo keeps off it
      demoIds.add((await dispatch.createUnit({ callSign, kind, demo: true })).id);
    }
  }
  const password = randomBytes(18).toString('base64url');
  const existing = await ctx.db.kysely
    .selectFrom('users')
    .select('id')
    .where('username', '=', 'simulator')
    .executeTakeFirst();
  const root = (await ctx.identity.listOrgsUnscoped())[0];
  if (existing) await ctx.identity.setPasswordUnscoped(existing.id, password);
  else
    await ctx.identity.createInitialUser({
      username: 'simulator',
      displayName: '模拟调度员',
      password,
      orgId: root.id,
      roles: ['dispatcher', 'patrol_officer'],
    });
  const simulatorUser = await ctx.db.kysely
    .selectFrom('users')
    .select('id')
    .where('username', '=', 'simulator')
    .executeTakeFirstOrThrow();
  // Calls this account files are demo calls.
  dispatch.demo.actors.add(simulatorUser.id);
  const login = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username: 'simulator', password },
  });
  const cookie = login.cookies.find((c) => c.name === 'cw_session');
  if (!cookie) throw new Error(`simulator could not sign in: ${login.body}`);
  const spots = await ctx.db.kysely
    .selectFrom('gazetteer')
    .select(['lon', 'lat'])
    .where('city_id', '=', city.id)
    .where('kind', 'in', ['address', 'place'])
    .execute();
  const buildings = city.buildings.map((b) => b.ring[0]).filter(Boolean);
  const simulator = new CitySimulator(app, city, `cw_session=${cookie.value}`, {
    speed: options.speed,
    callEverySeconds: 300,
    tickMs: 1000,
    seed: 20261123,
    now: ctx.now,
    callSpots: [...spots.map((s) => [s.lon, s.lat] as const), ...buildings.map((p) => [p[0], p[1]] as const)],
    log,
  });
  // Each unit reports through its own AVL terminal: a device token the platform issues (re-issued
  // on every start, so no token outlives the process that knows it).
  const withTerminals = [];
  for (const u of await demoUnits()) {
    const terminal = await ctx.devices.issueForPlatform(
      `模拟车载终端 ${u.callSign}`,
      { kind: 'avl', unitId: u.id },
      root.id,
    );
    withTerminals.push({ id: u.id, callSign: u.callSign, avlToken: terminal.token });
  }
  await simulator.addUnits(withTerminals);
  simulator.start();
  log(`simulator: ${city.name} at ${options.speed}× with ${withTerminals.length} demo units`);
  return simulator;
}

/** The ids of the units the demo created. */
async function demoUnitIds(ctx: AppHandle['ctx']): Promise<Set<string>> {
  const rows = await ctx.db.kysely.selectFrom('units').select('id').where('demo', '=', true).execute();
  return new Set(rows.map((r) => r.id));
}
