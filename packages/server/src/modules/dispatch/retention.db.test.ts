import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { verifyAuditChain } from '../../identity/audit.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';
import { purgeExpiredPersonalData } from './retention.js';

describe(`retention purge (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
  });
  afterAll(() => t.close());

  it("removes callers' numbers and AVL history past retention, keeps the rest, and audits the purge", async () => {
    let cookie = await t.login('admin', ADMIN_PASSWORD);
    const unit = await t.ctx.dispatch.createUnit({ callSign: 'RET01', kind: 'patrol_car' });
    const city = await t.ctx.places.city(undefined);
    const call = (phone: string) =>
      t.as(cookie, {
        method: 'POST',
        url: '/api/dispatch/incidents',
        payload: {
          category: 'dispute',
          subcategory: 'neighbour',
          priority: 'P3',
          lon: 114.2075,
          lat: 22.6915,
          callerPhone: phone,
          narrative: '邻里纠纷',
        },
      });
    const old = (await call('13800000001')).json().incident.id;
    await t.ctx.dispatch.ingestPositions(
      [{ unitId: unit.id, at: t.ctx.now().toISOString(), lon: 114.2005, lat: 22.6805 }],
      city,
    );
    t.advance(100 * 86_400_000);
    cookie = await t.login('admin', ADMIN_PASSWORD); // a session lasts 12 hours at most
    const recent = (await call('13800000002')).json().incident.id;
    await t.ctx.dispatch.ingestPositions(
      [{ unitId: unit.id, at: t.ctx.now().toISOString(), lon: 114.2006, lat: 22.6805 }],
      city,
    );

    const report = await purgeExpiredPersonalData(
      t.ctx.db.kysely,
      { callerDays: 90, avlDays: 90 },
      t.ctx.now(),
    );
    expect(report).toMatchObject({ callerNumbers: 1, avlPositions: 1 });
    // The fix of 100 days ago went with its whole month (AVL history is partitioned by month).
    expect(report.avlPartitionsDropped).toContain('unit_positions_p2026_11');
    const phones = await t.ctx.db.kysely
      .selectFrom('incidents')
      .select(['id', 'caller_phone'])
      .where('id', 'in', [old, recent])
      .execute();
    expect(Object.fromEntries(phones.map((p) => [p.id, p.caller_phone]))).toEqual({
      [old]: null,
      [recent]: '13800000002',
    });
    expect(
      await t.ctx.db.kysely
        .selectFrom('unit_positions')
        .select('at')
        .where('unit_id', '=', unit.id)
        .execute(),
    ).toHaveLength(1);
    const audit = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select(['resource', 'detail'])
      .where('resource', '=', 'retention_purge')
      .executeTakeFirstOrThrow();
    expect(audit.detail).toMatchObject({ callerNumbers: 1, avlPositions: 1 });
    expect((await verifyAuditChain(t.ctx.db.kysely)).ok).toBe(true);
    expect(
      await purgeExpiredPersonalData(t.ctx.db.kysely, { callerDays: 90, avlDays: 90 }, t.ctx.now()),
    ).toEqual({ callerNumbers: 0, avlPositions: 0, avlPartitionsDropped: [] });
  });
});
