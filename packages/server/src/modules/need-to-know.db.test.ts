/**
 * Need to know, route by route (DESIGN.md "Who may see what"): every registered route is walked by
 * a user of one police station (龙城派出所, "same"), of its parent branch bureau (龙岗分局, "parent")
 * and of a sibling station (龙岗派出所, "sibling"), against resources of the first station. The
 * sibling gets 403 or 404 wherever a resource of the station is named (or 400 `org_in_scope` where
 * the station's org id is sent), and never sees the station's rows in a list; the same station and
 * the parent bureau succeed. A route this test does not know fails it: give it a walk below, or an
 * exemption with the reason it names no resource.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { latLngToCell } from 'h3-js';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../test/app.js';
import { jpegWithExif, multipart } from './community/fixtures.js';
import { NENA_DIR } from './dispatch/eido/nena-schema.js';

const NENA_SAMPLE_EIDO = JSON.parse(
  readFileSync(path.join(NENA_DIR, 'Samples', 'Sample call transfer EIDO.json'), 'utf8'),
);

type Who = 'same' | 'parent' | 'sibling';
type Role = 'admin' | 'commander' | 'dispatcher' | 'auditor';

/** Routes that name no resource of any org, and why. */
const EXEMPT: Record<string, string> = {
  'GET /api/explosives/products': 'the explosives product catalogue (names and kinds); no rows of any org',
  'POST /api/explosives/products': 'the explosives product catalogue, city-wide; no rows of any org',
  'GET /metrics': 'process metrics; no data of any org',
  'GET /api/openapi.json': 'the API description',
  'GET /api/cap/feed.atom': 'public: the Atom feed of CAP alerts issued with scope Public (cap.db.test.ts)',
  'GET /api/cap/alerts/:id.xml':
    'public: a CAP alert issued with scope Public; Restricted ones answer 404 to anyone (cap.db.test.ts)',
  'GET /api/health': 'liveness',
  'POST /api/auth/login': 'public; signs oneself in',
  'POST /api/auth/logout': "the actor's own session",
  'POST /api/auth/password': "the actor's own password",
  'GET /api/auth/me': "the actor's own account",
  'GET /api/audit/verify': 'integrity of the whole chain: sequence numbers and kinds of breaks, no rows',
  'GET /api/live':
    'WebSocket; each event reaches only viewers whose subtree holds its org (live/module.ts, live tests)',
  'GET /api/cities': 'base map: imported road networks belong to no org',
  'GET /api/connectors/targets': 'the connector targets and their fields (a fixed list); no rows of any org',
  'GET /api/indicators':
    'the indicator registry: names, units, targets and rule versions; no rows of any org',
  'GET /api/places/search': 'base map: the gazetteer of standard addresses and places',
  'GET /api/places/reverse': 'base map: nearest road and address',
  'GET /api/places/grid': 'base map: counts of roads and addresses per H3 cell',
  'GET /api/places/isochrone': 'base map: road reach from a point',
  'GET /api/roads/route': 'base map: a road route between two points; no rows of any org',
  'GET /api/jurisdictions':
    "the map layer of station areas: every station sees where its neighbours' areas lie (calls are routed by it)",
  'GET /api/tiles/:z/:x/:y.pbf': 'base map vector tiles',
  'GET /api/public/tiles/:z/:x/:y.pbf': 'public base map, OSM roads only, no org data (no station areas)',
  'GET /api/public/map': 'public base map: the city bounds and centre, no org data',
  'GET /api/dispatch/categories': 'the incident classification',
  'GET /api/dispatch/sign-on': "the actor's own sign-on",
  'POST /api/dispatch/avl': 'device telemetry: an AVL terminal (or a crew) reports its own unit only',
  'POST /api/perimeter/reads': 'device telemetry: a camera reports its own checkpoint only',
  'POST /api/dispatch/diversions/:id/outcome':
    "called by the 12345 hotline with its shared token, not by a person's session",
  'GET /api/coverage':
    "city-wide figures (shares of roads and addresses covered): every post counts, a neighbour's covers one's roads too; no rows",
  'GET /api/coverage/layer': 'the covered road as lines by band; no posts or incidents',
  'POST /api/coverage/advise': 'where new posts would cover most: picks and shares, no incidents or posts',
  'POST /api/patrol/evaluations':
    "runs the hot-spot models over the history of the asker's own subtree and keeps the result for the asker's org",
  'GET /api/patrol/evaluations/latest': "the latest evaluation the asker's own org ran",
  'GET /api/community/public/categories':
    'public: the citizen report categories and their expected response times',
  'POST /api/community/public/reports':
    "public: a citizen's report; it lands in the org whose jurisdiction holds its position",
  'POST /api/community/public/track': "public: the reporter's own report, found by the secret token only",
  ...Object.fromEntries(
    [
      'GET me',
      'POST me/signups',
      'POST me/offers',
      'POST me/takes',
      'POST me/check-in',
      'POST me/check-out',
      'POST me/fixes',
    ].map((k) => [
      k.replace(' ', ' /api/community/volunteer/').replace(/\/$/, ''),
      "a volunteer's own phone link: their own team's shifts and sign-ups, found by their secret token only",
    ]),
  ),
  'POST /api/explosives/vehicles/avl':
    "device telemetry: an explosives vehicle reports for itself only (its token's vehicle, its own permit)",
  'POST /api/sensors/ingest':
    "device telemetry: a community sensor reports for itself only (its token's device)",
  'GET /api/sensors/ingest/stats':
    'process counters of dropped device messages by reason; no rows of any org',
  'GET /open311/v2/services.json': 'public (Open311): the report categories',
  'POST /open311/v2/requests.json': 'public (Open311): a report, as the public page takes one',
  'GET /open311/v2/requests.json':
    "public (Open311): only requests named by their unguessable ids (the reporter's); no list, no personal data",
  'GET /open311/v2/requests/:id.json': "public (Open311): one request by its unguessable id (the reporter's)",
  'GET /api/patrol/route': 'base map: the road route between two points the asker gives; no rows',
  'GET /api/patrol/outcomes':
    "counts the incident history of the asker's own subtree (in the query); a plan named by planId is read within it (404 otherwise)",
  'GET /api/patrol/outcomes.xlsx': 'the same figures as GET /api/patrol/outcomes, as a workbook',
  'GET /api/patrol/my-plan':
    "the plan of the asker's own signed-on unit (dispatch sign-on), whichever org wrote it",
  'POST /api/patrol/my-plan/check-ins':
    "a check-in by the asker's own signed-on unit at a point of that plan",
  'POST /api/oversight/cases/:id/report':
    'enterprise users only (no staff role holds it): the fix of a case of the one unit the user is bound to (oversight cases.db.test.ts)',
};

// Station 龙城派出所 as the seed places it on the bundled Longgang extract (on a road), and a box
// around it with roads inside for rings.
const SPOT = { lon: 114.1955, lat: 22.6955 };
const BOX = {
  type: 'Polygon',
  coordinates: [
    [
      [114.188, 22.688],
      [114.203, 22.688],
      [114.203, 22.703],
      [114.188, 22.703],
      [114.188, 22.688],
    ],
  ],
};

