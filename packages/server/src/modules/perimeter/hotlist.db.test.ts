import type { DomainEvent } from '@citywatch/core/events/events';
import { residentIdCheckCharacter } from '@citywatch/core/perimeter/resident-id';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { verifyAuditChain } from '../../identity/audit.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';
import { asDevice, issueDevice } from '../../test/devices.js';
import { countRowsContaining } from './hotlist-store.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe(`perimeter hotlist, hit/no-hit (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let cityBureauId: string;
  /** The cameras of the two checkpoints (device tokens: plate reads come from cameras only). */
  let camG15: string;
  let camS30: string;
  const events: DomainEvent[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    t.ctx.bus.subscribe((e) => {
      events.push(e);
    });
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const orgs = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items as {
      id: string;
      kind: string;
    }[];
    cityBureauId = orgs.find((o) => o.kind === 'city_bureau')!.id;
    for (const [username, roles] of [
      ['commander.li', ['commander']],
      ['commander.wang', ['commander']],
      ['commander.sun', ['commander']],
      ['dispatcher.zhao', ['dispatcher']],
    ] as const) {
      const r = await t.as(admin, {
        method: 'POST',
        url: '/api/users',
        payload: { username, displayName: username, password: 'a-long-password', orgId: cityBureauId, roles },
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    // Checkpoints stand on real roads of the bundled city.
    await ensureBundledCity(t.ctx, () => {});
    for (const [id, lon, lat] of [
      ['CP-G15-N', 114.2005, 22.6805],
      ['CP-S30-E', 114.2225, 22.6955],
    ] as const) {
      const r = await t.as(admin, {
        method: 'POST',
        url: '/api/perimeter/checkpoints',
        payload: { id, name: `${id} 公安检查站`, kind: 'station', orgId: cityBureauId, lon, lat },
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    camG15 = (await issueDevice(t, { checkpointId: 'CP-G15-N' })).token;
    camS30 = (await issueDevice(t, { checkpointId: 'CP-S30-E' })).token;
  });
  afterAll(() => t.close());

  // Sessions idle out after 30 minutes and the tests move the clock by hours: sign in afresh.
  const as = async (username: string) =>
    t.login(username, username === 'admin' ? ADMIN_PASSWORD : 'a-long-password');
  const nowIso = (offsetMs = 0) => new Date(t.ctx.now().getTime() + offsetMs).toISOString();

  async function createEntry(cookie: string, payload: Record<string, unknown>) {
    return t.as(cookie, {
      method: 'POST',
      url: '/api/perimeter/hotlist',
      payload: {
        legalBasis: '公安机关办理刑事案件程序规定 第二百六十五条',
        expiresAt: nowIso(7 * DAY),
        ...payload,
      },
    });
  }
  async function approve(cookie: string, id: string) {
    return t.as(cookie, { method: 'POST', url: `/api/perimeter/hotlist/${id}/approve` });
  }
  /** Reads as a camera (its device token). */
  async function postReads(token: string, reads: unknown[]) {
    return asDevice(t, token, { method: 'POST', url: '/api/perimeter/reads', payload: { reads } });
  }
  async function volumes(cookie: string) {
    const r = await t.as(cookie, {
      method: 'GET',
      url: `/api/perimeter/volumes?from=${encodeURIComponent(nowIso(-2 * DAY))}&to=${encodeURIComponent(nowIso(DAY))}`,
    });
    expect(r.statusCode, r.body).toBe(200);
    const items = r.json().items as { checkpointId: string; reads: number; hits: number; invalid: number }[];
    const sum = (key: 'reads' | 'hits' | 'invalid') => items.reduce((s, v) => s + v[key], 0);
    return { reads: sum('reads'), hits: sum('hits'), invalid: sum('invalid'), items };
  }
  const read = (plate: string, extra: Record<string, unknown> = {}) => ({
    plate,
    at: nowIso(-1000),
    checkpointId: 'CP-G15-N',
    direction: 'in',
    confidence: 0.97,
    ...extra,
  });

  /** Hit alerts staged in the outbox, oldest first. */
  const stagedHitAlerts = async () =>
    (
      await t.testDb.db.kysely
        .selectFrom('event_outbox')
        .select('event')
        .where('type', '=', 'perimeter.hotlist_hit')
        .orderBy('id')
        .execute()
    ).map((r) => r.event as DomainEvent);

  it('creates, refuses self-approval, approves by another commander, then a read hits', async () => {
    const li = await as('commander.li');
    const created = await createEntry(li, {
      kind: 'plate',
      value: '粤b·d1234 5',
      category: 'stolen_vehicle',
    });
    expect(created.statusCode, created.body).toBe(201);
    const entry = created.json();
    expect(entry).toMatchObject({ value: '粤BD12345', status: 'pending', category: 'stolen_vehicle' });

    // Pending entries do not match.
    expect((await postReads(camG15, [read('粤BD12345')])).json()).toMatchObject({ accepted: 1, hits: 0 });

    const self = await approve(li, entry.id);
    expect(self.statusCode).toBe(409);
    expect(self.json().errors).toEqual([expect.objectContaining({ field: 'approvedBy', rule: 'four_eyes' })]);

    const wang = await as('commander.wang');
    const approved = await approve(wang, entry.id);
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'active', approvedBy: expect.any(String) });

    events.length = 0;
    const r = await postReads(camG15, [read('粤B D12345'), read('粤B54321')]);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({ accepted: 2, hits: 1, invalid: 0, rejected: [] });

    const hits = await t.testDb.db.kysely.selectFrom('hotlist_hits').selectAll().execute();
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({
      entry_id: entry.id,
      checkpoint_id: 'CP-G15-N',
      plate_or_id: '粤BD12345',
    });
    const audit = await t.testDb.db.kysely
      .selectFrom('audit_log')
      .select(['action', 'resource', 'detail'])
      .where('action', 'in', ['hotlist_hit', 'hotlist_change'])
      .orderBy('seq')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['hotlist_change', 'hotlist_change', 'hotlist_hit']);
    expect(audit[2].resource).toBe(`hit:${hits[0].id}`);
    const hitEvent = events.find((e) => e.type === 'perimeter.hotlist_hit');
    expect(hitEvent).toMatchObject({
      orgId: cityBureauId,
      payload: { hitId: hits[0].id, entryId: entry.id, checkpointId: 'CP-G15-N', value: '粤BD12345' },
    });
    // The alert was staged with the hit (outbox): a node dying after the commit loses no hit alert.
    expect((await stagedHitAlerts()).map((e) => [e.orgId, (e.payload as { hitId: string }).hitId])).toEqual([
      [cityBureauId, hits[0].id],
    ]);
    expect((await verifyAuditChain(t.testDb.db.kysely)).ok).toBe(true);
  });

  it('validates entries: plate format, category, warrant, legal basis, 30-day expiry, roles', async () => {
    const li = await as('commander.li');
    const bad = await createEntry(li, { kind: 'plate', value: '粤I12345', category: 'stolen_vehicle' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([
      expect.objectContaining({ field: 'value', rule: 'plate_bad_authority' }),
    ]);

    const id17 = '44030719900515123';
    const personId = id17 + residentIdCheckCharacter(id17);
    const noWarrant = await createEntry(li, {
      kind: 'resident_id',
      value: personId,
      category: 'wanted_person',
    });
    expect(noWarrant.statusCode).toBe(400);
    expect(noWarrant.json().errors).toEqual([
      expect.objectContaining({ field: 'warrantRef', rule: 'required' }),
    ]);

    const tooLong = await createEntry(li, {
      kind: 'plate',
      value: '粤B12345',
      category: 'stolen_vehicle',
      expiresAt: nowIso(30 * DAY + 60_000),
    });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().errors).toEqual([
      expect.objectContaining({ field: 'expiresAt', rule: 'max_30_days' }),
    ]);

    const wrongKind = await createEntry(li, {
      kind: 'resident_id',
      value: personId,
      category: 'stolen_vehicle',
    });
    expect(wrongKind.statusCode).toBe(400);

    const notACategory = await createEntry(li, { kind: 'plate', value: '粤B12345', category: 'protester' });
    expect(notACategory.statusCode).toBe(400);

    const blankBasis = await createEntry(li, {
      kind: 'plate',
      value: '粤B12345',
      category: 'stolen_vehicle',
      legalBasis: '  ',
    });
    expect(blankBasis.statusCode).toBe(400);

    const dispatcher = await as('dispatcher.zhao');
    const denied = await createEntry(dispatcher, {
      kind: 'plate',
      value: '粤B12345',
      category: 'stolen_vehicle',
    });
    expect(denied.statusCode).toBe(403);
    // Plate reads come from cameras: no person's session may post them, a commander's neither.
    const posted = (cookie: string) =>
      t.as(cookie, { method: 'POST', url: '/api/perimeter/reads', payload: { reads: [read('粤B12345')] } });
    expect((await posted(dispatcher)).statusCode).toBe(403);
    expect((await posted(li)).statusCode).toBe(403);
    expect((await posted(await as('admin'))).statusCode).toBe(403);
  });

  it('the database itself refuses self-approval and over-long expiry', async () => {
    const db = t.testDb.db.kysely;
    const user = await db
      .selectFrom('users')
      .select('id')
      .where('username', '=', 'commander.li')
      .executeTakeFirstOrThrow();
    const now = t.ctx.now();
    const base = {
      kind: 'plate' as const,
      value: '粤B99999',
      category: 'stolen_vehicle' as const,
      legal_basis: '测试依据',
      warrant_ref: null,
      org_id: cityBureauId,
      created_by: user.id,
      created_at: now,
    };
    await expect(
      db
        .insertInto('hotlist_entries')
        .values({
          ...base,
          id: '01900000-0000-7000-8000-000000000001',
          status: 'active',
          approved_by: user.id,
          approved_at: now,
          expires_at: new Date(now.getTime() + DAY),
        })
        .execute(),
    ).rejects.toThrow();
    await expect(
      db
        .insertInto('hotlist_entries')
        .values({
          ...base,
          id: '01900000-0000-7000-8000-000000000002',
          status: 'pending',
          expires_at: new Date(now.getTime() + 31 * DAY),
        })
        .execute(),
    ).rejects.toThrow();
  });

  it('stops matching the moment an entry expires, and after revocation; renewal needs a third person', async () => {
    const li = await as('commander.li');
    const wang = await as('commander.wang');
    const created = await createEntry(li, {
      kind: 'plate',
      value: '京AF0236',
      category: 'vehicle_in_crime',
      expiresAt: nowIso(2 * HOUR),
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    expect((await approve(wang, id)).statusCode).toBe(200);
    expect((await postReads(camG15, [read('京AF0236')])).json().hits).toBe(1);

    t.advance(2 * HOUR + 1000);
    const liAgain = await as('commander.li');
    // No reload happened in between: expiry is checked at match time.
    expect((await postReads(camG15, [read('京AF0236')])).json()).toMatchObject({ accepted: 1, hits: 0 });

    const list = await t.as(liAgain, { method: 'GET', url: '/api/perimeter/hotlist?status=active' });
    expect(list.json().items.find((e: { id: string }) => e.id === id)).toMatchObject({ expired: true });

    // Renewal: not by the creator, not by the last approver.
    const wangAgain = await as('commander.wang');
    const renewBody = { expiresAt: nowIso(10 * DAY) };
    for (const cookie of [liAgain, wangAgain]) {
      const refused = await t.as(cookie, {
        method: 'POST',
        url: `/api/perimeter/hotlist/${id}/renew`,
        payload: renewBody,
      });
      expect(refused.statusCode).toBe(409);
    }
    const sun = await as('commander.sun');
    const renewed = await t.as(sun, {
      method: 'POST',
      url: `/api/perimeter/hotlist/${id}/renew`,
      payload: renewBody,
    });
    expect(renewed.statusCode, renewed.body).toBe(200);
    expect(renewed.json()).toMatchObject({ renewals: 1, expired: false });
    expect((await postReads(camG15, [read('京AF0236')])).json().hits).toBe(1);

    const revoked = await t.as(liAgain, {
      method: 'POST',
      url: `/api/perimeter/hotlist/${id}/revoke`,
      payload: { reason: '车辆已追回' },
    });
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect((await postReads(camG15, [read('京AF0236')])).json().hits).toBe(0);
  });

  it('follows changes made by another API node (hotlist_changed event)', async () => {
    const li = await as('commander.li');
    const wang = await as('commander.wang');
    const created = await createEntry(li, { kind: 'plate', value: '浙A12345', category: 'stolen_vehicle' });
    const id = created.json().id as string;
    expect((await approve(wang, id)).statusCode).toBe(200);
    expect((await postReads(camG15, [read('浙A12345')])).json().hits).toBe(1);
    // Another node revoked it: the row changed behind this node's back, then the event arrived.
    await t.testDb.db.kysely
      .updateTable('hotlist_entries')
      .set({ status: 'revoked', revoked_at: t.ctx.now(), revoke_reason: '另一节点撤销' })
      .where('id', '=', id)
      .execute();
    t.ctx.publish('perimeter.hotlist_changed', null, { entryId: id, status: 'revoked' });
    for (let i = 0; i < 50; i++) {
      if ((await postReads(camG15, [read('浙A12345')])).json().hits === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await postReads(camG15, [read('浙A12345')])).json().hits).toBe(0);
  });

  it('writes nothing of a batch whose hits cannot be written', async () => {
    const li = await as('commander.li');
    const wang = await as('commander.wang');
    const created = await createEntry(li, { kind: 'plate', value: '闽D12345', category: 'stolen_vehicle' });
    expect((await approve(wang, created.json().id)).statusCode).toBe(200);
    const db = t.testDb.db;
    const before = await volumes(li);
    const hitRows = async () =>
      Number(
        (
          await db.kysely
            .selectFrom('hotlist_hits')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const hitsBefore = await hitRows();
    const alertsBefore = (await stagedHitAlerts()).length;
    await db.execScript(`
      create function perimeter_test_refuse() returns trigger language plpgsql as $$
      begin raise exception 'disk full (test)'; end; $$;
      create trigger perimeter_test_refuse before insert on hotlist_hits
        for each row execute function perimeter_test_refuse();`);
    try {
      const r = await postReads(camG15, [read('闽D12345'), read('闽D54321'), read('粤I00000')]);
      expect(r.statusCode).toBe(500);
    } finally {
      await db.execScript(
        `drop trigger perimeter_test_refuse on hotlist_hits; drop function perimeter_test_refuse();`,
      );
    }
    const after = await volumes(li);
    expect([after.reads, after.hits, after.invalid]).toEqual([before.reads, before.hits, before.invalid]);
    expect(await hitRows()).toBe(hitsBefore);
    expect((await stagedHitAlerts()).length).toBe(alertsBefore); // no alert for a hit never stored
    // The same batch again, once the database is well: counted once.
    expect(
      (await postReads(camG15, [read('闽D12345'), read('闽D54321'), read('粤I00000')])).json(),
    ).toMatchObject({
      accepted: 2,
      hits: 1,
      invalid: 1,
    });
    expect((await volumes(li)).reads).toBe(before.reads + 2);
    expect((await stagedHitAlerts()).length).toBe(alertsBefore + 1);
  });

  it('masks resident IDs unless a purpose is stated, and matches document checks', async () => {
    const li = await as('commander.li');
    const wang = await as('commander.wang');
    const id17 = '11010519850704003';
    const personId = id17 + residentIdCheckCharacter(id17);
    const created = await createEntry(li, {
      kind: 'resident_id',
      value: personId.toLowerCase(),
      category: 'wanted_person',
      warrantRef: '深公(龙)捕字〔2026〕118号',
    });
    expect(created.statusCode, created.body).toBe(201);
    expect((await approve(wang, created.json().id)).statusCode).toBe(200);

    const masked = await t.as(li, { method: 'GET', url: '/api/perimeter/hotlist?kind=resident_id' });
    expect(masked.json().items[0].value).toBe(`110105********${personId.slice(14)}`);
    const full = await t.as(li, {
      method: 'GET',
      url: '/api/perimeter/hotlist?kind=resident_id',
      headers: { 'x-purpose': encodeURIComponent('核查在逃人员') },
    });
    expect(full.json().items[0].value).toBe(personId);
    const personalRead = await t.testDb.db.kysely
      .selectFrom('audit_log')
      .select('purpose')
      .where('action', '=', 'personal_data_read')
      .execute();
    expect(personalRead.map((r) => r.purpose)).toContain('核查在逃人员');

    events.length = 0;
    const check = await postReads(camS30, [
      { residentId: personId, at: nowIso(-1000), checkpointId: 'CP-S30-E', direction: 'out' },
    ]);
    expect(check.json()).toMatchObject({ accepted: 1, hits: 1 });
    const hitEvent = events.find((e) => e.type === 'perimeter.hotlist_hit');
    expect(hitEvent?.payload).toMatchObject({
      kind: 'resident_id',
      value: `110105********${personId.slice(14)}`,
    });
  });

  it('counts non-hits and invalid plates, rejects bad reads per read, and stores no non-hit anywhere', async () => {
    const li = await as('commander.li');
    const before = await volumes(li);
    const nonHits = ['琼A7Q3K9', '藏B12345F', '新ADP1234', '川Z5R7T2', '宁A1234学'];
    const reads = [
      ...nonHits.map((p) => read(p)),
      read('粤I00000'), // invalid: I is not used
      read('ABC'), // invalid
      read('粤B12345', { checkpointId: 'CP-NOWHERE' }), // not this camera's checkpoint
      read('粤B12345', { at: nowIso(6 * 60_000) }),
      read('粤B12345', { at: nowIso(-25 * HOUR) }),
      read('粤B12345', { direction: 'sideways' }),
      read('粤B12345', { confidence: 1.5 }),
      read('粤B12345', { at: 'yesterday-ish' }),
      'not an object',
      read('粤B12345', { direction: 'out', checkpointId: undefined }), // the camera's own checkpoint
    ];
    const r = await postReads(camG15, reads);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({
      accepted: 6,
      hits: 0,
      invalid: 2,
      rejected: [
        { index: 7, reason: 'not_bound_checkpoint' },
        { index: 8, reason: 'clock_skew_future' },
        { index: 9, reason: 'clock_skew_past' },
        { index: 10, reason: 'malformed' },
        { index: 11, reason: 'malformed' },
        { index: 12, reason: 'malformed' },
        { index: 13, reason: 'malformed' },
      ],
    });
    const after = await volumes(li);
    expect(after.reads - before.reads).toBe(6);
    expect(after.invalid - before.invalid).toBe(2);
    expect(after.hits - before.hits).toBe(0);

    // An over-long batch is refused as a whole: nothing counted.
    const tooMany = await postReads(
      camG15,
      Array.from({ length: 10_001 }, () => read('粤B12345')),
    );
    expect(tooMany.statusCode).toBe(400);
    expect((await volumes(li)).reads).toBe(after.reads);

    // Hit/no-hit: none of the non-hit plates is anywhere in the database; the scan does find hits.
    expect(await countRowsContaining(t.testDb.db.kysely, nonHits)).toBe(0);
    expect(await countRowsContaining(t.testDb.db.kysely, ['粤BD12345'])).toBeGreaterThan(0);
    // Nor in an event.
    expect(JSON.stringify(events)).not.toMatch(/琼A7Q3K9|藏B12345F|新AD8P123/);
  });

  it('refuses a batch whose reads break the text rule anywhere, naming each field, and counts none of it', async () => {
    const li = await as('commander.li');
    const before = await volumes(li);
    // Past the first slices the reads are checked in (500 at a time, between turns of the loop).
    const reads: unknown[] = Array.from({ length: 1_200 }, () => read('琼A7Q3K9'));
    reads[3] = read('粤B1234\u0007');
    reads[1_100] = read('粤B12345', { direction: 'in\u0000' });
    reads[1_150] = read('粤B12345', { 'bad\ud800key': 1 });
    const r = await postReads(camG15, reads);
    expect(r.statusCode, r.body).toBe(400);
    const errors = (r.json().errors as { field: string; rule: string }[]).map((e) => [e.field, e.rule]);
    expect(errors).toEqual([
      ['reads.3.plate', 'control_character'],
      ['reads.1100.direction', 'control_character'],
      ['reads.1150.bad\ud800key', 'lone_surrogate'],
    ]);
    // The body's own fields too.
    const extra = await asDevice(t, camG15, {
      method: 'POST',
      url: '/api/perimeter/reads',
      payload: { reads: [read('琼A7Q3K9')], 'x\u0001': 1 },
    });
    expect(extra.statusCode, extra.body).toBe(400);
    expect(extra.json().errors.map((e: { rule: string }) => e.rule)).toEqual(['control_character']);
    expect((await volumes(li)).reads).toBe(before.reads);
    // A clean batch of the same size is taken whole.
    const clean = await postReads(
      camG15,
      Array.from({ length: 1_200 }, () => read('琼A7Q3K9')),
    );
    expect(clean.statusCode, clean.body).toBe(200);
    expect(clean.json().accepted).toBe(1_200);
  });

  it('reports volumes, hits and actions taken per checkpoint as JSON and .xlsx', async () => {
    const li = await as('commander.li');
    const wang = await as('commander.wang');
    const day = new Date(t.ctx.now().getTime() + 8 * 3600_000).toISOString().slice(0, 10);
    const report = async () =>
      (await t.as(li, { method: 'GET', url: `/api/perimeter/reports?period=day&date=${day}` })).json();
    const before = await report();
    const entry = await createEntry(li, { kind: 'plate', value: '粤B7R5K2', category: 'vehicle_in_crime' });
    expect((await approve(wang, entry.json().id)).statusCode).toBe(200);
    // A patrol car near the checkpoint: the hit alert names it as the unit to send.
    const unit = await t.ctx.dispatch.createUnit({ callSign: '检查站巡01', kind: 'patrol_car' });
    await t.ctx.dispatch.ingestPositions(
      [{ unitId: unit.id, at: nowIso(), lon: 114.2007, lat: 22.6806 }],
      await t.ctx.places.city(undefined),
    );
    await postReads(camG15, [read('粤B7R5K2'), read('粤A11111'), read('粤A22222'), read('not a plate')]);
    const alert = events.findLast(
      (e) => e.type === 'perimeter.hotlist_hit' && e.payload.value === '粤B7R5K2',
    );
    expect(alert?.type === 'perimeter.hotlist_hit' && alert.payload.nearestUnits[0]?.callSign).toBe(
      '检查站巡01',
    );
    const hits = (await t.as(li, { method: 'GET', url: '/api/perimeter/hits?checkpointId=CP-G15-N' })).json()
      .items as { id: string; value: string }[];
    const hit = hits.find((h) => h.value === '粤B7R5K2')!;
    const acted = await t.as(li, {
      method: 'POST',
      url: `/api/perimeter/hits/${hit.id}/action`,
      payload: { action: '拦停核查，移交刑警' },
    });
    expect(acted.statusCode).toBe(204);
    const listed = (
      await t.as(li, { method: 'GET', url: '/api/perimeter/hits?checkpointId=CP-G15-N' })
    ).json().items;
    expect(listed.find((h: { id: string }) => h.id === hit.id).actionTaken).toBe('拦停核查，移交刑警');
    const after = await report();
    expect(after.title).toBe('卡口日报告');
    expect(after.totals.reads - before.totals.reads).toBe(3);
    expect(after.totals.hits - before.totals.hits).toBe(1);
    expect(after.totals.invalid - before.totals.invalid).toBe(1);
    expect(after.totals.actionsTaken - before.totals.actionsTaken).toBe(1);
    const row = after.checkpoints.find((c: { checkpointId: string }) => c.checkpointId === 'CP-G15-N');
    expect(row.name).toBe('CP-G15-N 公安检查站');

    const xlsx = await t.as(li, {
      method: 'GET',
      url: `/api/perimeter/reports?period=week&date=${day}&format=xlsx`,
    });
    expect(xlsx.headers['content-type']).toMatch(/spreadsheetml/);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const sheet = book.getWorksheet('卡口汇总')!;
    expect(String(sheet.getCell('A1').value)).toMatch(/^卡口周通报/);
    expect(sheet.getRow(2).values).toContain('比中');
    const bad = await t.as(li, { method: 'GET', url: '/api/perimeter/reports?period=day&date=2026-02-30' });
    expect(bad.json().errors[0]).toMatchObject({ field: 'query.date', rule: 'invalid_date' });
  });

  it('accepts a read at a checkpoint created a moment ago; the change is announced to every node', async () => {
    const admin = await as('admin');
    const at = (checkpointId: string) => read('琼A7Q3K9', { checkpointId });
    // Unknown now (and the registry was just re-read because of it).
    expect(
      (await t.ctx.perimeter.plates.ingest([at('CP-NEW-1')], { userId: null, username: 'test' })).rejected,
    ).toEqual([{ index: 0, reason: 'unknown_checkpoint' }]);
    events.length = 0;
    const created = await t.as(admin, {
      method: 'POST',
      url: '/api/perimeter/checkpoints',
      payload: { id: 'CP-NEW-1', name: '新设卡口', kind: 'post', lon: 114.2105, lat: 22.6865 },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(events.filter((e) => e.type === 'perimeter.checkpoints_changed').map((e) => e.payload)).toEqual([
      { ringId: null },
    ]);
    // Staged with the checkpoint in its transaction (outbox); the same id again (409) stages nothing.
    const staged = async () =>
      (
        await t.testDb.db.kysely
          .selectFrom('event_outbox')
          .select('id')
          .where('type', '=', 'perimeter.checkpoints_changed')
          .execute()
      ).length;
    const stagedBefore = await staged();
    expect(stagedBefore).toBeGreaterThan(0);
    const again = await t.as(admin, {
      method: 'POST',
      url: '/api/perimeter/checkpoints',
      payload: { id: 'CP-NEW-1', name: '新设卡口', kind: 'post', lon: 114.2105, lat: 22.6865 },
    });
    expect(again.statusCode).toBe(409);
    expect(await staged()).toBe(stagedBefore);
    // At once, though the registry was re-read less than its refresh interval ago: its camera posts.
    const camera = await issueDevice(t, { checkpointId: 'CP-NEW-1' });
    expect((await postReads(camera.token, [at('CP-NEW-1')])).json()).toEqual({
      accepted: 1,
      hits: 0,
      invalid: 0,
      rejected: [],
    });
  });
});
