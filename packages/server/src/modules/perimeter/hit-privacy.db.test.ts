import type { DomainEvent } from '@citywatch/core/events/events';
import { residentIdCheckCharacter } from '@citywatch/core/perimeter/resident-id';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { ensureBundledCity } from '../../demo.js';
import { verifyAuditChain } from '../../identity/audit.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';
import { asDevice, issueDevice } from '../../test/devices.js';
import { purgeExpiredHitValues } from './retention.js';

const DAY = 86_400_000;
const PLATE = '粤B7Q3K8';
const ID17 = '44030419900101123';
const PERSON_ID = ID17 + residentIdCheckCharacter(ID17);
const MASKED_ID = `440304********${PERSON_ID.slice(14)}`;

/**
 * Personal data on hits (issue 10, item 7): resident IDs masked in hit lists unless a purpose is
 * stated (and then audited), the audit chain naming hits and never holding a plate or ID read,
 * and the values removed after the retention period while the hits themselves stay.
 */
describe(`hits: masking, audit and retention (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let camera: string;
  const as = (username: string) =>
    t.login(username, username === 'admin' ? ADMIN_PASSWORD : 'a-long-password');
  const nowIso = (offsetMs = 0) => new Date(t.ctx.now().getTime() + offsetMs).toISOString();
  const auditText = async (where: 'all' | 'not_hotlist_change') => {
    let q = t.ctx.db.kysely
      .selectFrom('audit_log')
      .select(sql<string>`audit_log::text`.as('row'))
      .orderBy('seq');
    if (where === 'not_hotlist_change') q = q.where('action', '<>', 'hotlist_change');
    return (await q.execute()).map((r) => r.row);
  };
  const listHits = async (headers: Record<string, string> = {}) => {
    const r = await t.as(await as('commander.li'), { method: 'GET', url: '/api/perimeter/hits', headers });
    expect(r.statusCode, r.body).toBe(200);
    return r.json().items as { id: string; kind: string; value: string | null; actionTaken: string | null }[];
  };

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const orgs = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items as {
      id: string;
      kind: string;
    }[];
    const cityBureauId = orgs.find((o) => o.kind === 'city_bureau')!.id;
    for (const username of ['commander.li', 'commander.wang']) {
      const r = await t.as(admin, {
        method: 'POST',
        url: '/api/users',
        payload: {
          username,
          displayName: username,
          password: 'a-long-password',
          orgId: cityBureauId,
          roles: ['commander'],
        },
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    const cp = await t.as(admin, {
      method: 'POST',
      url: '/api/perimeter/checkpoints',
      payload: {
        id: 'CP-PRIV',
        name: '隐私检查站',
        kind: 'station',
        orgId: cityBureauId,
        lon: 114.2005,
        lat: 22.6805,
      },
    });
    expect(cp.statusCode, cp.body).toBe(201);
    camera = (await issueDevice(t, { checkpointId: 'CP-PRIV' })).token;
    const li = await as('commander.li');
    const wang = await as('commander.wang');
    for (const payload of [
      { kind: 'plate', value: PLATE, category: 'stolen_vehicle' },
      {
        kind: 'resident_id',
        value: PERSON_ID,
        category: 'wanted_person',
        warrantRef: '深公(龙)捕字〔2026〕7号',
      },
    ]) {
      const created = await t.as(li, {
        method: 'POST',
        url: '/api/perimeter/hotlist',
        payload: { legalBasis: '刑事诉讼法 第一百五十三条', expiresAt: nowIso(7 * DAY), ...payload },
      });
      expect(created.statusCode, created.body).toBe(201);
      const approved = await t.as(wang, {
        method: 'POST',
        url: `/api/perimeter/hotlist/${created.json().id}/approve`,
      });
      expect(approved.statusCode, approved.body).toBe(200);
    }
    const reads = await asDevice(t, camera, {
      method: 'POST',
      url: '/api/perimeter/reads',
      payload: {
        reads: [
          { plate: PLATE, at: nowIso(-1000), direction: 'in', confidence: 0.95 },
          { residentId: PERSON_ID, at: nowIso(-1000), direction: 'out' },
        ],
      },
    });
    expect(reads.json()).toMatchObject({ accepted: 2, hits: 2 });
  });
  afterAll(() => t.close());

  it('masks resident IDs in the hit list unless a purpose is stated, and audits the unmasked read', async () => {
    const masked = await listHits();
    expect(masked.map((h) => [h.kind, h.value]).sort()).toEqual([
      ['plate', PLATE],
      ['resident_id', MASKED_ID],
    ]);
    const readsBefore = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select('seq')
      .where('action', '=', 'personal_data_read')
      .execute();
    expect(readsBefore).toHaveLength(0);

    const full = await listHits({ 'x-purpose': encodeURIComponent('核查在逃人员身份') });
    expect(full.find((h) => h.kind === 'resident_id')?.value).toBe(PERSON_ID);
    const personalReads = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select(['resource', 'purpose', 'username'])
      .where('action', '=', 'personal_data_read')
      .execute();
    expect(personalReads).toEqual([
      { resource: 'GET /api/perimeter/hits', purpose: '核查在逃人员身份', username: 'commander.li' },
    ]);

    // A purpose that is no purpose is refused, nothing revealed.
    const refused = await t.as(await as('commander.li'), {
      method: 'GET',
      url: '/api/perimeter/hits',
      headers: { 'x-purpose': ' ' },
    });
    expect(refused.statusCode).toBe(428);
    expect(refused.json().errors[0]).toMatchObject({ field: 'X-Purpose', rule: 'required' });
    expect(refused.body).not.toContain(PERSON_ID);
  });

  it('names hits in the audit chain (hit:<id>) and never writes the plate or ID read there', async () => {
    const hits = await listHits();
    const acted = await t.as(await as('commander.li'), {
      method: 'POST',
      url: `/api/perimeter/hits/${hits[0].id}/action`,
      payload: { action: '拦停核查，移交刑侦' },
    });
    expect(acted.statusCode, acted.body).toBe(204);
    const hitAuditRows = () =>
      t.ctx.db.kysely
        .selectFrom('audit_log')
        .select(['action', 'resource'])
        .where('resource', 'like', 'hit:%')
        .orderBy('seq')
        .execute();
    // A write's audit row is recorded once the response has gone.
    await expect.poll(async () => (await hitAuditRows()).length).toBe(3);
    const hitRows = await hitAuditRows();
    expect(hitRows.map((r) => r.resource).sort()).toEqual(
      [...hits.map((h) => `hit:${h.id}`), `hit:${hits[0].id}`].sort(),
    );
    expect(hitRows.filter((r) => r.action === 'hotlist_hit')).toHaveLength(2);
    // Only the hotlist entry's own audit rows name what is wanted (the plate; the ID masked);
    // no row about a hit, a read or a personal-data read holds a value read at a checkpoint.
    for (const row of await auditText('not_hotlist_change')) {
      expect(row).not.toContain(PLATE);
      expect(row).not.toContain(PERSON_ID);
      expect(row).not.toContain(MASKED_ID);
    }
    for (const row of await auditText('all')) expect(row).not.toContain(PERSON_ID);
  });

  it('removes the plate and ID of hits past the retention period; the hits stay, and the purge is audited', async () => {
    expect(loadConfig({}).retentionHitDays).toBe(90);
    expect(loadConfig({ CITYWATCH_RETENTION_HIT_DAYS: '30' }).retentionHitDays).toBe(30);

    t.advance(89 * DAY);
    expect(await purgeExpiredHitValues(t.ctx.db.kysely, 90, t.ctx.now())).toEqual({ hitValues: 0 });
    expect((await listHits()).map((h) => h.value).sort()).toEqual([PLATE, MASKED_ID].sort());

    t.advance(2 * DAY);
    expect(await purgeExpiredHitValues(t.ctx.db.kysely, 90, t.ctx.now())).toEqual({ hitValues: 2 });
    const rows = await t.ctx.db.kysely
      .selectFrom('hotlist_hits')
      .select(['plate_or_id', 'value_purged_at', 'action_taken'])
      .execute();
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.plate_or_id === null && r.value_purged_at !== null)).toBe(true);
    expect(rows.filter((r) => r.action_taken !== null)).toHaveLength(1);
    const hitsText = await t.ctx.db.kysely
      .selectFrom('hotlist_hits')
      .select(sql<string>`hotlist_hits::text`.as('row'))
      .execute();
    for (const { row } of hitsText) {
      expect(row).not.toContain(PLATE);
      expect(row).not.toContain(PERSON_ID);
    }
    // Even with a purpose, nothing is left to reveal.
    const listed = await listHits({ 'x-purpose': encodeURIComponent('复核历史比中') });
    expect(listed.map((h) => h.value)).toEqual([null, null]);

    const purge = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select('detail')
      .where('resource', '=', 'retention_purge')
      .execute();
    expect(purge.map((p) => p.detail)).toEqual([expect.objectContaining({ hitValues: 2 })]);
    expect(await purgeExpiredHitValues(t.ctx.db.kysely, 90, t.ctx.now())).toEqual({ hitValues: 0 });
    expect((await verifyAuditChain(t.ctx.db.kysely)).ok).toBe(true);
  });

  it("alerts the station that asked for an entry of a hit at another org's checkpoint", async () => {
    const events: DomainEvent[] = [];
    const unsubscribe = t.ctx.bus.subscribe((e) => {
      events.push(e);
    });
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const orgs = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items as {
      id: string;
      name: string;
      kind: string;
    }[];
    const station = orgs.find((o) => o.name === '龙城派出所')!.id;
    const city = orgs.find((o) => o.kind === 'city_bureau')!.id;
    for (const username of ['commander.lc1', 'commander.lc2']) {
      const r = await t.as(admin, {
        method: 'POST',
        url: '/api/users',
        payload: {
          username,
          displayName: username,
          password: 'a-long-password',
          orgId: station,
          roles: ['commander'],
        },
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    const created = await t.as(await as('commander.lc1'), {
      method: 'POST',
      url: '/api/perimeter/hotlist',
      payload: {
        kind: 'plate',
        value: '粤B5K7Q2',
        category: 'vehicle_in_crime',
        legalBasis: '刑事诉讼法 第一百五十三条',
        expiresAt: nowIso(7 * DAY),
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const approved = await t.as(await as('commander.lc2'), {
      method: 'POST',
      url: `/api/perimeter/hotlist/${created.json().id}/approve`,
    });
    expect(approved.statusCode, approved.body).toBe(200);
    // The checkpoint (CP-PRIV) is the city bureau's; the entry is 龙城派出所's.
    const reads = await asDevice(t, camera, {
      method: 'POST',
      url: '/api/perimeter/reads',
      payload: { reads: [{ plate: '粤B5K7Q2', at: nowIso(-1000), direction: 'out' }] },
    });
    expect(reads.json()).toMatchObject({ hits: 1 });
    unsubscribe();
    const alerts = events.filter((e) => e.type === 'perimeter.hotlist_hit');
    expect(alerts.map((e) => e.orgId).sort()).toEqual([city, station].sort());
    expect(new Set(alerts.map((e) => (e.payload as { hitId: string }).hitId)).size).toBe(1);
  });
});
