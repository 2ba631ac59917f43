import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { verifyAuditChain } from '../identity/audit.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../test/app.js';
import { auditPersonalRead } from './auth.js';

/** The mechanism every personal-data route uses: no stated purpose, no data; every read leaves a row. */
describe(`personal-data reads (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp((app, ctx) => {
      app.get(
        '/api/test/caller/:id',
        { config: { permission: 'audit.read' }, schema: { params: z.object({ id: z.string() }) } },
        async (request) => {
          await auditPersonalRead(ctx, request, `caller:${request.params.id}`);
          return { phone: '13800138000' };
        },
      );
    });
  });
  afterAll(() => t.close());

  it('refuses without a purpose and audits the read with its purpose', async () => {
    const cookie = await t.login('admin', ADMIN_PASSWORD);
    const refused = await t.as(cookie, { method: 'GET', url: '/api/test/caller/7' });
    expect(refused.statusCode).toBe(428);
    expect(refused.json().errors[0]).toMatchObject({ field: 'X-Purpose', rule: 'required', message: '必填' });
    expect(refused.body).not.toContain('13800138000');

    const ok = await t.as(cookie, {
      method: 'GET',
      url: '/api/test/caller/7',
      headers: { 'x-purpose': encodeURIComponent('回访报警人') },
    });
    expect(ok.json().phone).toBe('13800138000');
    const row = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'personal_data_read')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ username: 'admin', resource: 'caller:7', purpose: '回访报警人' });
    expect((await verifyAuditChain(t.ctx.db.kysely)).ok).toBe(true);
  });
});
