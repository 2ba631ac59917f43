import { readFileSync } from 'node:fs';
import path from 'node:path';
import { largestStronglyConnectedComponent } from '@citywatch/core/roads/ch';
import { DijkstraEngine } from '@citywatch/core/roads/dijkstra';
import { haversineMetres } from '@citywatch/core/roads/osm-to-graph';
import { sameSegmentTime, sourceSeeds, targetSeeds } from '@citywatch/core/roads/snap';
import { booleanPointInPolygon } from '@turf/turf';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../config.js';
import { BUNDLED_CITY, ensureBundledCity } from '../../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../../test/app.js';
import { asDevice, issueDevice } from '../../../test/devices.js';
import { analyzePerimeter } from '../cli.js';

const FIXTURES = path.join(REPO_ROOT, 'packages/server/src/modules/perimeter/fixtures');
const fixturePath = (name: string) => path.join(FIXTURES, `${name}.geojson`);
const fixture = (name: string): unknown => JSON.parse(readFileSync(fixturePath(name), 'utf8'));

// Inside the Longgang centre box (114.195–114.225, 22.676–22.699), on real roads.
const SCENE = { lon: 114.2075, lat: 22.6915 }; // by 龙翔大道 2001号
const UNIT_SPOTS = [
  { lon: 114.2005, lat: 22.6805 },
  { lon: 114.2225, lat: 22.6955 },
  { lon: 114.1955, lat: 22.6955 },
  { lon: 114.2105, lat: 22.6865 },
];

interface Crossing {
  lon: number;
  lat: number;
  inbound: boolean;
  coveredInbound: boolean;
  highway: string;
  outsideOsmNode: number;
  insideOsmNode: number;
}
interface Analysis {
  crossings: number;
  covered: number;
  closureRate: number;
  weightedClosureRate: number;
  crossingList: Crossing[];
  gaps: { lon: number; lat: number }[];
  minimumCut: {
    segments: number;
    cost: number;
    replacesCrossings: number;
    corridorBandM: number | null;
    corridor: { inner: unknown; outer: unknown } | null;
    cut: { fromOsmNode: number; toOsmNode: number }[];
  };
}
interface Assignment {
  checkpointId: string;
  unitId: string | null;
  callSign: string | null;
  etaSeconds: number | null;
  status: string;
  holdableWithin10Min: boolean;
  lon: number;
  lat: number;
  route: {
    geometry: { type: string; coordinates: [number, number][] };
    timeS: number;
    lengthM: number;
  } | null;
}
interface PlanView {
  id: string;
  status: string;
  assignments: Assignment[];
  timeToFullClosureSeconds: number | null;
  notHoldableWithin10Min: string[];
  warnings?: { code: string }[];
  etaMatrix?: { unitIds: string[]; checkpointIds: string[]; seconds: (number | null)[][] };
}

/**
 * Every injective choice of a unit per checkpoint, by plain recursion, ranked as the plan promises:
 * the most checkpoints held, then the most held within 10 minutes, then the least total time.
 */
function bruteForceBest(seconds: (number | null)[][]): { pairs: number; within: number; total: number } {
  const units = seconds.length;
  const checkpoints = seconds[0]?.length ?? 0;
  const used = new Array<boolean>(units).fill(false);
  let best = { pairs: -1, within: -1, total: Number.POSITIVE_INFINITY };
  const better = (a: typeof best, b: typeof best) =>
    a.pairs !== b.pairs ? a.pairs > b.pairs : a.within !== b.within ? a.within > b.within : a.total < b.total;
  const visit = (j: number, current: typeof best) => {
    if (j === checkpoints) {
      if (better(current, best)) best = current;
      return;
    }
    visit(j + 1, current);
    for (let i = 0; i < units; i++) {
      const s = seconds[i][j];
      if (used[i] || s === null) continue;
      used[i] = true;
      visit(j + 1, {
        pairs: current.pairs + 1,
        within: current.within + (s <= 600 ? 1 : 0),
        total: current.total + s,
      });
      used[i] = false;
    }
  };
  visit(0, { pairs: 0, within: 0, total: 0 });
  return best;
}

