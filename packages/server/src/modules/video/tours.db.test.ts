import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';

const SPOT = { lon: 114.1955, lat: 22.6955 };
const HOUR = 3_600_000;

/** Video patrol tours: a run steps through the cameras; a finding becomes an incident; missed shifts show. */
describe(`video patrol tours (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let op: string;
  let cmd: string;
  let tourId = '';
  const cams: string[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const orgs = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items as {
      id: string;
      name: string;
    }[];
    const lc = orgs.find((o) => o.name === '龙城派出所')!.id;
    for (const [username, roles] of [
      ['lc.op', ['dispatcher']],
      ['lc.boss', ['commander']],
    ] as const) {
      await t.as(admin, {
        method: 'POST',
        url: '/api/users',
        payload: { username, displayName: username, password: 'a-long-password', orgId: lc, roles },
      });
    }
    op = await t.login('lc.op', 'a-long-password');
    cmd = await t.login('lc.boss', 'a-long-password');
    for (let i = 1; i <= 3; i++) {
      const r = await t.as(cmd, {
        method: 'POST',
        url: '/api/video/cameras',
        payload: {
          code: `4403070000132000002${i}`,
          name: `巡查点 ${i}`,
          lon: SPOT.lon + i * 0.0005,
          lat: SPOT.lat,
          headingDeg: 0,
          fovDeg: 90,
          rangeM: 80,
          owner: 'police',
        },
      });
      expect(r.statusCode, r.body).toBe(201);
      cams.push(r.json().id);
    }
  }, 300_000);
  afterAll(() => t.close());

  it('walks a tour: nothing to note, a finding that becomes an incident, finished; reported per shift', async () => {
    const created = await t.as(cmd, {
      method: 'POST',
      url: '/api/video/tours',
      payload: { name: '龙城白班巡查', cameraIds: cams, dwellSeconds: 20, shifts: ['day', 'night'] },
    });
    expect(created.statusCode, created.body).toBe(201);
    tourId = created.json().id;
    expect(created.json().cameras.map((c: { id: string }) => c.id)).toEqual(cams);
    const run = (await t.as(op, { method: 'POST', url: `/api/video/tours/${tourId}/runs` })).json();
    const step = (body: Record<string, unknown>) =>
      t.as(op, { method: 'POST', url: `/api/video/runs/${run.id}/steps`, payload: body });
    expect((await step({ position: 0, result: 'nothing' })).statusCode).toBe(200);
    const noNote = await step({
      position: 1,
      result: 'finding',
      action: 'incident',
      category: 'public_order',
    });
    expect(noNote.json().errors[0]).toMatchObject({ field: 'note', rule: 'required' });
    // The same finding sent twice at once (a double click): one step, one incident.
    const both = await Promise.all(
      [0, 1].map(() =>
        step({
          position: 1,
          result: 'finding',
          note: '路口有人聚集斗殴',
          action: 'incident',
          category: 'public_order',
          subcategory: 'fight',
          priority: 'P2',
        }),
      ),
    );
    expect(both.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const finding = both.find((r) => r.statusCode === 200)!;
    const made = await t.ctx.db.kysely
      .selectFrom('incidents')
      .select('id')
      .where('narrative', 'like', '%路口有人聚集斗殴%')
      .execute();
    expect(made).toHaveLength(1);
    const incidentId = finding.json().steps[1].incidentId as string;
    const incident = await t.as(op, { method: 'GET', url: `/api/dispatch/incidents/${incidentId}` });
    expect(incident.statusCode, incident.body).toBe(200);
    expect(JSON.stringify(incident.json())).toContain('路口有人聚集斗殴');
    const early = await t.as(op, { method: 'POST', url: `/api/video/runs/${run.id}/finish` });
    expect(early.json().errors[0]).toMatchObject({ field: 'steps', rule: 'every_camera' });
    await step({ position: 2, result: 'finding', note: '商铺门口可疑车辆', action: 'patrol_request' });
    // Someone else may not record the operator's run.
    const other = await t.as(cmd, {
      method: 'POST',
      url: `/api/video/runs/${run.id}/steps`,
      payload: { position: 0, result: 'nothing' },
    });
    expect(other.statusCode).toBe(403);
    const done = await t.as(op, { method: 'POST', url: `/api/video/runs/${run.id}/finish` });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json().steps[2].patrolRequest).toContain('巡查点 3');

    // Two days later: today's completed shift, and the shifts since without a run are missed.
    const startedAt = t.ctx.now().getTime();
    t.advance(2 * 24 * HOUR);
    const fresh = await t.login('lc.boss', 'a-long-password');
    const report = await t.as(fresh, {
      method: 'GET',
      url: `/api/video/tours/report?from=${new Date(startedAt - 12 * HOUR).toISOString()}&to=${new Date(t.ctx.now().getTime()).toISOString()}`,
    });
    expect(report.statusCode, report.body).toBe(200);
    const rows = report.json().rows as {
      completed: boolean;
      missed: boolean;
      findings: number;
      operator: string | null;
      camerasSeen: number;
    }[];
    expect(rows.filter((r) => r.completed)).toEqual([
      expect.objectContaining({ operator: 'lc.op', camerasSeen: 3, findings: 2, missed: false }),
    ]);
    expect(rows.filter((r) => r.missed).length).toBeGreaterThanOrEqual(3);
    // Missed shifts of the last day are escalated to the tour org's commanders, once each: at
    // 11-25 08:00 UTC the last day holds the night shift from 11-24 12:00 UTC, ended and missed
    // (the day shift from 11-25 00:00 UTC is still running).
    const escalated = await t.ctx.video.tours.escalateMissed();
    expect(escalated).toBe(1);
    expect(await t.ctx.video.tours.escalateMissed()).toBe(0);
    const kept = await t.ctx.db.kysely.selectFrom('video_tour_escalations').selectAll().execute();
    expect(kept.map((k) => [k.tour_id, new Date(k.shift_start).toISOString()])).toEqual([
      [tourId, '2026-11-24T12:00:00.000Z'],
    ]);
    // The commanders' alert was staged in the outbox with the escalation row, once.
    const staged = await t.ctx.db.kysely
      .selectFrom('event_outbox')
      .select('event')
      .where('type', '=', 'video.tour_missed')
      .execute();
    expect(staged.map((r) => (r.event as { payload: unknown }).payload)).toEqual([
      { tourId, tourName: '龙城白班巡查', shift: 'night', shiftStart: '2026-11-24T12:00:00.000Z' },
    ]);

    // The report's totals: the tour was made on 11-23 at 08:00 UTC, so from three days before to
    // 11-25 08:00 UTC five shifts of it were due and have begun (11-23 day, done; 11-23 night,
    // 11-24 day and night, missed; 11-25 day, under way; none before it existed), the missed night
    // escalated; the operator made one run with three cameras and two findings.
    const totals = (
      await t.as(fresh, {
        method: 'GET',
        url: `/api/video/tours/report?from=${new Date(startedAt - 72 * HOUR).toISOString()}&to=${new Date(t.ctx.now().getTime()).toISOString()}`,
      })
    ).json();
    expect(totals.summary.byTour).toEqual([
      { tourId, tourName: '龙城白班巡查', scheduled: 5, done: 1, missed: 3, escalated: 1, findings: 2 },
    ]);
    expect(
      totals.summary.byShift.map(
        (s: { shiftStart: string; done: number; missed: number; escalated: number }) => [
          s.shiftStart,
          s.done,
          s.missed,
          s.escalated,
        ],
      ),
    ).toEqual([
      ['2026-11-23T00:00:00.000Z', 1, 0, 0],
      ['2026-11-23T12:00:00.000Z', 0, 1, 0],
      ['2026-11-24T00:00:00.000Z', 0, 1, 0],
      ['2026-11-24T12:00:00.000Z', 0, 1, 1],
      ['2026-11-25T00:00:00.000Z', 0, 0, 0],
    ]);
    expect(totals.summary.byOperator).toEqual([
      { operator: 'lc.op', runs: 1, done: 1, unfinished: 0, camerasSeen: 3, findings: 2 },
    ]);
    expect(totals.rows.filter((r: { escalated: boolean }) => r.escalated)).toEqual([
      expect.objectContaining({ missed: true, shiftStart: '2026-11-24T12:00:00.000Z', shift: 'night' }),
    ]);
  });
});
