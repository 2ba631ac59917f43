import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../test/app.js';
import { recordAudit, verifyAuditChain } from './audit.js';

const NFC = 'Jos\u00e9 张三';
const NFD = 'Jose\u0301 张三';
/** Text no request can carry any more, reaching the chain from elsewhere (a job, an import). */
const HOSTILE = ['lone \ud800 surrogate', 'trailing \udc00', 'nul \u0000 inside', NFC, NFD];

describe(`an audit chain nobody can break from outside (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('refuses a login whose username holds a lone surrogate or a NUL, and the chain stays intact', async () => {
    for (const username of ['\ud800', 'ad\u0000min', 'x\udfff']) {
      const r = await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username, password: 'x' },
      });
      expect(r.statusCode, username).toBe(400);
      expect(r.json().errors[0]).toMatchObject({ field: 'username' });
      expect(['control_character', 'lone_surrogate']).toContain(r.json().errors[0].rule);
    }
    const v = await verifyAuditChain(t.ctx.db.kysely);
    expect(v.problems).toEqual([]);
  });

  it('signs in the same account whether the name is typed composed or decomposed (NFC at the edge)', async () => {
    const cookie = await t.login('admin', ADMIN_PASSWORD);
    const orgId = (await t.as(cookie, { method: 'GET', url: '/api/orgs' })).json().items[0].id;
    const created = await t.as(cookie, {
      method: 'POST',
      url: '/api/users',
      payload: { username: 'jose', displayName: NFD, password: 'a-long-password', orgId, roles: ['auditor'] },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().displayName).toBe(NFC);
  });

  it('hashes exactly what is stored: surrogates, NUL, NFC and NFD in every audited text field', async () => {
    for (const text of HOSTILE) {
      await recordAudit(
        t.ctx.db.kysely,
        {
          userId: null,
          username: text,
          action: 'login_failed',
          resource: text,
          purpose: text,
          detail: { text, [text]: [text, { nested: text }] },
        },
        t.ctx.now(),
      );
    }
    const v = await verifyAuditChain(t.ctx.db.kysely);
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    // NFC and NFD stay as typed (the chain records, it does not rewrite); the unstorable become U+FFFD.
    const rows = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select(['username', 'purpose'])
      .where('action', '=', 'login_failed')
      .orderBy('seq', 'desc')
      .limit(HOSTILE.length)
      .execute();
    const names = rows.map((r) => r.username).reverse();
    expect(names).toEqual(['lone \ufffd surrogate', 'trailing \ufffd', 'nul \ufffd inside', NFC, NFD]);
  });

  it('chains rows appended at once by many transactions: one seq each, each linked to the one before', async () => {
    const before = await verifyAuditChain(t.ctx.db.kysely);
    // On PostgreSQL these run on up to ten pooled connections at once and queue on the audit lock;
    // each append must see the row its predecessor committed (seq and hash are taken in SQL).
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        recordAudit(
          t.ctx.db.kysely,
          {
            userId: null,
            username: `concurrent ${i}`,
            action: 'login_failed',
            resource: `concurrent:${i}`,
            detail: { i, text: '并发 写入' },
          },
          t.ctx.now(),
        ),
      ),
    );
    const v = await verifyAuditChain(t.ctx.db.kysely);
    expect(v.problems).toEqual([]);
    expect(v.checked).toBe(before.checked + 30);
    const rows = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select(['seq', 'resource'])
      .where('resource', 'like', 'concurrent:%')
      .orderBy('seq')
      .execute();
    expect(rows.map((r) => Number(r.seq))).toEqual(
      Array.from({ length: 30 }, (_, i) => before.checked + 1 + i),
    );
    expect(new Set(rows.map((r) => r.resource)).size).toBe(30);
  });

  it('reports every bad row with its kind, not only the first', async () => {
    const last = Number(
      (
        await t.ctx.db.kysely
          .selectFrom('audit_log')
          .select((eb) => eb.fn.max('seq').as('m'))
          .executeTakeFirstOrThrow()
      ).m,
    );
    await t.ctx.db.execScript(`
      alter table audit_log disable trigger all;
      update audit_log set purpose = 'edited' where seq = 2;
      delete from audit_log where seq = 4;
      update audit_log set prev_hash = (select hash from audit_log where seq = 1) where seq = ${last};
      alter table audit_log enable trigger all;`);
    const v = await verifyAuditChain(t.ctx.db.kysely);
    expect(v.ok).toBe(false);
    expect(v.problems.map((p) => [p.seq, p.kind])).toEqual([
      [2, 'altered'],
      [4, 'missing'],
      [last, 'reordered'],
      [last, 'altered'],
    ]);
  });
});