describe(`perimeter rings on the bundled city (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  let commander: string;
  let dispatcher: string;
  let ringId: string;
  let analysis: Analysis;
  const unitIds: string[] = [];
  /** Each unit's AVL terminal: positions come from devices, one unit each. */
  const terminals = new Map<string, string>();
  const postFixes = async (fixes: { unitId: string; at: string; lon: number; lat: number }[]) => {
    let accepted = 0;
    const rejected: unknown[] = [];
    for (const fix of fixes) {
      const r = await asDevice(t, terminals.get(fix.unitId)!, {
        method: 'POST',
        url: '/api/dispatch/avl',
        payload: { positions: [fix] },
      });
      expect(r.statusCode, r.body).toBe(200);
      accepted += r.json().accepted;
      rejected.push(...r.json().rejected);
    }
    return { accepted, rejected };
  };
  const send = (
    cookie: string,
    method: InjectOptions['method'],
    url: string,
    payload?: InjectOptions['payload'],
  ) => t.as(cookie, { method, url, payload });
  // Sessions idle out after 30 minutes and the expiry test moves the clock by hours.
  const relogin = async () => {
    admin = await t.login('admin', ADMIN_PASSWORD);
    commander = await t.login('cmd1', 'a-long-password');
    dispatcher = await t.login('disp1', 'a-long-password');
  };

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    admin = await t.login('admin', ADMIN_PASSWORD);
    const orgId = (await send(admin, 'GET', '/api/orgs')).json().items[0].id;
    for (const [username, role] of [
      ['cmd1', 'commander'],
      ['disp1', 'dispatcher'],
    ] as const) {
      const r = await send(admin, 'POST', '/api/users', {
        username,
        displayName: username,
        password: 'a-long-password',
        orgId,
        roles: [role],
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    commander = await t.login('cmd1', 'a-long-password');
    dispatcher = await t.login('disp1', 'a-long-password');
  }, 300_000);
  afterAll(() => t.close());

  it('refuses a self-intersecting ring and one with no road inside, naming the rule', async () => {
    const bowTie = await send(admin, 'POST', '/api/perimeter/rings', {
      name: '蝴蝶结',
      level: 'district',
      geometry: fixture('bad-bow-tie'),
    });
    expect(bowTie.statusCode).toBe(400);
    expect(bowTie.json().errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'geometry', rule: 'self_intersecting' })]),
    );
    const empty = await send(admin, 'POST', '/api/perimeter/rings', {
      name: '海上',
      level: 'district',
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [114.5, 22.3],
            [114.51, 22.3],
            [114.51, 22.31],
            [114.5, 22.31],
            [114.5, 22.3],
          ],
        ],
      },
    });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().errors).toEqual([
      expect.objectContaining({ field: 'geometry', rule: 'no_road_inside' }),
    ]);
    expect((await send(admin, 'GET', '/api/perimeter/rings')).json().items).toEqual([]);
    const noGeometry = await send(admin, 'POST', '/api/perimeter/rings', { name: '空', level: 'core' });
    expect(noGeometry.json().errors).toEqual([
      expect.objectContaining({ field: 'geometry', rule: 'required' }),
    ]);
    expect((await send(admin, 'GET', '/api/openapi.json')).statusCode).toBe(200);
  });

  it('creates, reads, renames and lists a ring around Longgang centre', async () => {
    const created = await send(commander, 'POST', '/api/perimeter/rings', {
      name: '龙岗中心圈',
      level: 'district',
      geometry: fixture('shenzhen-longgang-centre'),
    });
    expect(created.statusCode, created.body).toBe(201);
    ringId = created.json().id;
    expect(created.json().geometry.type).toBe('Polygon');
    const renamed = await send(admin, 'PATCH', `/api/perimeter/rings/${ringId}`, { name: '龙岗中心区圈层' });
    expect(renamed.json()).toMatchObject({ name: '龙岗中心区圈层', level: 'district' });
    expect((await send(dispatcher, 'GET', `/api/perimeter/rings/${ringId}`)).json().name).toBe(
      '龙岗中心区圈层',
    );
    expect(
      (await send(dispatcher, 'PATCH', `/api/perimeter/rings/${ringId}`, { name: 'x' })).statusCode,
    ).toBe(403);
  });

  it('analyses the ring like the CLI: same crossings and minimum cut, closure rate 0 without checkpoints', async () => {
    const r = await send(admin, 'GET', `/api/perimeter/rings/${ringId}/analysis`);
    expect(r.statusCode, r.body).toBe(200);
    analysis = r.json();
    const cli = await analyzePerimeter({
      osm: BUNDLED_CITY.file,
      ring: fixturePath('shenzhen-longgang-centre'),
    });
    expect(analysis.crossings).toBe(cli.crossings);
    expect(analysis.closureRate).toBe(0);
    expect(analysis.gaps).toHaveLength(analysis.crossings);
    expect(analysis.minimumCut.segments).toBe(cli.min_cut);
    expect(analysis.minimumCut.cost).toBe(cli.cost);
    expect(analysis.minimumCut.replacesCrossings).toBe(cli.crossings);
    const pairs = (cut: { fromOsmNode: number; toOsmNode: number }[]) =>
      cut.map((s) => `${s.fromOsmNode}-${s.toOsmNode}`).sort();
    expect(pairs(analysis.minimumCut.cut)).toEqual(cli.cut.map(([a, b]) => `${a}-${b}`).sort());

    // With a corridor the cut moves to where the network is thin, as the CLI's --band does.
    const band = await send(
      admin,
      'GET',
      `/api/perimeter/rings/${ringId}/analysis?corridorBandM=300&cost=class`,
    );
    expect(band.statusCode, band.body).toBe(200);
    const cliBand = await analyzePerimeter({
      osm: BUNDLED_CITY.file,
      ring: fixturePath('shenzhen-longgang-centre'),
      band: 300,
      cost: 'class',
    });
    expect(band.json().minimumCut.segments).toBe(cliBand.min_cut);
    expect(band.json().minimumCut.cost).toBeCloseTo(cliBand.cost, 9);
    expect(cliBand.min_cut).toBeLessThanOrEqual(cliBand.crossings);
    // The answer carries the band it was computed in (the page draws it) and every held segment
    // lies inside it: outside the inner polygon, inside the outer one.
    const { corridorBandM, corridor, cut } = band.json().minimumCut;
    expect(corridorBandM).toBe(300);
    expect(corridor.inner.type).toMatch(/Polygon$/);
    expect(corridor.outer.type).toMatch(/Polygon$/);
    expect(cut.length).toBeGreaterThan(0);
    for (const s of cut) {
      expect(booleanPointInPolygon([s.lon, s.lat], corridor.outer), s.name).toBe(true);
      expect(booleanPointInPolygon([s.lon, s.lat], corridor.inner), s.name).toBe(false);
    }
    expect(analysis.minimumCut.corridor).toBeNull();
    expect(analysis.minimumCut.corridorBandM).toBeNull();
  }, 120_000);

  it('places checkpoints on crossings (snapped to the segment) and the closure rate follows', async () => {
    // Crossings on the city's main road network (some roads at the extract's edge can only be
    // reached from outside it), at least 500 m apart so each checkpoint holds its own road.
    const city = await t.ctx.places.city(undefined);
    const main = largestStronglyConnectedComponent(city.graph);
    const onMain = new Set<number>();
    for (let v = 0; v < city.graph.nodeCount; v++) if (main[v]) onMain.add(city.graph.nodeOsmId[v]);
    const inbound = analysis.crossingList.filter(
      (c) => c.inbound && onMain.has(c.outsideOsmNode) && onMain.has(c.insideOsmNode),
    );
    const chosen: Crossing[] = [];
    for (const c of inbound) {
      if (chosen.length === 3) break;
      if (chosen.every((o) => haversineMetres(o.lon, o.lat, c.lon, c.lat) > 500)) chosen.push(c);
    }
    expect(chosen).toHaveLength(3);
    for (const [k, c] of chosen.entries()) {
      const r = await send(commander, 'POST', '/api/perimeter/checkpoints', {
        id: `CP-LG-0${k + 1}`,
        name: `龙岗检查站 ${k + 1}`,
        kind: k === 2 ? 'camera' : 'station',
        ringId,
        lon: c.lon,
        lat: c.lat,
        equipment: ['plate_camera'],
        staffing: 4,
      });
      expect(r.statusCode, r.body).toBe(201);
      expect(r.json().segment).not.toBeNull();
      expect(r.json().snapDistanceM).toBeLessThan(1);
    }
    const dup = await send(commander, 'POST', '/api/perimeter/checkpoints', {
      id: 'CP-LG-01',
      name: 'dup',
      kind: 'post',
      lon: chosen[0].lon,
      lat: chosen[0].lat,
    });
    expect(dup.statusCode).toBe(409);
    const offRoad = await send(commander, 'PUT', '/api/perimeter/checkpoints/CP-SEA', {
      name: '海上',
      kind: 'post',
      lon: 114.5,
      lat: 22.3,
    });
    expect(offRoad.statusCode).toBe(400);
    expect(offRoad.json().errors[0]).toMatchObject({ field: 'lon', rule: 'off_road' });

    const after: Analysis = (await send(admin, 'GET', `/api/perimeter/rings/${ringId}/analysis`)).json();
    const covered = after.crossingList.filter((c) => c.coveredInbound).length;
    expect(covered).toBeGreaterThanOrEqual(3);
    expect(after.covered).toBe(covered);
    expect(after.closureRate).toBeCloseTo(covered / after.crossings, 12);
    expect(after.gaps).toHaveLength(after.crossings - covered);
    for (const c of chosen) {
      const same = after.crossingList.find((x) => x.lon === c.lon && x.lat === c.lat);
      expect(same?.coveredInbound).toBe(true);
    }

    // An outbound-only checkpoint does not hold inbound traffic.
    const patched = await send(admin, 'PATCH', '/api/perimeter/checkpoints/CP-LG-03', {
      directions: 'outbound',
    });
    expect(patched.json().directions).toBe('outbound');
    const outboundOnly: Analysis = (
      await send(admin, 'GET', `/api/perimeter/rings/${ringId}/analysis`)
    ).json();
    expect(outboundOnly.covered).toBe(covered - 1);
    await send(admin, 'PATCH', '/api/perimeter/checkpoints/CP-LG-03', { directions: 'both' });

    // Moving a checkpoint re-snaps it and names its new segment; moving it back restores it.
    const original = (await send(admin, 'GET', '/api/perimeter/checkpoints/CP-LG-03')).json();
    const moved = (await send(admin, 'PATCH', '/api/perimeter/checkpoints/CP-LG-03', SCENE)).json();
    expect(moved.segment).not.toEqual(original.segment);
    const back = await send(admin, 'PATCH', '/api/perimeter/checkpoints/CP-LG-03', {
      lon: original.lon,
      lat: original.lat,
    });
    expect(back.json().segment).toEqual(original.segment);
    expect(
      (await send(admin, 'GET', `/api/perimeter/rings/${ringId}/checkpoints`)).json().items,
    ).toHaveLength(3);
  }, 60_000);

  it('a plan with no available units: 200, every checkpoint listed as not holdable, a warning', async () => {
    const r = await send(commander, 'POST', `/api/perimeter/rings/${ringId}/activate`, {
      reason: '演练：无可用警力',
      durationMinutes: 30,
    });
    expect(r.statusCode, r.body).toBe(200);
    const plan: PlanView = r.json();
    expect(plan.status).toBe('active');
    expect(plan.warnings?.map((w) => w.code)).toContain('no_available_units');
    expect(plan.assignments.every((a) => a.unitId === null && a.status === 'unassigned')).toBe(true);
    expect(plan.notHoldableWithin10Min.sort()).toEqual(['CP-LG-01', 'CP-LG-02', 'CP-LG-03']);
    expect(plan.timeToFullClosureSeconds).toBeNull();
    // One active plan per ring.
    const again = await send(commander, 'POST', `/api/perimeter/rings/${ringId}/activate`, {
      reason: '再次启动',
    });
    expect(again.statusCode).toBe(409);
    const ended = await send(commander, 'POST', `/api/perimeter/plans/${plan.id}/end`);
    expect(ended.json().status).toBe('ended');
    expect((await send(commander, 'POST', `/api/perimeter/plans/${plan.id}/end`)).statusCode).toBe(409);
  });

  it('only a commander (or admin) activates, and only with a reason', async () => {
    const denied = await send(dispatcher, 'POST', `/api/perimeter/rings/${ringId}/activate`, {
      reason: '有人逃逸',
    });
    expect(denied.statusCode).toBe(403);
    const noReason = await send(commander, 'POST', `/api/perimeter/rings/${ringId}/activate`, {});
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().errors).toEqual([expect.objectContaining({ field: 'reason' })]);
    const tooShort = await send(commander, 'POST', `/api/perimeter/rings/${ringId}/activate`, {
      reason: '逃',
    });
    expect(tooShort.json().errors[0].field).toBe('reason');
    const tooLong = await send(commander, 'POST', `/api/perimeter/rings/${ringId}/activate`, {
      reason: '持刀伤人后驾车逃逸',
      durationMinutes: 721,
    });
    expect(tooLong.json().errors[0].field).toBe('durationMinutes');
  });

  it('activates with 4 units for 3 checkpoints: the optimal assignment, units busy for dispatch, audited', async () => {
    for (let i = 0; i < 4; i++) {
      const r = await send(admin, 'POST', '/api/dispatch/units', {
        callSign: `封控0${i + 1}`,
        kind: 'patrol_car',
      });
      expect(r.statusCode, r.body).toBe(201);
      unitIds.push(r.json().id);
      terminals.set(r.json().id, (await issueDevice(t, { unitId: r.json().id })).token);
    }
    const at = t.ctx.now().toISOString();
    const avl = await postFixes(unitIds.map((unitId, i) => ({ unitId, at, ...UNIT_SPOTS[i] })));
    expect(avl).toMatchObject({ accepted: 4, rejected: [] });

    const r = await send(commander, 'POST', `/api/perimeter/rings/${ringId}/activate`, {
      reason: '持刀伤人后驾车逃逸，封控龙岗中心',
      durationMinutes: 60,
    });
    expect(r.statusCode, r.body).toBe(200);
    const plan: PlanView = r.json();
    const matrix = plan.etaMatrix!;
    expect(matrix.unitIds.sort()).toEqual([...unitIds].sort());
    expect(matrix.checkpointIds).toEqual(['CP-LG-01', 'CP-LG-02', 'CP-LG-03']);

    // The assignment's total equals the best over every injective choice of the reported matrix.
    const best = bruteForceBest(matrix.seconds);
    const chosen = plan.assignments.filter((a) => a.unitId !== null);
    expect(chosen).toHaveLength(best.pairs);
    // Each assignment names its unit's call sign (read through dispatch, which owns units).
    for (const a of plan.assignments)
      expect(a.callSign).toBe(a.unitId === null ? null : `封控0${unitIds.indexOf(a.unitId) + 1}`);
    expect(new Set(chosen.map((a) => a.unitId)).size).toBe(chosen.length);
    const total = chosen.reduce((sum, a) => {
      const i = matrix.unitIds.indexOf(a.unitId!);
      const j = matrix.checkpointIds.indexOf(a.checkpointId);
      expect(a.etaSeconds).toBeCloseTo(matrix.seconds[i][j]!, 6);
      return sum + matrix.seconds[i][j]!;
    }, 0);
    expect(total).toBeCloseTo(best.total, 6);
    expect(chosen.filter((a) => a.etaSeconds! <= 600)).toHaveLength(best.within);
    const maxEta = Math.max(...chosen.map((a) => a.etaSeconds!));
    expect(plan.timeToFullClosureSeconds).toBeCloseTo(maxEta, 6);
    expect(plan.notHoldableWithin10Min).toEqual(
      plan.assignments.filter((a) => a.etaSeconds === null || a.etaSeconds > 600).map((a) => a.checkpointId),
    );

    // The matrix is the road travel time a plain Dijkstra finds (as dispatch's ETAs are).
    const city = await t.ctx.places.city(undefined);
    const engine = new DijkstraEngine(city.graph);
    const target = city.snapper.snap(plan.assignments[0].lon, plan.assignments[0].lat, 5)!;
    for (const [i, unitId] of matrix.unitIds.entries()) {
      const spot = UNIT_SPOTS[unitIds.indexOf(unitId)];
      const from = city.snapper.snap(spot.lon, spot.lat, 300)!;
      const route = engine.route(
        sourceSeeds(city.graph, city.snapper, from),
        targetSeeds(city.graph, city.snapper, target),
      );
      const truth = Math.min(
        route?.time ?? Number.POSITIVE_INFINITY,
        sameSegmentTime(city.graph, city.snapper, from, target),
      );
      expect(matrix.seconds[i][0]).toBeCloseTo(truth, 0);
    }

    // Each unit's road to its checkpoint, for the map: the search its ETA came from, along the
    // streets (many vertices, longer than the straight line), from the unit to the checkpoint.
    for (const a of chosen) {
      const route = a.route!;
      expect(route.geometry.type).toBe('LineString');
      expect(route.timeS).toBeCloseTo(a.etaSeconds!, 0);
      const line = route.geometry.coordinates;
      expect(line.length).toBeGreaterThan(5);
      const spot = UNIT_SPOTS[unitIds.indexOf(a.unitId!)];
      expect(haversineMetres(line[0][0], line[0][1], spot.lon, spot.lat)).toBeLessThan(300);
      expect(haversineMetres(line.at(-1)![0], line.at(-1)![1], a.lon, a.lat)).toBeLessThan(5);
      expect(route.lengthM).toBeGreaterThan(haversineMetres(line[0][0], line[0][1], a.lon, a.lat));
    }
    for (const a of plan.assignments.filter((x) => x.unitId === null)) expect(a.route).toBeNull();

    // The assigned units are busy: dispatch cannot take them; the spare one is still available.
    const units = (await send(admin, 'GET', '/api/dispatch/units')).json().items as {
      id: string;
      status: string;
    }[];
    for (const a of chosen) expect(units.find((u) => u.id === a.unitId)?.status).toBe('dispatched');
    const spare = unitIds.find((id) => !chosen.some((a) => a.unitId === id))!;
    expect(units.find((u) => u.id === spare)?.status).toBe('available');
    const incident = await send(admin, 'POST', '/api/dispatch/incidents', {
      category: 'public_order',
      subcategory: 'fight',
      priority: 'P1',
      ...SCENE,
      narrative: '两伙人在路口打架',
    });
    const taken = await send(
      admin,
      'POST',
      `/api/dispatch/incidents/${incident.json().incident.id}/dispatch`,
      {
        unitId: chosen[0].unitId,
      },
    );
    expect(taken.statusCode).toBe(409);

    const audit = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select(['resource', 'detail'])
      .where('resource', '=', `closure_plan:${plan.id}`)
      .executeTakeFirstOrThrow();
    expect(audit.detail).toMatchObject({ reason: '持刀伤人后驾车逃逸，封控龙岗中心', ringId });

    // A unit whose AVL puts it at its checkpoint is marked arrived on the next read.
    const first = chosen[0];
    t.advance(60_000);
    await postFixes([
      { unitId: first.unitId!, at: t.ctx.now().toISOString(), lon: first.lon, lat: first.lat },
    ]);
    const live: PlanView = (await send(dispatcher, 'GET', `/api/perimeter/plans/${plan.id}`)).json();
    expect(live.assignments.find((a) => a.checkpointId === first.checkpointId)?.status).toBe('arrived');
    expect(live.assignments.filter((a) => a.status === 'arrived')).toHaveLength(1);
    // Arrived: no road left to draw; the others keep theirs.
    expect(live.assignments.find((a) => a.checkpointId === first.checkpointId)?.route).toBeNull();
    for (const a of live.assignments.filter((x) => x.status === 'assigned')) expect(a.route).not.toBeNull();
  }, 60_000);

  it('expires after its duration, ending the plan and freeing the units', async () => {
    const [active] = (await send(admin, 'GET', '/api/perimeter/plans?active=true')).json().items as {
      id: string;
    }[];
    t.advance(61 * 60_000);
    await relogin();
    const plan: PlanView = (await send(commander, 'GET', `/api/perimeter/plans/${active.id}`)).json();
    expect(plan.status).toBe('expired');
    expect(plan.assignments.every((a) => a.route === null)).toBe(true);
    const units = (await send(admin, 'GET', '/api/dispatch/units')).json().items as {
      id: string;
      status: string;
    }[];
    for (const id of unitIds) expect(units.find((u) => u.id === id)?.status).toBe('available');
    expect((await send(admin, 'GET', '/api/perimeter/plans?active=true')).json().items).toEqual([]);

    // Activation, the arrival and the expiry each staged the plan's event and its units' events in
    // the outbox with the change (a node dying after the commit loses none of them).
    const staged = (
      await t.ctx.db.kysely
        .selectFrom('event_outbox')
        .select(['type', 'event'])
        .where('type', 'in', ['perimeter.plan_changed', 'dispatch.unit_changed'])
        .orderBy('id')
        .execute()
    ).map((r) => ({ type: r.type, payload: (r.event as { payload: Record<string, unknown> }).payload }));
    expect(
      staged
        .filter((e) => e.type === 'perimeter.plan_changed' && e.payload.planId === active.id)
        .map((e) => [e.payload.status, e.payload.arrived]),
    ).toEqual([
      ['active', 0],
      ['active', 1],
      ['expired', 1],
    ]);
    const taken = plan.assignments.map((a) => a.unitId).filter((id): id is string => id !== null);
    expect(taken.length).toBeGreaterThan(0);
    for (const unitId of taken)
      expect(
        staged
          .filter((e) => e.type === 'dispatch.unit_changed' && e.payload.unitId === unitId)
          .map((e) => e.payload.status),
      ).toEqual(['dispatched', 'available']);
  });

  it('interception advisor: checkpoints ahead of the vehicle, soonest first, passed ones excluded', async () => {
    // A checkpoint right by the scene: a vehicle fleeing for 3 minutes is past it.
    const near = await send(commander, 'PUT', '/api/perimeter/checkpoints/CP-LG-NEAR', {
      name: '龙翔大道治安卡口',
      kind: 'post',
      lon: SCENE.lon,
      lat: SCENE.lat,
    });
    expect(near.statusCode, near.body).toBe(201);
    // Fresh AVL so units have positions now.
    await postFixes(
      unitIds.map((unitId, i) => ({ unitId, at: t.ctx.now().toISOString(), ...UNIT_SPOTS[i] })),
    );
    const r = await send(
      dispatcher,
      'GET',
      `/api/perimeter/intercept?lon=${SCENE.lon}&lat=${SCENE.lat}&minutes=3`,
    );
    expect(r.statusCode, r.body).toBe(200);
    const advice = r.json() as {
      isochrone: { type: string } | null;
      activateNow: {
        checkpointId: string;
        vehicleArrivalSeconds: number;
        vehicleSecondsLeft: number;
        nearestUnit: {
          etaSeconds: number;
          route: { geometry: { coordinates: [number, number][] }; timeS: number } | null;
        } | null;
        unitBeatsVehicle: boolean;
      }[];
      possiblyPassed: { checkpointId: string; vehicleArrivalSeconds: number }[];
    };
    expect(advice.isochrone?.type).toMatch(/Polygon/);
    expect(advice.possiblyPassed.map((c) => c.checkpointId)).toContain('CP-LG-NEAR');
    expect(advice.activateNow.map((c) => c.checkpointId)).not.toContain('CP-LG-NEAR');
    expect(advice.possiblyPassed.every((c) => c.vehicleArrivalSeconds <= 180)).toBe(true);
    const arrivals = advice.activateNow.map((c) => c.vehicleArrivalSeconds);
    expect(arrivals.every((s) => s > 180)).toBe(true);
    expect(arrivals).toEqual([...arrivals].sort((a, b) => a - b));
    for (const c of advice.activateNow) {
      expect(c.vehicleSecondsLeft).toBeCloseTo(c.vehicleArrivalSeconds - 180, 0);
      expect(c.nearestUnit).not.toBeNull();
      expect(c.unitBeatsVehicle).toBe(c.nearestUnit!.etaSeconds < c.vehicleSecondsLeft);
      // The nearest unit's road there (what the map draws), the search its ETA came from.
      expect(c.nearestUnit!.route!.timeS).toBeCloseTo(c.nearestUnit!.etaSeconds, 0);
      expect(c.nearestUnit!.route!.geometry.coordinates.length).toBeGreaterThan(2);
    }
    // The same from an incident at the scene.
    const incident = (
      await send(admin, 'POST', '/api/dispatch/incidents', {
        category: 'criminal',
        subcategory: 'robbery',
        priority: 'P1',
        ...SCENE,
        narrative: '抢劫后驾车逃逸',
      })
    ).json().incident;
    const byIncident = await send(
      dispatcher,
      'GET',
      `/api/perimeter/intercept?incidentId=${incident.id}&minutes=3`,
    );
    expect(byIncident.statusCode, byIncident.body).toBe(200);
    expect(byIncident.json().activateNow.map((c: { checkpointId: string }) => c.checkpointId)).toEqual(
      advice.activateNow.map((c) => c.checkpointId),
    );
    const noScene = await send(dispatcher, 'GET', '/api/perimeter/intercept?minutes=3');
    expect(noScene.statusCode).toBe(400);
    // A long head start: everything is behind the vehicle.
    const late = (
      await send(dispatcher, 'GET', `/api/perimeter/intercept?lon=${SCENE.lon}&lat=${SCENE.lat}&minutes=60`)
    ).json();
    expect(late.activateNow).toEqual([]);
  }, 60_000);

  it('refuses to delete a ring with an active plan; deleting otherwise detaches its checkpoints', async () => {
    const r = await send(commander, 'POST', `/api/perimeter/rings/${ringId}/activate`, {
      reason: '删除前演练',
    });
    expect(r.statusCode).toBe(200);
    expect((await send(admin, 'DELETE', `/api/perimeter/rings/${ringId}`)).statusCode).toBe(409);
    await send(commander, 'POST', `/api/perimeter/plans/${r.json().id}/end`);
    expect((await send(admin, 'DELETE', `/api/perimeter/rings/${ringId}`)).statusCode).toBe(204);
    expect((await send(admin, 'GET', '/api/perimeter/checkpoints/CP-LG-01')).json().ringId).toBeNull();
    const units = (await send(admin, 'GET', '/api/dispatch/units')).json().items as {
      id: string;
      status: string;
    }[];
    for (const id of unitIds) expect(units.find((u) => u.id === id)?.status).toBe('available');
  });
});