describe(`need to know on every route (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  const orgOf = {} as Record<Who, { id: string; name: string }>;
  const cookies = {} as Record<Who, Record<Role | 'commander2' | 'commander3', string>>;
  let cityAdmin: string;
  let cityDispatcher: string;
  const usernames = {} as Record<Who, Record<string, string>>;
  let seq = 0;
  const next = () => ++seq;

  /** A smart-adjustment proposal at SPOT filed under station A (scans need a cluster in the history). */
  async function freshAdjustment(): Promise<string> {
    const id = uuidv7();
    const now = t.ctx.now();
    await t.testDb.db.kysely
      .insertInto('patrol_adjustments')
      .values({
        id,
        city: 'shenzhen-longgang',
        org_id: orgOf.same.id,
        cell: latLngToCell(SPOT.lat, SPOT.lon, 9),
        place: null,
        lon: SPOT.lon,
        lat: SPOT.lat,
        window_start: new Date(now.getTime() - 6 * 3_600_000),
        window_end: now,
        observed: 5,
        expected: 0.1,
        p_value: 1e-6,
        weeks: 8,
        unit_id: null,
        unit_call_sign: null,
        eta_seconds: null,
        status: 'proposed',
        created_at: now,
        created_by: null,
        decided_at: null,
        decided_by: null,
        note: null,
        plan_id: null,
        plan_version: null,
        plan_note: null,
      })
      .execute();
    return id;
  }

  /** Resources of station A (龙城派出所), made by its own people. */
  const A = {
    incident: '',
    busyUnit: '',
    diverted: '',
    checkpoint: '',
    ring: '',
    plan: '',
    entry: '',
    hit: '',
    post: '',
    jurisdiction: '',
    dispatcherId: '',
    victimId: '',
    device: '',
    camera: '',
    playback: '',
    approvedPlayback: '',
    tour: '',
    run: '',
    report: '',
    case: '',
    agreedCase: '',
    /** A volunteer team of station A, a member, a shift (a checked-in sign-up for the hours). */
    vTeam: '',
    vMember: '',
    vShift: '',
    sensorCommunity: '',
    /** A file connector of station A into patrol's history, and one run of it. */
    connector: '',
    connectorRun: '',
    sensor: '',
    alarm: '',
    sensorTicket: '',
    crowdArea: '',
    mine: '',
    permit: '',
    explosivesAlarm: '',
    /** A smart-adjustment proposal filed under station A. */
    adjustment: '',
    /** A category only station A's incident history has. */
    historyCategory: '龙城专案类',
    /** A patrol plan of station A (zone BOX, a point at SPOT, one of A's units). */
    patrolPlan: '',
  };
  /** A patrol plan body for station A: one zone (BOX), one must-patrol point at SPOT, the unit. */
  const patrolPlanBody = (unitId: string) => ({
    name: `巡逻计划 ${next()}`,
    shift: {
      start: new Date(t.ctx.now().getTime() - 3_600_000).toISOString(),
      end: new Date(t.ctx.now().getTime() + 7 * 3_600_000).toISOString(),
    },
    zones: [{ key: 'z1', name: '龙城巡区', geometry: BOX }],
    targets: [
      {
        key: 'p1',
        name: '必巡点',
        kind: 'point',
        geometry: { type: 'Point', coordinates: [SPOT.lon, SPOT.lat] },
        zoneKey: 'z1',
      },
    ],
    assignments: [{ unitId, zoneKey: 'z1' }],
  });
  /** Station A's regulated unit, its enterprise user, an inspection with a photo and its case. */
  const OV = {
    school: '',
    unit: '',
    enterpriseUser: '',
    enterprise: '',
    inspection: '',
    photo: '',
    case: '',
  };
  const siblingUnit = { id: '' };

  const call = (cookie: string, options: InjectOptions) => t.as(cookie, options);
  async function created(cookie: string, options: InjectOptions): Promise<Record<string, unknown>> {
    const r = await call(cookie, options);
    if (r.statusCode !== 201 && r.statusCode !== 200) {
      throw new Error(`${options.method} ${options.url}: ${r.statusCode} ${r.body}`);
    }
    return r.json();
  }

  // ---- fresh resources of station A, made by its own people

  async function freshIncident(category = 'criminal'): Promise<string> {
    const body = await created(cookies.same.dispatcher, {
      method: 'POST',
      url: '/api/dispatch/incidents',
      payload: {
        category,
        priority: 'P3',
        ...SPOT,
        callerPhone: '13900139000',
        narrative: `测试警情 ${next()}`,
      },
    });
    return (body.incident as { id: string }).id;
  }
  async function freshUnit(cookie = cookies.same.commander): Promise<string> {
    const body = await created(cookie, {
      method: 'POST',
      url: '/api/dispatch/units',
      payload: { callSign: `测试${next()}`, kind: 'patrol_car' },
    });
    return body.id as string;
  }
  async function freshRing(): Promise<string> {
    const body = await created(cookies.same.commander, {
      method: 'POST',
      url: '/api/perimeter/rings',
      payload: { name: `龙城圈 ${next()}`, level: 'district', geometry: BOX },
    });
    return body.id as string;
  }
  async function freshCheckpoint(ringId?: string): Promise<string> {
    const id = `LC-CP-${next()}`;
    await created(cookies.same.commander, {
      method: 'POST',
      url: '/api/perimeter/checkpoints',
      payload: { id, name: `龙城卡口 ${id}`, kind: 'station', ...SPOT, ...(ringId ? { ringId } : {}) },
    });
    return id;
  }
  async function freshPlan(): Promise<string> {
    const ring = await freshRing();
    await freshCheckpoint(ring);
    const body = await created(cookies.same.commander, {
      method: 'POST',
      url: `/api/perimeter/rings/${ring}/activate`,
      payload: { reason: '测试封控方案', durationMinutes: 60 },
    });
    return body.id as string;
  }
  async function freshEntry(active: boolean): Promise<string> {
    const body = await created(cookies.same.commander, {
      method: 'POST',
      url: '/api/perimeter/hotlist',
      payload: {
        kind: 'plate',
        value: `粤B${String(20000 + next())}`,
        category: 'stolen_vehicle',
        legalBasis: '立案决定书（测试）',
        expiresAt: new Date(t.ctx.now().getTime() + 7 * 86_400_000).toISOString(),
      },
    });
    if (active) {
      await created(cookies.same.commander2, {
        method: 'POST',
        url: `/api/perimeter/hotlist/${body.id}/approve`,
      });
    }
    return body.id as string;
  }
  async function freshPost(): Promise<string> {
    const body = await created(cookies.same.commander, {
      method: 'POST',
      url: '/api/coverage/posts',
      payload: { kind: 'street_post', name: `龙城警务站 ${next()}`, ...SPOT },
    });
    return body.id as string;
  }
  async function freshDevice(): Promise<string> {
    const body = await created(cookies.same.admin, {
      method: 'POST',
      url: '/api/devices',
      payload: { kind: 'camera', name: `龙城卡口相机 ${next()}`, checkpointId: await freshCheckpoint() },
    });
    return body.id as string;
  }

  /** A citizen report with a photo at station A's spot, as the public page sends it. */
  async function freshReport(): Promise<string> {
    const { payload, headers } = multipart(
      {
        category: 'suspicious',
        description: `可疑情况 ${next()}`,
        fingerprint: `ntk-device-${next()}`,
        lon: String(SPOT.lon),
        lat: String(SPOT.lat),
      },
      {
        name: 'photo.jpg',
        type: 'image/jpeg',
        bytes: jpegWithExif({ ...SPOT, takenAt: '2026:11:23 07:00:00' }),
      },
    );
    const r = await t.app.inject({ method: 'POST', url: '/api/community/public/reports', payload, headers });
    if (r.statusCode !== 201) throw new Error(`report: ${r.statusCode} ${r.body}`);
    return r.json().id as string;
  }

  async function freshSensor(kind = 'alarm_button'): Promise<{ id: string; token: string }> {
    const body = await created(cookies.same.commander, {
      method: 'POST',
      url: '/api/sensors/devices',
      payload: {
        communityId: A.sensorCommunity,
        kind,
        name: `龙城报警柱 ${next()}`,
        address: '龙城街道',
        ...SPOT,
      },
    });
    return { id: body.id as string, token: body.token as string };
  }
  async function freshSensorAlarm(): Promise<string> {
    const sensor = await freshSensor();
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/sensors/ingest',
      headers: { authorization: `Bearer ${sensor.token}` },
      payload: { type: 'event', event: 'press' },
    });
    if (r.statusCode !== 200) throw new Error(`press: ${r.statusCode} ${r.body}`);
    const alarm = await t.ctx.db.kysely
      .selectFrom('sensor_alarms')
      .select('id')
      .where('device_id', '=', sensor.id)
      .executeTakeFirstOrThrow();
    return alarm.id;
  }
  /** A camera of the station heard from, then gone (its last will): its fault ticket. */
  async function freshSensorTicket(): Promise<string> {
    const camera = await freshSensor('camera');
    for (const payload of [{ type: 'heartbeat' }, { type: 'offline' }]) {
      const r = await t.app.inject({
        method: 'POST',
        url: '/api/sensors/ingest',
        headers: { authorization: `Bearer ${camera.token}` },
        payload,
      });
      if (r.statusCode !== 200) throw new Error(`camera: ${r.statusCode} ${r.body}`);
    }
    const ticket = await t.ctx.db.kysely
      .selectFrom('sensor_tickets')
      .select('id')
      .where('device_id', '=', camera.id)
      .executeTakeFirstOrThrow();
    return ticket.id;
  }
  async function freshCrowdArea(): Promise<string> {
    const [x0, y0, x1, y1] = [114.194, 22.694, 114.197, 22.697];
    const ring = [
      [x0, y0],
      [x1, y0],
      [x1, y1],
      [x0, y1],
      [x0, y0],
    ];
    const body = await created(cookies.same.commander, {
      method: 'POST',
      url: '/api/sensors/crowd-areas',
      payload: {
        name: `龙城广场 ${next()}`,
        orgId: orgOf.same.id,
        ring,
        warnDensity: 1,
        alarmDensity: 2,
        capacity: 50_000,
      },
    });
    return body.id as string;
  }

  async function freshCamera(): Promise<string> {
    const body = await created(cookies.same.commander, {
      method: 'POST',
      url: '/api/video/cameras',
      payload: {
        code: `440307000013200${String(next()).padStart(5, '0')}`,
        name: `龙城摄像机 ${next()}`,
        ...SPOT,
        headingDeg: 0,
        fovDeg: 360,
        rangeM: 60,
        owner: 'police',
        hlsUrl: 'http://127.0.0.1:9/live.m3u8',
        playbackTemplate: 'rtsp://127.0.0.1:9/playback?c={code}&s={from}&e={to}',
      },
    });
    return body.id as string;
  }
  async function freshPlayback(): Promise<string> {
    const to = t.ctx.now().getTime() - 3_600_000;
    const body = await created(cookies.same.dispatcher, {
      method: 'POST',
      url: '/api/video/playbacks',
      payload: {
        cameraId: A.camera,
        from: new Date(to - 600_000).toISOString(),
        to: new Date(to).toISOString(),
        purpose: `核实警情 ${next()}`,
      },
    });
    return body.id as string;
  }
  async function freshRun(cookie: string): Promise<string> {
    const body = await created(cookie, { method: 'POST', url: `/api/video/tours/${A.tour}/runs` });
    return body.id as string;
  }

  /** A mediation case at station A's spot, opened by its commander; mediating after a session. */
  async function freshCase(): Promise<string> {
    const body = await created(cookies.same.commander, {
      method: 'POST',
      url: '/api/community/cases',
      payload: {
        source: 'walk_in',
        category: 'neighbour',
        summary: `邻里纠纷 ${next()}`,
        ...SPOT,
        parties: [
          { role: 'applicant', name: '龙城甲' },
          { role: 'respondent', name: '龙城乙' },
        ],
      },
    });
    return body.id as string;
  }
  async function freshMediatingCase(): Promise<string> {
    const id = await freshCase();
    await created(cookies.same.commander, {
      method: 'POST',
      url: `/api/community/cases/${id}/sessions`,
      payload: { heldAt: t.ctx.now().toISOString(), notes: '首次调解' },
    });
    return id;
  }
  const AGREEMENT = {
    facts: '双方因楼道堆物发生争执，互不相让',
    responsibilities: '甲方清理楼道堆物',
    performance: '三日内清理完毕',
    performBy: '2026-12-31',
  };
  async function freshAgreedCase(): Promise<string> {
    const id = await freshMediatingCase();
    await created(cookies.same.commander, {
      method: 'POST',
      url: `/api/community/cases/${id}/agreement`,
      payload: AGREEMENT,
    });
    return id;
  }
  const PURPOSE = { 'x-purpose': encodeURIComponent('调解需要') };
  const volunteerShift = () => ({
    teamId: A.vTeam,
    title: `值守 ${next()}`,
    startsAt: new Date(t.ctx.now().getTime() - 3_600_000).toISOString(),
    endsAt: new Date(t.ctx.now().getTime() + 3_600_000).toISOString(),
    capacity: 3,
    ...SPOT,
  });

  async function freshPermit(): Promise<string> {
    const body = await created(cookies.same.admin, {
      method: 'POST',
      url: '/api/explosives/permits',
      payload: {
        enterpriseId: A.mine,
        kind: 'purchase',
        validFrom: day(),
        validTo: day(),
        items: [{ product: 'EMUL-32', quantity: 100 }],
      },
    });
    return body.id as string;
  }
  /** A count above the book of station A's mine: a variance alarm. */
  async function freshExplosivesAlarm(): Promise<string> {
    const before = new Date(t.ctx.now().getTime());
    await created(cookies.same.admin, {
      method: 'POST',
      url: '/api/explosives/counts',
      payload: {
        enterpriseId: A.mine,
        date: day(),
        counts: [{ account: 'magazine:M1', product: 'EMUL-32', counted: next() }],
      },
    });
    const alarm = await t.ctx.db.kysely
      .selectFrom('explosives_alarms')
      .select('id')
      .where('enterprise_id', '=', A.mine)
      .where('raised_at', '>=', before)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    return alarm.id;
  }

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    cityAdmin = await t.login('admin', ADMIN_PASSWORD);
    const orgs = (await call(cityAdmin, { method: 'GET', url: '/api/orgs' })).json().items as {
      id: string;
      name: string;
    }[];
    const named = (name: string) => orgs.find((o) => o.name === name)!;
    orgOf.same = named('龙城派出所');
    orgOf.parent = named('龙岗分局');
    orgOf.sibling = named('龙岗派出所');
    const city = orgs.find((o) => o.name === '深圳市公安局')!;

    const roles: [Role | 'commander2' | 'commander3', Role][] = [
      ['admin', 'admin'],
      ['commander', 'commander'],
      ['commander2', 'commander'],
      ['commander3', 'commander'],
      ['dispatcher', 'dispatcher'],
      ['auditor', 'auditor'],
    ];
    const makeUser = async (username: string, orgId: string, role: Role) => {
      const r = await call(cityAdmin, {
        method: 'POST',
        url: '/api/users',
        payload: { username, displayName: username, password: 'a-long-password', orgId, roles: [role] },
      });
      if (r.statusCode !== 201) throw new Error(`user ${username}: ${r.body}`);
      return r.json().id as string;
    };
    for (const who of ['same', 'parent', 'sibling'] as Who[]) {
      cookies[who] = {} as (typeof cookies)[Who];
      usernames[who] = {};
      for (const [key, role] of roles) {
        const username = `ntk.${who}.${key}`;
        const id = await makeUser(username, orgOf[who].id, role);
        if (who === 'same' && key === 'dispatcher') A.dispatcherId = id;
        usernames[who][key] = username;
        cookies[who][key] = await t.login(username, 'a-long-password');
      }
    }
    await makeUser('ntk.city.dispatcher', city.id, 'dispatcher');
    cityDispatcher = await t.login('ntk.city.dispatcher', 'a-long-password');
    A.victimId = await makeUser('ntk.same.victim', orgOf.same.id, 'dispatcher');

    // Station A's own resources.
    A.incident = await freshIncident();
    const owner = await t.ctx.db.kysely
      .selectFrom('incidents')
      .select('org_id')
      .where('id', '=', A.incident)
      .executeTakeFirstOrThrow();
    expect(owner.org_id, 'the spot lies in 龙城派出所 jurisdiction').toBe(orgOf.same.id);
    A.busyUnit = await freshUnit();
    const sent = await call(cookies.same.dispatcher, {
      method: 'POST',
      url: `/api/dispatch/incidents/${A.incident}/dispatch`,
      payload: { unitId: A.busyUnit },
    });
    expect(sent.statusCode, sent.body).toBe(200);
    A.diverted = await freshIncident('non_police');
    const diverted = await call(cookies.same.dispatcher, {
      method: 'POST',
      url: `/api/dispatch/incidents/${A.diverted}/transition`,
      payload: { to: 'diverted' },
    });
    expect(diverted.statusCode, diverted.body).toBe(200);
    A.ring = await freshRing();
    A.checkpoint = await freshCheckpoint(A.ring);
    A.plan = (
      await created(cookies.same.commander, {
        method: 'POST',
        url: `/api/perimeter/rings/${A.ring}/activate`,
        payload: { reason: '测试封控方案', durationMinutes: 120 },
      })
    ).id as string;
    A.entry = await freshEntry(true);
    // A hit at A's checkpoint on A's entry, and an hour's volume there (as plate ingest writes them).
    const now = t.ctx.now();
    A.hit = uuidv7();
    await t.ctx.db.kysely
      .insertInto('hotlist_hits')
      .values({
        id: A.hit,
        entry_id: A.entry,
        checkpoint_id: A.checkpoint,
        direction: 'in',
        read_at: now,
        plate_or_id: '粤B00001',
        confidence: 0.9,
        created_at: now,
        acknowledged_by: null,
        acknowledged_at: null,
      })
      .execute();
    await t.ctx.db.kysely
      .insertInto('checkpoint_volumes')
      .values({
        checkpoint_id: A.checkpoint,
        direction: 'in',
        hour: new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000),
        reads: 12,
        hits: 1,
        invalid: 0,
      })
      .execute();
    A.post = await freshPost();
    A.jurisdiction = (
      await t.ctx.db.kysely
        .selectFrom('jurisdictions')
        .select('id')
        .where('org_id', '=', orgOf.same.id)
        .executeTakeFirstOrThrow()
    ).id;
    A.device = await freshDevice();
    await oversightResources();
    A.camera = await freshCamera();
    A.playback = await freshPlayback();
    A.approvedPlayback = await freshPlayback();
    await created(cookies.same.commander, {
      method: 'POST',
      url: `/api/video/playbacks/${A.approvedPlayback}/decision`,
      payload: { approve: true },
    });
    A.tour = (
      await created(cookies.same.commander, {
        method: 'POST',
        url: '/api/video/tours',
        payload: { name: '龙城夜巡', cameraIds: [A.camera], shifts: ['day', 'night'] },
      })
    ).id as string;
    A.run = await freshRun(cookies.same.dispatcher);
    A.report = await freshReport();
    await created(cityAdmin, {
      method: 'POST',
      url: '/api/explosives/products',
      payload: { code: 'EMUL-32', name: '乳化炸药', kind: 'bulk' },
    });
    A.mine = (
      await created(cookies.same.admin, {
        method: 'POST',
        url: '/api/oversight/units',
        payload: {
          industry: 'explosives',
          name: '龙城矿业',
          licenceNo: `MB-${next()}`,
          address: '龙城',
          ...SPOT,
        },
      })
    ).id as string;
    await created(cookies.same.admin, {
      method: 'POST',
      url: '/api/explosives/magazines',
      payload: { enterpriseId: A.mine, name: 'M1', orgId: orgOf.same.id },
    });
    A.permit = await freshPermit();
    A.explosivesAlarm = await freshExplosivesAlarm();
    A.case = await freshCase();
    A.agreedCase = await freshAgreedCase();
    A.vTeam = (
      await created(cookies.same.commander, post('/api/community/volunteer-teams', { name: '龙城志愿队' }))
    ).id as string;
    A.vMember = (
      await created(
        cookies.same.commander,
        post('/api/community/volunteer-members', { teamId: A.vTeam, name: '甲' }),
      )
    ).id as string;
    A.vShift = (
      await created(cookies.same.commander, post('/api/community/volunteer-shifts', volunteerShift()))
    ).id as string;
    await t.testDb.db.kysely
      .insertInto('volunteer_signups')
      .values({
        shift_id: A.vShift,
        member_id: A.vMember,
        signed_at: t.ctx.now(),
        checked_in_at: t.ctx.now(),
      })
      .execute();
    A.sensorCommunity = (
      await created(cookies.same.commander, {
        method: 'POST',
        url: '/api/sensors/communities',
        payload: { name: '龙城花园', orgId: orgOf.same.id },
      })
    ).id as string;
    A.sensor = (await freshSensor('door')).id;
    A.alarm = await freshSensorAlarm();
    A.sensorTicket = await freshSensorTicket();
    A.crowdArea = await freshCrowdArea();
    A.adjustment = await freshAdjustment();
    A.patrolPlan = (
      await created(cookies.same.commander, {
        method: 'POST',
        url: '/api/patrol/plans',
        payload: patrolPlanBody(await freshUnit()),
      })
    ).id as string;
    const imported = await call(cookies.same.commander, {
      method: 'POST',
      url: '/api/patrol/imports',
      payload: { fileName: 'longcheng.csv', content: historyCsv('LC', A.historyCategory) },
    });
    expect(imported.json().imported, imported.body).toBe(30);
    A.connector = await freshConnector();
    A.connectorRun = (
      await created(
        cookies.same.commander,
        post(`/api/connectors/${A.connector}/runs`, { content: historyCsv('CN', A.historyCategory) }),
      )
    ).id as string;
    siblingUnit.id = await freshUnit(cookies.sibling.commander);
  }, 600_000);
  afterAll(() => t.close());

  // ---- the walks

  interface Walk {
    role: Role | 'commander2' | 'commander3';
    /** The request `who` makes; may first make fresh resources of station A. */
    request: (who: Who) => Promise<InjectOptions> | InjectOptions;
    /** What the same station and the parent bureau get (default: 200, 201 or 204). */
    ok?: number[];
    /**
     * What the sibling gets: by default 403 or 404; 'list' for a list (200 without A's markers);
     * 'own' for a create of its own (2xx without A's markers); 'org' for A's org id sent (400
     * org_in_scope); or the statuses allowed.
     */
    sibling?: 'list' | 'own' | 'org' | number[];
    /** A's rows: the sibling's answer holds none of them; same and parent see them all (lists). */
    markers?: () => string[];
    /** Further checks on an answer. */
    check?: (who: Who, r: LightMyRequestResponse) => void;
    /** Why this route answers differently from the default. */
    note?: string;
  }

  const get = (url: string): InjectOptions => ({ method: 'GET', url });
  const post = (url: string, payload?: InjectOptions['payload']): InjectOptions => ({
    method: 'POST',
    url,
    payload,
  });
  const named = (fresh: () => Promise<string>, make: (id: string) => InjectOptions) => async (_who: Who) =>
    make(await fresh());
  const day = () => new Date(t.ctx.now().getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

  /** A help request asked of station A: an incident of the sibling's, one of A's units. */
  async function helpAskedOfA(): Promise<string> {
    const incident = await created(cookies.sibling.dispatcher, {
      method: 'POST',
      url: '/api/dispatch/incidents',
      payload: {
        category: 'criminal',
        priority: 'P3',
        lon: 114.2075,
        lat: 22.6915,
        narrative: `支援 ${next()}`,
      },
    });
    const body = await created(cookies.sibling.dispatcher, {
      method: 'POST',
      url: `/api/dispatch/incidents/${(incident.incident as { id: string }).id}/help-requests`,
      payload: { unitId: await freshUnit() },
    });
    return body.id as string;
  }
  /** A's request for a city unit: the sibling takes no part in it. */
  let helpMarker = '';
  async function helpAskedByA(): Promise<void> {
    if (helpMarker) return;
    const city = (await t.ctx.identity.listOrgsUnscoped())[0];
    const unit = await t.ctx.dispatch.createUnit({
      callSign: `市局支援${next()}`,
      kind: 'patrol_car',
      homeOrgId: city.id,
    });
    const body = await created(cookies.same.dispatcher, {
      method: 'POST',
      url: `/api/dispatch/incidents/${await freshIncident()}/help-requests`,
      payload: { unitId: unit.id },
    });
    helpMarker = body.id as string;
  }

  /** A public notice drafted by A's dispatcher (cap): its id; its headline is the list's marker. */
  let noticeHeadline = '';
  async function noticeOfA(): Promise<string> {
    noticeHeadline = `人员聚集预警 ${next()}`;
    const body = await created(cookies.same.dispatcher, {
      method: 'POST',
      url: '/api/cap/notices',
      payload: { ...noticeDraft(), headlineZh: noticeHeadline },
    });
    return body.id as string;
  }
  const noticeDraft = () => ({
    kind: 'crowd',
    headlineZh: '人员聚集预警',
    headlineEn: 'Crowd alert',
    descriptionZh: '人员密集，请绕行',
    descriptionEn: 'Crowded: keep away',
    areaDesc: '龙城广场',
    lat: 22.72,
    lon: 114.25,
    radiusKm: 0.5,
    expiresAt: new Date(t.ctx.now().getTime() + 3_600_000).toISOString(),
  });

  const WALKS: Record<string, Walk> = {
    // ---- identity
    'GET /api/users': {
      role: 'admin',
      request: () => get('/api/users'),
      sibling: 'list',
      markers: () => [A.dispatcherId],
    },
    'POST /api/users': {
      role: 'admin',
      sibling: 'org',
      request: () =>
        post('/api/users', {
          username: `ntk.new.${next()}`,
          displayName: '新用户',
          password: 'a-long-password',
          orgId: orgOf.same.id,
          roles: ['dispatcher'],
        }),
    },
    'PATCH /api/users/:id': {
      role: 'admin',
      request: () => ({
        method: 'PATCH',
        url: `/api/users/${A.victimId}`,
        payload: { displayName: '龙城值班员' },
      }),
    },
    'POST /api/users/:id/end-sessions': {
      role: 'admin',
      request: () => post(`/api/users/${A.victimId}/end-sessions`),
    },
    'GET /api/orgs': {
      role: 'dispatcher',
      request: () => get('/api/orgs'),
      sibling: 'list',
      markers: () => [orgOf.same.id],
    },
    'POST /api/orgs': {
      role: 'admin',
      sibling: 'org',
      request: () => {
        const n = next();
        return post('/api/orgs', {
          parentId: orgOf.same.id,
          kind: 'team',
          name: `龙城测试中队${n}`,
          code: `NTK-${n}`,
        });
      },
      check: (who, r) => {
        if (who === 'sibling')
          expect(r.json().errors?.[0]).toMatchObject({ field: 'parentId', rule: 'org_in_scope' });
      },
    },
    'GET /api/audit': {
      role: 'auditor',
      request: () => get(`/api/audit?username=${usernames.same.dispatcher}`),
      sibling: 'list',
      markers: () => [A.dispatcherId],
    },

    // ---- places
    'PUT /api/jurisdictions': {
      role: 'admin',
      note: 'replaces every jurisdiction of the city: city-level staff only, so the station and the bureau are refused too',
      request: () => ({
        method: 'PUT',
        url: '/api/jurisdictions',
        payload: {
          type: 'FeatureCollection',
          features: [{ type: 'Feature', properties: { name: '整个城市' }, geometry: BOX }],
        },
      }),
      ok: [403],
      sibling: [403],
    },
    'PATCH /api/jurisdictions/:id': {
      role: 'admin',
      request: () => ({
        method: 'PATCH',
        url: `/api/jurisdictions/${A.jurisdiction}`,
        payload: { name: '龙城派出所' },
      }),
    },

    // ---- dispatch
    'POST /api/dispatch/incidents': {
      role: 'dispatcher',
      sibling: 'own',
      note: "a 110 call is taken anywhere; at A's spot it belongs to A, and the duplicates offered are the taker's own",
      request: () =>
        post('/api/dispatch/incidents', {
          category: 'criminal',
          priority: 'P3',
          ...SPOT,
          narrative: `另一个报警 ${next()}`,
        }),
      markers: () => [A.incident],
      check: (who, r) => {
        const ids = (r.json().duplicates as { id: string }[]).map((d) => d.id);
        if (who === 'sibling') expect(ids).not.toContain(A.incident);
        else expect(ids).toContain(A.incident);
      },
    },
    'POST /api/dispatch/eido': {
      role: 'dispatcher',
      sibling: 'own',
      note: "a call transferred in (NENA's sample EIDO, placed at A's spot) opens an incident like a call taken there; duplicates offered are the taker's own",
      request: () =>
        post(`/api/dispatch/eido?lon=${SPOT.lon}&lat=${SPOT.lat}`, {
          ...NENA_SAMPLE_EIDO,
          $id: `urn:emergency:uid:incidentid:${next()}:ntk.example`,
        }),
      markers: () => [A.incident],
    },
    'GET /api/dispatch/incidents': {
      role: 'dispatcher',
      request: () => get('/api/dispatch/incidents'),
      sibling: 'list',
      markers: () => [A.incident],
    },
    'GET /api/dispatch/incidents/:id': {
      role: 'dispatcher',
      request: () => get(`/api/dispatch/incidents/${A.incident}`),
    },
    'GET /api/dispatch/incidents/:id/timeline': {
      role: 'dispatcher',
      request: () => get(`/api/dispatch/incidents/${A.incident}/timeline`),
    },
    'GET /api/dispatch/incidents/:id/eido': {
      role: 'dispatcher',
      request: () => get(`/api/dispatch/incidents/${A.incident}/eido`),
    },
    'GET /api/dispatch/incidents/:id/caller': {
      role: 'dispatcher',
      request: () => ({
        method: 'GET',
        url: `/api/dispatch/incidents/${A.incident}/caller`,
        headers: { 'x-purpose': encodeURIComponent('回访报警人') },
      }),
    },
    'GET /api/dispatch/incidents/:id/recommendations': {
      role: 'dispatcher',
      request: () => get(`/api/dispatch/incidents/${A.incident}/recommendations`),
    },
    'POST /api/dispatch/incidents/:id/dispatch': {
      role: 'dispatcher',
      request: async () =>
        post(`/api/dispatch/incidents/${await freshIncident()}/dispatch`, { unitId: await freshUnit() }),
    },
    'POST /api/dispatch/incidents/:id/transition': {
      role: 'dispatcher',
      request: named(freshIncident, (id) =>
        post(`/api/dispatch/incidents/${id}/transition`, { to: 'cancelled' }),
      ),
    },
    'POST /api/dispatch/incidents/:id/help-requests': {
      role: 'dispatcher',
      note: "asks the sibling's unit for A's incident; the sibling does not see A's incident (404)",
      request: async () =>
        post(`/api/dispatch/incidents/${await freshIncident()}/help-requests`, {
          unitId: await freshUnit(cookies.sibling.commander),
        }),
    },
    'GET /api/dispatch/help-requests': {
      role: 'dispatcher',
      request: async () => {
        await helpAskedByA();
        return get('/api/dispatch/help-requests');
      },
      sibling: 'list',
      markers: () => [helpMarker],
    },
    'POST /api/dispatch/help-requests/:id/accept': {
      role: 'dispatcher',
      note: "only the asked side (the unit's org subtree) decides; the asking sibling gets 404",
      request: named(helpAskedOfA, (id) => post(`/api/dispatch/help-requests/${id}/accept`, {})),
    },
    'POST /api/dispatch/help-requests/:id/decline': {
      role: 'dispatcher',
      request: named(helpAskedOfA, (id) =>
        post(`/api/dispatch/help-requests/${id}/decline`, { reason: '本所警力不足' }),
      ),
    },
    'GET /api/dispatch/units': {
      role: 'dispatcher',
      note: "every unit's call sign, status and position is on everyone's map; another station's unit comes without its incident and with inScope false",
      request: () => get('/api/dispatch/units'),
      sibling: [200],
      check: (who, r) => {
        const unit = (r.json().items as { id: string; incidentId: string | null; inScope: boolean }[]).find(
          (u) => u.id === A.busyUnit,
        );
        expect(unit, `${who} sees A's unit on the map`).toBeDefined();
        if (who === 'sibling') expect(unit).toMatchObject({ incidentId: null, inScope: false });
        else expect(unit).toMatchObject({ incidentId: A.incident, inScope: true });
        if (who === 'sibling') expect(r.body).not.toContain(A.incident);
      },
    },
    'POST /api/dispatch/units': {
      role: 'commander',
      sibling: 'org',
      request: () =>
        post('/api/dispatch/units', {
          callSign: `测试${next()}`,
          kind: 'motorcycle',
          homeOrgId: orgOf.same.id,
        }),
    },
    'POST /api/dispatch/units/:id/status': {
      role: 'dispatcher',
      request: named(freshUnit, (id) =>
        post(`/api/dispatch/units/${id}/status`, { status: 'out_of_service' }),
      ),
    },
    'POST /api/dispatch/units/:id/sign-on': {
      role: 'commander3',
      request: async (who) => {
        signedOn[who] = await freshUnit();
        return post(`/api/dispatch/units/${signedOn[who]}/sign-on`);
      },
    },
    'POST /api/dispatch/units/:id/sign-off': {
      role: 'commander3',
      note: 'one signs off only one\'s own sign-on: the sibling, never signed on to a unit of A, gets 409 "not signed on" and learns nothing',
      request: (who) => post(`/api/dispatch/units/${signedOn[who]}/sign-off`),
      sibling: [403, 404, 409],
    },
    'GET /api/dispatch/diversions': {
      role: 'dispatcher',
      request: () => get('/api/dispatch/diversions'),
      sibling: 'list',
      markers: () => [A.diverted],
    },
    'GET /api/dispatch/figures': {
      role: 'dispatcher',
      // Up to an hour ahead: the incidents were all received at the (unmoving) test clock's now.
      request: () =>
        get(`/api/dispatch/figures?to=${new Date(t.ctx.now().getTime() + 3_600_000).toISOString()}`),
      sibling: 'list',
      markers: () => [orgOf.same.name],
    },

    // ---- ETA accuracy (eta + dispatch): A's unit sent to A's incident, arrived; the row's road
    // class is the marker (aggregates name no row otherwise)
    'GET /api/dispatch/eta-accuracy': {
      role: 'dispatcher',
      request: async () => {
        await t.ctx.db.kysely
          .insertInto('dispatch_etas')
          .values({
            id: uuidv7(),
            incident_id: A.incident,
            unit_id: A.busyUnit,
            dispatched_at: t.ctx.now(),
            predicted_s: 120,
            profile: 'static',
            approach_class: 'ntk_eta_marker',
            arrived_at: new Date(t.ctx.now().getTime() + 150_000),
            actual_s: 150,
          })
          .execute();
        return get(
          `/api/dispatch/eta-accuracy?to=${new Date(t.ctx.now().getTime() + 3_600_000).toISOString()}`,
        );
      },
      sibling: 'list',
      markers: () => ['ntk_eta_marker'],
    },
    'POST /api/eta/learn': {
      role: 'admin',
      note: "re-learns the city's travel times from every station's units: city-level staff only, so the station and the bureau are refused too",
      request: () => post('/api/eta/learn', {}),
      ok: [403],
      sibling: [403],
    },

    // ---- public notices (cap): drafted by A's dispatcher, decided by a commander (four eyes)
    'GET /api/cap/notices': {
      role: 'dispatcher',
      request: async () => {
        await noticeOfA();
        return get('/api/cap/notices');
      },
      sibling: 'list',
      markers: () => [noticeHeadline],
    },
    'POST /api/cap/notices': {
      role: 'dispatcher',
      request: () => post('/api/cap/notices', { ...noticeDraft(), org: orgOf.same.id }),
      sibling: 'org',
    },
    'POST /api/cap/notices/:id/approve': {
      role: 'commander',
      request: named(noticeOfA, (id) => post(`/api/cap/notices/${id}/approve`)),
    },
    'POST /api/cap/notices/:id/reject': {
      role: 'commander',
      request: named(noticeOfA, (id) => post(`/api/cap/notices/${id}/reject`)),
    },

    // ---- indicators (the org asked for must lie in the asker's subtree)
    'GET /api/indicators/values': {
      role: 'dispatcher',
      request: () => get(`/api/indicators/values?org=${orgOf.same.id}`),
      sibling: 'org',
    },
    'GET /api/indicators/:id/rows': {
      role: 'dispatcher',
      request: () => get(`/api/indicators/dispatch.validity_rate/rows?org=${orgOf.same.id}`),
      sibling: 'org',
    },
    'GET /api/indicators/:id/trend': {
      role: 'dispatcher',
      request: () => get(`/api/indicators/dispatch.validity_rate/trend?org=${orgOf.same.id}`),
      sibling: 'org',
    },
    'GET /api/indicators/:id/ranking': {
      role: 'dispatcher',
      request: () => get(`/api/indicators/dispatch.validity_rate/ranking?org=${orgOf.same.id}`),
      sibling: 'org',
    },
    'GET /api/indicators/reports': {
      role: 'dispatcher',
      request: () => get(`/api/indicators/reports?org=${orgOf.same.id}`),
      sibling: 'org',
    },
    'POST /api/indicators/reports': {
      role: 'commander',
      request: () =>
        post('/api/indicators/reports', { kind: 'daily', format: 'xlsx', period: day(), org: orgOf.same.id }),
      sibling: 'org',
    },
    'GET /api/indicators/reports/:id': {
      role: 'dispatcher',
      request: named(
        async () =>
          (
            await created(cookies.same.commander, {
              method: 'POST',
              url: '/api/indicators/reports',
              payload: { kind: 'daily', format: 'xlsx', period: day() },
            })
          ).id as string,
        (id) => get(`/api/indicators/reports/${id}`),
      ),
    },
    'POST /api/indicators/snapshots': {
      role: 'commander',
      request: () => post('/api/indicators/snapshots', { day: day(), org: orgOf.same.id }),
      sibling: 'org',
    },

    // ---- coverage
    'GET /api/coverage/posts': {
      role: 'dispatcher',
      request: () => get('/api/coverage/posts'),
      sibling: 'list',
      markers: () => [A.post, orgOf.same.id],
    },
    'POST /api/coverage/posts': {
      role: 'commander',
      sibling: 'org',
      request: () =>
        post('/api/coverage/posts', {
          kind: 'safety_station',
          name: `平安驿站 ${next()}`,
          ...SPOT,
          orgId: orgOf.same.id,
        }),
    },
    'PATCH /api/coverage/posts/:id': {
      role: 'commander',
      request: () => ({
        method: 'PATCH',
        url: `/api/coverage/posts/${A.post}`,
        payload: { name: `龙城警务站 ${next()}` },
      }),
    },
    'DELETE /api/coverage/posts/:id': {
      role: 'commander',
      request: named(freshPost, (id) => ({ method: 'DELETE', url: `/api/coverage/posts/${id}` })),
    },

    // ---- perimeter: hotlist, hits, volumes, reports
    'POST /api/perimeter/hotlist': {
      role: 'commander',
      sibling: 'own',
      request: () =>
        post('/api/perimeter/hotlist', {
          kind: 'plate',
          value: `粤B${String(30000 + next())}`,
          category: 'stolen_vehicle',
          legalBasis: '立案决定书（测试）',
          expiresAt: new Date(t.ctx.now().getTime() + 86_400_000).toISOString(),
        }),
      markers: () => [A.entry],
    },
    'POST /api/perimeter/hotlist/:id/approve': {
      role: 'commander2',
      request: named(
        () => freshEntry(false),
        (id) => post(`/api/perimeter/hotlist/${id}/approve`),
      ),
    },
    'POST /api/perimeter/hotlist/:id/renew': {
      // Neither the creator (commander) nor the approver (commander2) may renew.
      role: 'commander3',
      request: named(
        () => freshEntry(true),
        (id) =>
          post(`/api/perimeter/hotlist/${id}/renew`, {
            expiresAt: new Date(t.ctx.now().getTime() + 20 * 86_400_000).toISOString(),
          }),
      ),
    },
    'POST /api/perimeter/hotlist/:id/revoke': {
      role: 'commander',
      request: named(
        () => freshEntry(true),
        (id) => post(`/api/perimeter/hotlist/${id}/revoke`, { reason: '车辆已找回' }),
      ),
    },
    'GET /api/perimeter/hotlist': {
      role: 'dispatcher',
      request: () => get('/api/perimeter/hotlist'),
      sibling: 'list',
      markers: () => [A.entry],
    },
    'GET /api/perimeter/hits': {
      role: 'dispatcher',
      request: () => get('/api/perimeter/hits'),
      sibling: 'list',
      markers: () => [A.hit],
    },
    'POST /api/perimeter/hits/:id/action': {
      role: 'commander',
      request: () => post(`/api/perimeter/hits/${A.hit}/action`, { action: '已拦截核查' }),
    },
    'GET /api/perimeter/reports': {
      role: 'dispatcher',
      request: () => get(`/api/perimeter/reports?period=day&date=${day()}`),
      sibling: 'list',
      markers: () => [A.checkpoint],
    },
    'GET /api/perimeter/volumes': {
      role: 'dispatcher',
      request: () => {
        const now = t.ctx.now().getTime();
        return get(
          `/api/perimeter/volumes?from=${new Date(now - 86_400_000).toISOString()}&to=${new Date(now + 3_600_000).toISOString()}`,
        );
      },
      sibling: 'list',
      markers: () => [A.checkpoint],
    },

    // ---- perimeter: rings, checkpoints, plans, interception
    'POST /api/perimeter/rings': {
      role: 'commander',
      sibling: 'own',
      request: () =>
        post('/api/perimeter/rings', { name: `自己的圈 ${next()}`, level: 'district', geometry: BOX }),
      markers: () => [A.ring],
    },
    'GET /api/perimeter/rings': {
      role: 'dispatcher',
      request: () => get('/api/perimeter/rings'),
      sibling: 'list',
      markers: () => [A.ring],
    },
    'GET /api/perimeter/rings/:id': {
      role: 'dispatcher',
      request: () => get(`/api/perimeter/rings/${A.ring}`),
    },
    'PATCH /api/perimeter/rings/:id': {
      role: 'commander',
      request: () => ({
        method: 'PATCH',
        url: `/api/perimeter/rings/${A.ring}`,
        payload: { name: `龙城圈 ${next()}` },
      }),
    },
    'DELETE /api/perimeter/rings/:id': {
      role: 'commander',
      request: named(freshRing, (id) => ({ method: 'DELETE', url: `/api/perimeter/rings/${id}` })),
    },
    'GET /api/perimeter/rings/:id/analysis': {
      role: 'dispatcher',
      request: () => get(`/api/perimeter/rings/${A.ring}/analysis`),
    },
    'GET /api/perimeter/rings/:id/checkpoints': {
      role: 'dispatcher',
      request: () => get(`/api/perimeter/rings/${A.ring}/checkpoints`),
      check: (who, r) => {
        if (who !== 'sibling') expect(r.body).toContain(A.checkpoint);
      },
    },
    'POST /api/perimeter/checkpoints': {
      role: 'commander',
      sibling: 'org',
      request: () => {
        const id = `NTK-CP-${next()}`;
        return post('/api/perimeter/checkpoints', {
          id,
          name: id,
          kind: 'post',
          ...SPOT,
          orgId: orgOf.same.id,
        });
      },
    },
    'GET /api/perimeter/checkpoints': {
      role: 'dispatcher',
      request: () => get('/api/perimeter/checkpoints'),
      sibling: 'list',
      markers: () => [A.checkpoint],
    },
    'PUT /api/perimeter/checkpoints/:id': {
      role: 'commander',
      note: "creates by the bureau's own code: A's code is refused to the sibling (403), fresh codes are made by same and parent",
      request: (who) => {
        const id = who === 'sibling' ? A.checkpoint : `NTK-PUT-${next()}`;
        return {
          method: 'PUT',
          url: `/api/perimeter/checkpoints/${id}`,
          payload: { name: id, kind: 'camera', ...SPOT },
        };
      },
    },
    'GET /api/perimeter/checkpoints/:id': {
      role: 'dispatcher',
      request: () => get(`/api/perimeter/checkpoints/${A.checkpoint}`),
    },
    'PATCH /api/perimeter/checkpoints/:id': {
      role: 'commander',
      request: () => ({
        method: 'PATCH',
        url: `/api/perimeter/checkpoints/${A.checkpoint}`,
        payload: { staffing: next() % 10 },
      }),
    },
    'POST /api/perimeter/rings/:id/activate': {
      role: 'commander',
      request: async () => {
        const ring = await freshRing();
        await freshCheckpoint(ring);
        return post(`/api/perimeter/rings/${ring}/activate`, { reason: '测试封控方案', durationMinutes: 30 });
      },
    },
    'GET /api/perimeter/plans': {
      role: 'dispatcher',
      request: () => get('/api/perimeter/plans'),
      sibling: 'list',
      markers: () => [A.plan],
    },
    'GET /api/perimeter/plans/:id': {
      role: 'dispatcher',
      request: () => get(`/api/perimeter/plans/${A.plan}`),
    },
    'POST /api/perimeter/plans/:id/end': {
      role: 'commander',
      request: named(freshPlan, (id) => post(`/api/perimeter/plans/${id}/end`)),
    },
    'GET /api/perimeter/intercept': {
      role: 'dispatcher',
      request: () => get(`/api/perimeter/intercept?incidentId=${A.incident}&minutes=3`),
      check: (who, r) => {
        if (who !== 'sibling') expect(r.body).toContain(A.checkpoint);
      },
    },

    // ---- patrol (incident history for hot spots)
    'GET /api/patrol/history': {
      role: 'dispatcher',
      request: () => get('/api/patrol/history'),
      sibling: 'list',
      markers: () => [A.historyCategory],
    },
    'POST /api/patrol/imports': {
      role: 'commander',
      sibling: 'own',
      note: "rows at A's spot lie outside the sibling's subtree: refused, the rest of its file is its own",
      request: (who) =>
        post('/api/patrol/imports', { fileName: `${who}.csv`, content: historyCsv(`NTK-${who}`, '盗窃') }),
      markers: () => [A.historyCategory],
      check: (who, r) => {
        expect(r.json().imported).toBe(who === 'sibling' ? 0 : 30);
      },
    },
    'GET /api/patrol/hotspots': {
      role: 'dispatcher',
      request: () => get('/api/patrol/hotspots?unit=h3:9&limit=50'),
      sibling: 'list',
      markers: () => [latLngToCell(SPOT.lat, SPOT.lon, 9)],
    },

    // ---- patrol smart adjustment
    'POST /api/patrol/adjustments/scan': {
      role: 'commander',
      request: () => post('/api/patrol/adjustments/scan', {}),
      sibling: 'own',
      markers: () => [A.adjustment],
    },
    'GET /api/patrol/adjustments': {
      role: 'dispatcher',
      request: () => get('/api/patrol/adjustments'),
      sibling: 'list',
      markers: () => [A.adjustment],
    },
    'POST /api/patrol/adjustments/:id/decision': {
      role: 'commander',
      request: async () =>
        post(`/api/patrol/adjustments/${await freshAdjustment()}/decision`, { decision: 'dismiss' }),
    },

    // ---- patrol plans and compliance
    'GET /api/patrol/plans': {
      role: 'dispatcher',
      request: () => get('/api/patrol/plans'),
      sibling: 'list',
      markers: () => [A.patrolPlan],
    },
    'POST /api/patrol/plans': {
      role: 'commander',
      note: "a plan assigning A's unit: the sibling is refused naming the field (unit_in_scope)",
      sibling: [400],
      request: async () => post('/api/patrol/plans', patrolPlanBody(await freshUnit())),
    },
    'GET /api/patrol/plans/:id': {
      role: 'dispatcher',
      request: () => get(`/api/patrol/plans/${A.patrolPlan}`),
    },
    'GET /api/patrol/plans/:id/zones.geojson': {
      role: 'dispatcher',
      request: () => get(`/api/patrol/plans/${A.patrolPlan}/zones.geojson`),
    },
    'PUT /api/patrol/plans/:id': {
      role: 'commander',
      note: "A's plan with A's unit: the sibling is refused (unit_in_scope before the plan is looked up)",
      sibling: [400, 404],
      request: async () => ({
        method: 'PUT',
        url: `/api/patrol/plans/${A.patrolPlan}`,
        payload: patrolPlanBody(await freshUnit()),
      }),
    },
    'GET /api/patrol/plans/:id/versions': {
      role: 'dispatcher',
      request: () => get(`/api/patrol/plans/${A.patrolPlan}/versions`),
    },
    'GET /api/patrol/plans/:id/compliance': {
      role: 'dispatcher',
      request: () => get(`/api/patrol/plans/${A.patrolPlan}/compliance`),
    },
    'GET /api/patrol/zones/jurisdictions': {
      role: 'dispatcher',
      request: () => get('/api/patrol/zones/jurisdictions'),
      sibling: 'list',
      markers: () => [A.jurisdiction],
    },

    // ---- devices
    'GET /api/devices': {
      role: 'admin',
      request: () => get('/api/devices'),
      sibling: 'list',
      markers: () => [A.device],
    },
    'POST /api/devices': {
      role: 'admin',
      note: "binding a camera to A's checkpoint: the sibling is refused naming the field (org_in_scope)",
      sibling: [400, 403, 404],
      request: async () =>
        post('/api/devices', {
          kind: 'camera',
          name: `相机 ${next()}`,
          checkpointId: await freshCheckpoint(),
        }),
    },
    'POST /api/devices/:id/token': { role: 'admin', request: () => post(`/api/devices/${A.device}/token`) },
    'POST /api/devices/:id/revoke': {
      role: 'admin',
      request: named(freshDevice, (id) => post(`/api/devices/${id}/revoke`, { reason: '设备报废' })),
    },

    // ---- video
    'GET /api/video/cameras': {
      role: 'dispatcher',
      request: () => get('/api/video/cameras'),
      sibling: 'list',
      markers: () => [A.camera],
    },
    'POST /api/video/cameras': {
      role: 'commander',
      sibling: 'org',
      request: () =>
        post('/api/video/cameras', {
          code: `440307000013200${String(next()).padStart(5, '0')}`,
          name: `摄像机 ${next()}`,
          ...SPOT,
          headingDeg: 90,
          fovDeg: 60,
          rangeM: 80,
          owner: 'police',
          orgId: orgOf.same.id,
        }),
    },
    'GET /api/video/cameras/:id': {
      role: 'dispatcher',
      request: () => get(`/api/video/cameras/${A.camera}`),
    },
    'DELETE /api/video/cameras/:id': {
      role: 'commander',
      request: named(freshCamera, (id) => ({ method: 'DELETE', url: `/api/video/cameras/${id}` })),
    },
    'GET /api/video/cameras/:id/live': {
      role: 'dispatcher',
      request: () => ({
        ...get(`/api/video/cameras/${A.camera}/live`),
        headers: { 'x-purpose': encodeURIComponent('核查警情') },
      }),
    },
    'GET /api/video/tours': {
      role: 'dispatcher',
      request: () => get('/api/video/tours'),
      sibling: 'list',
      markers: () => [A.tour],
    },
    'POST /api/video/tours': {
      role: 'commander',
      note: "A's camera named in the body: the sibling is refused naming the field (cameraIds.0 not_found)",
      sibling: [400],
      request: () =>
        post('/api/video/tours', { name: `巡查 ${next()}`, cameraIds: [A.camera], shifts: ['day'] }),
    },
    'GET /api/video/tours/report': {
      role: 'dispatcher',
      request: () => {
        const now = t.ctx.now().getTime();
        return get(
          `/api/video/tours/report?from=${new Date(now - 2 * 86_400_000).toISOString()}&to=${new Date(now).toISOString()}`,
        );
      },
      sibling: 'list',
      markers: () => [A.tour],
    },
    'POST /api/video/tours/:id/runs': {
      role: 'dispatcher',
      request: () => post(`/api/video/tours/${A.tour}/runs`),
    },
    'GET /api/video/runs/:id': { role: 'dispatcher', request: () => get(`/api/video/runs/${A.run}`) },
    'POST /api/video/runs/:id/steps': {
      role: 'dispatcher',
      note: "only the run's operator records: each walker starts its own run (the sibling names A's run)",
      request: async (who) =>
        post(`/api/video/runs/${who === 'sibling' ? A.run : await freshRun(cookies[who].dispatcher)}/steps`, {
          position: 0,
          result: 'nothing',
        }),
    },
    'POST /api/video/runs/:id/finish': {
      role: 'dispatcher',
      note: "only the run's operator finishes: each walker runs the tour first (the sibling names A's run)",
      request: async (who) => {
        if (who === 'sibling') return post(`/api/video/runs/${A.run}/finish`);
        const run = await freshRun(cookies[who].dispatcher);
        await created(cookies[who].dispatcher, {
          method: 'POST',
          url: `/api/video/runs/${run}/steps`,
          payload: { position: 0, result: 'nothing' },
        });
        return post(`/api/video/runs/${run}/finish`);
      },
    },
    'GET /api/video/playbacks': {
      role: 'dispatcher',
      request: () => get('/api/video/playbacks'),
      sibling: 'list',
      markers: () => [A.playback],
    },
    'POST /api/video/playbacks': {
      role: 'dispatcher',
      note: "A's camera named in the body: the sibling is refused naming the field (cameraId not_found)",
      sibling: [400],
      request: () => {
        const to = t.ctx.now().getTime() - 3_600_000;
        return post('/api/video/playbacks', {
          cameraId: A.camera,
          from: new Date(to - 600_000).toISOString(),
          to: new Date(to).toISOString(),
          purpose: '核实警情',
        });
      },
    },
    'POST /api/video/playbacks/:id/decision': {
      role: 'commander',
      request: named(freshPlayback, (id) => post(`/api/video/playbacks/${id}/decision`, { approve: true })),
    },
    'GET /api/video/playbacks/:id/url': {
      role: 'dispatcher',
      request: () => ({
        ...get(`/api/video/playbacks/${A.approvedPlayback}/url`),
        headers: { 'x-purpose': encodeURIComponent('核实警情') },
      }),
    },
    'GET /api/video/coverage': {
      role: 'dispatcher',
      note: "figures over the asker's own and shared cameras and its own checkpoints; no row of A's in the sibling's",
      request: () => get('/api/video/coverage'),
      sibling: 'list',
      check: (who, r) => {
        if (who === 'sibling' && r.json().cameras !== 0) throw new Error('the sibling counts cameras of A');
      },
    },
    'POST /api/video/coverage/advise': {
      role: 'dispatcher',
      note: 'where new cameras would cover most, over the asker’s own and shared cameras; picks, no rows',
      request: () => post('/api/video/coverage/advise', { count: 1 }),
      sibling: 'list',
    },
    'GET /api/video/near': {
      role: 'dispatcher',
      request: () => get(`/api/video/near?lon=${SPOT.lon}&lat=${SPOT.lat}`),
      sibling: 'list',
      markers: () => [A.camera],
    },
    'GET /api/video/near/media': {
      role: 'dispatcher',
      request: () => get(`/api/video/near/media?lon=${SPOT.lon}&lat=${SPOT.lat}`),
      sibling: 'list',
      markers: () => [A.report],
    },

    // ---- community (mediation cases)
    'GET /api/community/cases': {
      role: 'commander',
      request: () => get('/api/community/cases'),
      sibling: 'list',
      markers: () => [A.case],
    },
    'GET /api/community/cases/rates': {
      role: 'commander',
      request: () => get('/api/community/cases/rates?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z'),
      sibling: 'list',
      markers: () => [orgOf.same.id],
    },
    'POST /api/community/cases': {
      role: 'commander',
      note: "a walk-in without a position: the case is the opener's own org's",
      sibling: 'own',
      request: () =>
        post('/api/community/cases', {
          source: 'walk_in',
          category: 'family',
          summary: `来访纠纷 ${next()}`,
          parties: [
            { role: 'applicant', name: '甲' },
            { role: 'respondent', name: '乙' },
          ],
        }),
      markers: () => [A.case],
    },
    'GET /api/community/cases/:id': {
      role: 'commander',
      request: () => get(`/api/community/cases/${A.case}`),
    },
    'GET /api/community/cases/:id/parties': {
      role: 'commander',
      request: () => ({ method: 'GET', url: `/api/community/cases/${A.case}/parties`, headers: PURPOSE }),
    },
    'GET /api/community/cases/:id/agreement.pdf': {
      role: 'commander',
      request: () => ({
        method: 'GET',
        url: `/api/community/cases/${A.agreedCase}/agreement.pdf`,
        headers: PURPOSE,
      }),
    },
    'PATCH /api/community/cases/:id': {
      role: 'commander',
      request: named(freshCase, (id) => ({
        method: 'PATCH',
        url: `/api/community/cases/${id}`,
        payload: { room: '第二调解室' },
      })),
    },
    'POST /api/community/cases/:id/transition': {
      role: 'commander',
      request: named(freshCase, (id) => post(`/api/community/cases/${id}/transition`, { to: 'withdrawn' })),
    },
    'POST /api/community/cases/:id/sessions': {
      role: 'commander',
      request: named(freshCase, (id) =>
        post(`/api/community/cases/${id}/sessions`, { heldAt: '2026-11-23T08:00:00Z', notes: '调解会' }),
      ),
    },
    'POST /api/community/cases/:id/agreement': {
      role: 'commander',
      request: named(freshMediatingCase, (id) => post(`/api/community/cases/${id}/agreement`, AGREEMENT)),
    },
    'POST /api/community/cases/:id/follow-ups': {
      role: 'commander',
      request: named(freshAgreedCase, (id) =>
        post(`/api/community/cases/${id}/follow-ups`, {
          visitedAt: '2026-11-23T08:00:00Z',
          performed: true,
          notes: '已履行',
        }),
      ),
    },
    'POST /api/community/cases/:id/escalate': {
      role: 'dispatcher',
      request: named(freshCase, (id) => post(`/api/community/cases/${id}/escalate`, { note: '扬言动手' })),
    },

    // ---- community (volunteers and teams)
    'GET /api/community/volunteer-teams': {
      role: 'commander',
      request: () => get('/api/community/volunteer-teams'),
      sibling: 'list',
      markers: () => [A.vTeam],
    },
    'POST /api/community/volunteer-teams': {
      role: 'commander',
      sibling: 'org',
      request: () => post('/api/community/volunteer-teams', { name: `队 ${next()}`, orgId: orgOf.same.id }),
    },
    'PATCH /api/community/volunteer-teams/:id': {
      role: 'commander',
      request: () => ({
        method: 'PATCH',
        url: `/api/community/volunteer-teams/${A.vTeam}`,
        payload: { name: '龙城志愿队' },
      }),
    },
    'GET /api/community/volunteer-teams/:id/members': {
      role: 'commander',
      request: () => get(`/api/community/volunteer-teams/${A.vTeam}/members`),
      markers: () => [A.vMember],
    },
    'POST /api/community/volunteer-members': {
      role: 'commander',
      request: () => post('/api/community/volunteer-members', { teamId: A.vTeam, name: `队员${next()}` }),
    },
    'POST /api/community/volunteer-members/:id/token': {
      role: 'commander',
      request: () => post(`/api/community/volunteer-members/${A.vMember}/token`),
    },
    'GET /api/community/volunteer-members/:id/phone': {
      role: 'commander',
      request: () => ({
        method: 'GET',
        url: `/api/community/volunteer-members/${A.vMember}/phone`,
        headers: PURPOSE,
      }),
    },
    'GET /api/community/volunteer-shifts': {
      role: 'commander',
      request: () => get('/api/community/volunteer-shifts'),
      sibling: 'list',
      markers: () => [A.vShift],
    },
    'POST /api/community/volunteer-shifts': {
      role: 'commander',
      request: () => post('/api/community/volunteer-shifts', volunteerShift()),
    },
    'GET /api/community/volunteer-shifts/:id/fixes': {
      role: 'commander',
      request: () => get(`/api/community/volunteer-shifts/${A.vShift}/fixes`),
    },
    'GET /api/community/volunteer-hours': {
      role: 'commander',
      request: () => get('/api/community/volunteer-hours?from=2026-01&to=2027-12'),
      sibling: 'list',
      markers: () => [A.vTeam],
    },

    // ---- explosives (民爆物品): the books of station A's mine
    'POST /api/explosives/magazines': {
      role: 'admin',
      sibling: 'org',
      request: () =>
        post('/api/explosives/magazines', { enterpriseId: A.mine, name: 'M1', orgId: orgOf.same.id }),
    },
    'GET /api/explosives/magazines': {
      role: 'admin',
      request: () => get(`/api/explosives/magazines?enterpriseId=${A.mine}`),
    },
    'POST /api/explosives/movements': {
      role: 'admin',
      request: () =>
        post('/api/explosives/movements', {
          enterpriseId: A.mine,
          movements: [
            {
              id: `NTK-${next()}`,
              time: new Date(t.ctx.now().getTime() - 60_000).toISOString(),
              from: 'supplier:ACME',
              to: 'magazine:M1',
              product: 'EMUL-32',
              quantity: 1,
              serials: [],
              permit: A.permit,
            },
          ],
        }),
    },
    'GET /api/explosives/ledger': {
      role: 'admin',
      request: () => get(`/api/explosives/ledger?enterpriseId=${A.mine}`),
    },
    'POST /api/explosives/counts': {
      role: 'admin',
      request: () =>
        post('/api/explosives/counts', {
          enterpriseId: A.mine,
          date: day(),
          counts: [{ account: 'magazine:M1', product: 'EMUL-32', counted: 0 }],
        }),
    },
    'POST /api/explosives/month-close': {
      role: 'admin',
      ok: [201, 409],
      note: "A's October (nothing moved, nothing to count) closes for the first of the station and the bureau; the second is told it is closed",
      request: () => post('/api/explosives/month-close', { enterpriseId: A.mine, month: '2026-10' }),
    },
    'GET /api/explosives/month-closes': {
      role: 'commander',
      request: () => get(`/api/explosives/month-closes?enterpriseId=${A.mine}`),
    },
    'GET /api/explosives/permits': {
      role: 'commander',
      request: () => get('/api/explosives/permits'),
      sibling: 'list',
      markers: () => [A.permit],
    },
    'POST /api/explosives/permits': {
      role: 'admin',
      request: () =>
        post('/api/explosives/permits', {
          enterpriseId: A.mine,
          kind: 'purchase',
          validFrom: day(),
          validTo: day(),
          items: [{ product: 'EMUL-32', quantity: 10 }],
        }),
    },
    'POST /api/explosives/permits/:id/approve': {
      role: 'commander',
      request: named(freshPermit, (id) => post(`/api/explosives/permits/${id}/approve`)),
    },
    'POST /api/explosives/permits/:id/refuse': {
      role: 'commander',
      request: named(freshPermit, (id) =>
        post(`/api/explosives/permits/${id}/refuse`, { reason: '资料不全' }),
      ),
    },
    'POST /api/explosives/permits/:id/track': {
      role: 'admin',
      ok: [409],
      note: "A's permit is a purchase permit: A's people see it and are told it has no route; the sibling does not see it",
      request: () =>
        post(`/api/explosives/permits/${A.permit}/track`, {
          fixes: [{ at: new Date(t.ctx.now().getTime() - 60_000).toISOString(), ...SPOT }],
        }),
    },
    'GET /api/explosives/permits/:id/transport': {
      role: 'commander',
      request: () => get(`/api/explosives/permits/${A.permit}/transport`),
    },
    'POST /api/explosives/vehicles': {
      role: 'admin',
      request: () => post('/api/explosives/vehicles', { enterpriseId: A.mine, plate: `粤B·NTK${next()}` }),
    },
    'GET /api/explosives/vehicles': {
      role: 'commander',
      request: () => get(`/api/explosives/vehicles?enterpriseId=${A.mine}`),
    },
    'GET /api/explosives/alarms': {
      role: 'commander',
      request: () => get('/api/explosives/alarms'),
      sibling: 'list',
      markers: () => [A.explosivesAlarm],
    },
    'POST /api/explosives/alarms/:id/report': {
      role: 'admin',
      request: named(freshExplosivesAlarm, (id) => post(`/api/explosives/alarms/${id}/report`)),
    },

    // ---- community (citizen reports)
    'GET /api/community/reports': {
      role: 'dispatcher',
      request: () => get('/api/community/reports'),
      sibling: 'list',
      markers: () => [A.report],
    },
    'GET /api/community/reports/:id': {
      role: 'dispatcher',
      request: () => get(`/api/community/reports/${A.report}`),
    },
    'GET /api/community/reports/:id/media': {
      role: 'dispatcher',
      request: () => ({
        method: 'GET',
        url: `/api/community/reports/${A.report}/media`,
        headers: { 'x-purpose': encodeURIComponent('核实举报') },
      }),
    },
    'POST /api/community/reports/:id/decide': {
      role: 'dispatcher',
      request: named(freshReport, (id) =>
        post(`/api/community/reports/${id}/decide`, { action: 'reject', reason: '测试驳回' }),
      ),
    },

    // ---- sensors (smart-community devices, crowd areas)
    // ---- connectors
    'GET /api/connectors': {
      role: 'auditor',
      request: () => get('/api/connectors'),
      sibling: 'list',
      markers: () => [A.connector],
    },
    'POST /api/connectors': {
      role: 'commander',
      sibling: 'org',
      request: () => post('/api/connectors', connectorBody()),
    },
    'GET /api/connectors/:id': {
      role: 'auditor',
      request: () => get(`/api/connectors/${A.connector}`),
    },
    'PATCH /api/connectors/:id': {
      role: 'commander',
      request: named(freshConnector, (id) => ({
        method: 'PATCH',
        url: `/api/connectors/${id}`,
        payload: { name: `龙城历史警情 ${next()}` },
      })),
    },
    'DELETE /api/connectors/:id': {
      role: 'commander',
      request: named(freshConnector, (id) => ({ method: 'DELETE', url: `/api/connectors/${id}` })),
    },
    'POST /api/connectors/:id/enabled': {
      role: 'commander',
      request: named(freshConnector, (id) => post(`/api/connectors/${id}/enabled`, { enabled: false })),
    },
    'POST /api/connectors/:id/runs': {
      role: 'commander',
      request: named(freshConnector, (id) =>
        post(`/api/connectors/${id}/runs`, { content: historyCsv('CR', A.historyCategory) }),
      ),
    },
    'GET /api/connectors/runs': {
      role: 'auditor',
      request: () => get('/api/connectors/runs'),
      sibling: 'list',
      markers: () => [A.connectorRun],
    },
    'GET /api/connectors/runs/:id': {
      role: 'auditor',
      request: () => get(`/api/connectors/runs/${A.connectorRun}`),
    },
    'GET /api/sensors/communities': {
      role: 'dispatcher',
      request: () => get('/api/sensors/communities'),
      sibling: 'list',
      markers: () => [A.sensorCommunity],
    },
    'POST /api/sensors/communities': {
      role: 'commander',
      sibling: 'org',
      request: () => post('/api/sensors/communities', { name: `龙城小区 ${next()}`, orgId: orgOf.same.id }),
    },
    'GET /api/sensors/devices': {
      role: 'dispatcher',
      request: () => get('/api/sensors/devices'),
      sibling: 'list',
      markers: () => [A.sensor],
    },
    'POST /api/sensors/devices': {
      role: 'commander',
      sibling: [400],
      note: "the station's community is as good as missing to the sibling: 400 naming communityId",
      request: () =>
        post('/api/sensors/devices', {
          communityId: A.sensorCommunity,
          kind: 'smoke',
          name: `龙城烟感 ${next()}`,
          address: '龙城街道',
          ...SPOT,
        }),
      check: (who, r) => {
        if (who === 'sibling') expect(r.json().errors?.[0]).toMatchObject({ field: 'communityId' });
      },
    },
    'GET /api/sensors/alarms': {
      role: 'dispatcher',
      request: () => get('/api/sensors/alarms'),
      sibling: 'list',
      markers: () => [A.alarm],
    },
    'POST /api/sensors/alarms/:id/acknowledge': {
      role: 'dispatcher',
      request: named(freshSensorAlarm, (id) => post(`/api/sensors/alarms/${id}/acknowledge`)),
    },
    'POST /api/sensors/alarms/:id/clear': {
      role: 'dispatcher',
      request: named(freshSensorAlarm, (id) => post(`/api/sensors/alarms/${id}/clear`)),
    },
    'GET /api/sensors/tickets': {
      role: 'dispatcher',
      request: () => get('/api/sensors/tickets'),
      sibling: 'list',
      markers: () => [A.sensorTicket],
    },
    'POST /api/sensors/tickets/:id/acknowledge': {
      role: 'dispatcher',
      request: named(freshSensorTicket, (id) =>
        post(`/api/sensors/tickets/${id}/acknowledge`, { note: '已通知维保' }),
      ),
    },
    'POST /api/sensors/tickets/:id/close': {
      role: 'dispatcher',
      request: named(freshSensorTicket, (id) => post(`/api/sensors/tickets/${id}/close`, { note: '已修复' })),
    },
    'GET /api/sensors/crowd-areas': {
      role: 'dispatcher',
      request: () => get('/api/sensors/crowd-areas'),
      sibling: 'list',
      markers: () => [A.crowdArea],
    },
    'POST /api/sensors/crowd-areas': {
      role: 'commander',
      sibling: 'org',
      request: async () => {
        const ring = [
          [114.19, 22.69],
          [114.191, 22.69],
          [114.191, 22.691],
          [114.19, 22.69],
        ];
        return post('/api/sensors/crowd-areas', {
          name: `龙城会场 ${next()}`,
          orgId: orgOf.same.id,
          ring,
          warnDensity: 1,
          alarmDensity: 2,
          capacity: 1000,
        });
      },
    },
    'DELETE /api/sensors/crowd-areas/:id': {
      role: 'commander',
      request: named(freshCrowdArea, (id) => ({ method: 'DELETE', url: `/api/sensors/crowd-areas/${id}` })),
    },
    'GET /api/sensors/crowd-areas/:id/counts': {
      role: 'dispatcher',
      request: () => get(`/api/sensors/crowd-areas/${A.crowdArea}/counts`),
    },

    // ---- oversight (要素管控)
    'GET /api/oversight/units': {
      role: 'commander',
      request: () => get('/api/oversight/units'),
      sibling: 'list',
      markers: () => [OV.unit],
    },
    'POST /api/oversight/units': {
      role: 'admin',
      sibling: 'org',
      request: () =>
        post('/api/oversight/units', { industry: 'hotel', name: `宾馆 ${next()}`, orgId: orgOf.same.id }),
    },
    'GET /api/oversight/units/:id': {
      role: 'commander',
      request: () => get(`/api/oversight/units/${OV.unit}`),
    },
    'PATCH /api/oversight/units/:id': {
      role: 'admin',
      request: () => ({
        method: 'PATCH',
        url: `/api/oversight/units/${OV.unit}`,
        payload: { name: `宾馆更名 ${next()}` },
      }),
    },
    'GET /api/oversight/units/:id/people': {
      role: 'commander',
      request: () => ({
        method: 'GET',
        url: `/api/oversight/units/${OV.unit}/people`,
        headers: { 'x-purpose': encodeURIComponent('检查核对') },
      }),
    },
    'POST /api/oversight/unit-imports': {
      role: 'admin',
      sibling: 'own',
      note: "a row at A's spot lies in A's jurisdiction: refused for the sibling (org_in_scope), counted",
      request: () =>
        post('/api/oversight/unit-imports', {
          content: `industry,name,lon,lat\nhotel,导入宾馆 ${next()},${SPOT.lon},${SPOT.lat}`,
        }),
      check: (who, r) => {
        expect(r.json().imported).toBe(who === 'sibling' ? 0 : 1);
      },
    },
    'POST /api/oversight/units/:id/users': {
      role: 'admin',
      request: () => post(`/api/oversight/units/${OV.unit}/users`, { userId: OV.enterpriseUser }),
    },
    'POST /api/oversight/inspections': {
      role: 'admin',
      request: () => post('/api/oversight/inspections', { unitId: OV.unit, kind: 'video' }),
    },
    'GET /api/oversight/inspections': {
      role: 'commander',
      request: () => get('/api/oversight/inspections'),
      sibling: 'list',
      markers: () => [OV.inspection],
    },
    'GET /api/oversight/calendar': {
      role: 'commander',
      request: () => get('/api/oversight/calendar'),
      sibling: 'list',
      markers: () => [OV.unit],
    },
    'GET /api/oversight/cases': {
      role: 'commander',
      request: () => get('/api/oversight/cases'),
      sibling: 'list',
      markers: () => [OV.case],
    },
    'GET /api/oversight/cases/:id': {
      role: 'commander',
      request: () => get(`/api/oversight/cases/${OV.case}`),
    },
    'GET /api/oversight/cases/:id/document': {
      role: 'commander',
      request: () => get(`/api/oversight/cases/${OV.case}/document`),
    },
    'POST /api/oversight/cases/:id/verify': {
      role: 'admin',
      request: named(freshReportedCase, (id) =>
        post(`/api/oversight/cases/${id}/verify`, { accepted: true, note: '复查合格' }),
      ),
    },
    'GET /api/oversight/units/:id/risk': {
      role: 'commander',
      request: () => get(`/api/oversight/units/${OV.unit}/risk`),
    },
    'GET /api/oversight/risk-board': {
      role: 'commander',
      request: () => get('/api/oversight/risk-board'),
      sibling: 'list',
      markers: () => [OV.unit],
    },
    'PUT /api/oversight/units/:id/compliance': {
      role: 'admin',
      request: () => ({
        method: 'PUT',
        url: `/api/oversight/units/${OV.school}/compliance`,
        payload: {
          population: 400,
          guards: 2,
          closedCampus: true,
          alarmLinked: true,
          alarmTestedOn: day(),
          videoCoveragePct: 100,
        },
      }),
    },
    'GET /api/oversight/compliance': {
      role: 'commander',
      request: () => get('/api/oversight/compliance'),
      sibling: 'list',
      markers: () => [OV.school],
    },
    'GET /api/oversight/attachments/:id': {
      role: 'commander',
      request: () => get(`/api/oversight/attachments/${OV.photo}`),
    },
  };
  const signedOn = {} as Record<Who, string>;

  /** Station A's hotel, its bound enterprise user, and an inspection whose finding opened an order. */
  async function oversightResources() {
    OV.unit = (
      await created(cookies.same.admin, {
        method: 'POST',
        url: '/api/oversight/units',
        payload: { industry: 'hotel', name: '龙城宾馆', ...SPOT },
      })
    ).id as string;
    const user = await created(cityAdmin, {
      method: 'POST',
      url: '/api/users',
      payload: {
        username: 'ntk.same.hotel',
        displayName: '宾馆',
        password: 'a-long-password',
        orgId: orgOf.same.id,
        roles: ['enterprise'],
      },
    });
    OV.enterpriseUser = user.id as string;
    OV.school = (
      await created(cookies.same.admin, {
        method: 'POST',
        url: '/api/oversight/units',
        payload: { industry: 'school', name: '龙城小学', ...SPOT },
      })
    ).id as string;
    const bound = await call(cookies.same.admin, {
      method: 'POST',
      url: `/api/oversight/units/${OV.unit}/users`,
      payload: { userId: OV.enterpriseUser },
    });
    expect(bound.statusCode, bound.body).toBe(204);
    OV.enterprise = await t.login('ntk.same.hotel', 'a-long-password');
    const inspection = await created(cookies.same.admin, {
      method: 'POST',
      url: '/api/oversight/inspections',
      payload: {
        unitId: OV.unit,
        kind: 'onsite',
        ...SPOT,
        photos: [{ name: 'p.png', type: 'image/png', data: 'iVBORw0KGgo=' }],
        findings: [{ description: '旅客未登记', severity: 'serious' }],
      },
    });
    OV.inspection = inspection.id as string;
    OV.photo = (inspection.photoIds as string[])[0];
    OV.case = (inspection.caseIds as string[])[0];
  }
  /** A case of station A's hotel whose fix the enterprise has reported (ready to verify). */
  async function freshReportedCase(): Promise<string> {
    const inspection = await created(cookies.same.admin, {
      method: 'POST',
      url: '/api/oversight/inspections',
      payload: {
        unitId: OV.unit,
        kind: 'video',
        findings: [{ description: `访客未登记 ${next()}`, severity: 'minor' }],
      },
    });
    const id = (inspection.caseIds as string[])[0];
    await created(OV.enterprise, {
      method: 'POST',
      url: `/api/oversight/cases/${id}/report`,
      payload: { text: '已整改', evidence: [{ name: 'e.png', type: 'image/png', data: 'iVBORw0KGgo=' }] },
    });
    return id;
  }

  /** An incident history file: 30 incidents at station A's spot over the last weeks. */
  /** A file connector of station A whose mapping reads historyCsv's columns. */
  function connectorBody() {
    return {
      name: `龙城导入 ${next()}`,
      orgId: orgOf.same.id,
      source: { kind: 'file' },
      mapping: {
        target: 'patrol.incidents',
        fields: {
          id: { column: 'id', type: 'string' },
          time: { column: 'time', type: 'time' },
          category: { column: 'type', type: 'string' },
          lat: { column: 'lat', type: 'number' },
          lon: { column: 'lon', type: 'number' },
        },
      },
    };
  }
  async function freshConnector(): Promise<string> {
    return (await created(cookies.same.commander, post('/api/connectors', connectorBody()))).id as string;
  }

  function historyCsv(prefix: string, category: string): string {
    const rows = ['id,time,type,lat,lon'];
    for (let i = 0; i < 30; i++) {
      const at = new Date(t.ctx.now().getTime() - (i + 1) * 86_400_000).toISOString();
      rows.push(`${prefix}-${next()},${at},${category},${SPOT.lat},${SPOT.lon}`);
    }
    return rows.join('\n');
  }

  it('walks every registered route as the same station, the parent bureau and a sibling station', async () => {
    const routes = t.ctx.routes.filter((r) => r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`);
    const failures: string[] = [];
    for (const k of routes.filter((k) => !(k in WALKS) && !(k in EXEMPT)))
      failures.push(
        `${k}: neither walked nor exempt (give it a walk, or an exemption saying why it names no resource)`,
      );
    for (const k of [...Object.keys(WALKS), ...Object.keys(EXEMPT)].filter((k) => !routes.includes(k)))
      failures.push(`${k}: walked or exempt, but no such route`);
    for (const k of Object.keys(WALKS).filter((k) => k in EXEMPT))
      failures.push(`${k}: both walked and exempt`);
    for (const key of routes.filter((k) => k in WALKS)) {
      const walk = WALKS[key];
      const permission = t.ctx.routes.find((r) => `${r.method} ${r.url}` === key)!.permission;
      const role = walk.role.replace(/\d$/, '');
      if (!t.ctx.permissions.grants([role], permission)) {
        failures.push(`${key}: role ${role} does not hold ${permission}`);
        continue;
      }
      for (const who of ['sibling', 'same', 'parent'] as Who[]) {
        let r: LightMyRequestResponse;
        try {
          r = await call(cookies[who][walk.role], await walk.request(who));
        } catch (error) {
          failures.push(`${key} as ${who}: ${(error as Error).message}`);
          continue;
        }
        const status = r.statusCode;
        const markers = walk.markers?.() ?? [];
        const problems: string[] = [];
        if (status >= 500) problems.push(`answered ${status}`);
        else if (who === 'sibling') {
          const mode = walk.sibling ?? [403, 404];
          if (mode === 'list' || mode === 'own') {
            if (status >= 300) problems.push(`answered ${status}, expected 2xx`);
            for (const m of markers) if (r.body.includes(m)) problems.push(`sees ${m}`);
          } else if (mode === 'org') {
            const rule = (r.json().errors as { rule: string }[] | undefined)?.[0]?.rule;
            if (status !== 400 || rule !== 'org_in_scope')
              problems.push(`answered ${status} ${rule}, expected 400 org_in_scope`);
          } else if (!mode.includes(status))
            problems.push(`answered ${status}, expected ${mode.join(' or ')}`);
        } else {
          const ok = walk.ok ?? [200, 201, 204];
          if (!ok.includes(status)) problems.push(`answered ${status}, expected ${ok.join(' or ')}`);
          else if (status < 300 && walk.sibling !== 'own') {
            for (const m of markers) if (!r.body.includes(m)) problems.push(`does not see ${m}`);
          }
        }
        if (problems.length === 0 && walk.check) {
          try {
            walk.check(who, r);
          } catch (error) {
            problems.push((error as Error).message.split('\n')[0]);
          }
        }
        if (problems.length > 0)
          failures.push(`${key} as ${who}: ${problems.join('; ')} — ${r.body.slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
  }, 600_000);

  it('lets a station send only its own units; the city and the bureau send any unit in their subtree', async () => {
    // A station dispatcher may not send the sibling station's unit, even to the station's own incident.
    const incident = await freshIncident();
    const refused = await call(cookies.same.dispatcher, {
      method: 'POST',
      url: `/api/dispatch/incidents/${incident}/dispatch`,
      payload: { unitId: siblingUnit.id },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().errors).toEqual([
      { field: 'unitId', rule: 'unit_in_scope', message: expect.any(String) },
    ]);
    // Nor do its recommendations offer it.
    const recs = await call(cookies.same.dispatcher, {
      method: 'GET',
      url: `/api/dispatch/incidents/${incident}/recommendations`,
    });
    expect(recs.body).not.toContain(siblingUnit.id);
    // The branch bureau lends the sibling's unit to station A's incident; the city could too.
    const lent = await call(cookies.parent.dispatcher, {
      method: 'POST',
      url: `/api/dispatch/incidents/${incident}/dispatch`,
      payload: { unitId: siblingUnit.id },
    });
    expect(lent.statusCode, lent.body).toBe(200);
    const other = await freshUnit(cookies.sibling.commander);
    const byCity = await call(cityDispatcher, {
      method: 'POST',
      url: `/api/dispatch/incidents/${incident}/dispatch`,
      payload: { unitId: other },
    });
    expect(byCity.statusCode, byCity.body).toBe(200);
    // The sibling sees its own unit busy, but not on what.
    const units = (
      await call(cookies.sibling.dispatcher, { method: 'GET', url: '/api/dispatch/units' })
    ).json().items as { id: string; status: string; incidentId: string | null; inScope: boolean }[];
    expect(units.find((u) => u.id === siblingUnit.id)).toMatchObject({ status: 'dispatched', inScope: true });
  });

  it('refuses references to another station in bodies and queries like a missing resource', async () => {
    // Merging one's incident into another station's: the target is as good as missing.
    const own = (
      await created(cookies.sibling.dispatcher, {
        method: 'POST',
        url: '/api/dispatch/incidents',
        payload: {
          category: 'criminal',
          priority: 'P3',
          lon: 114.2225,
          lat: 22.6955,
          narrative: '兄弟所警情',
        },
      })
    ).incident as { id: string };
    const merge = await call(cookies.sibling.dispatcher, {
      method: 'POST',
      url: `/api/dispatch/incidents/${own.id}/transition`,
      payload: { to: 'merged', mergeInto: A.incident },
    });
    expect(merge.statusCode).toBe(400);
    expect(merge.json().errors[0]).toMatchObject({ field: 'mergeInto', rule: 'not_found' });
    // Another station's ring in the interception advisor, or in a checkpoint.
    const intercept = await call(cookies.sibling.dispatcher, {
      method: 'GET',
      url: `/api/perimeter/intercept?lon=${SPOT.lon}&lat=${SPOT.lat}&ringId=${A.ring}`,
    });
    expect(intercept.statusCode).toBe(404);
    const checkpoint = await call(cookies.sibling.commander, {
      method: 'POST',
      url: '/api/perimeter/checkpoints',
      payload: { id: `NTK-S-${next()}`, name: '兄弟所卡口', kind: 'post', ...SPOT, ringId: A.ring },
    });
    expect(checkpoint.statusCode).toBe(400);
    expect(checkpoint.json().errors[0]).toMatchObject({ field: 'ringId', rule: 'not_found' });
    // Reassigning A's jurisdiction to the sibling's own org is for the bureau, not the sibling.
    const grab = await call(cookies.sibling.admin, {
      method: 'PATCH',
      url: `/api/jurisdictions/${A.jurisdiction}`,
      payload: { orgId: orgOf.sibling.id },
    });
    expect(grab.statusCode).toBe(404);
  });
});
