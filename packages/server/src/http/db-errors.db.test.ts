import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../test/app.js';

/** The net under the services: a constraint the database enforces answers 4xx, never 500. */
describe(`database refusals become client errors (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let cookie: string;
  beforeAll(async () => {
    t = await createTestApp((app, ctx) => {
      const body = z.object({ username: z.string(), orgId: z.string() });
      // Deliberately unchecked writes, as a service that forgot to check would do them.
      app.post(
        '/api/test/raw-user',
        { config: { permission: 'users.write' }, schema: { body } },
        async (request) => {
          await sql`insert into users (id, username, display_name, password_hash, org_id, roles)
          values (gen_random_uuid(), ${request.body.username}, 'x', 'x', ${request.body.orgId}::uuid, '{}')`.execute(
            ctx.db.kysely,
          );
          return { ok: true };
        },
      );
      app.get('/api/test/fault', { config: { permission: 'users.read' } }, async () => {
        throw new Error('a fault of the server itself');
      });
    });
    cookie = await t.login('admin', ADMIN_PASSWORD);
  });
  afterAll(() => t.close());

  const post = (payload: object) => t.as(cookie, { method: 'POST', url: '/api/test/raw-user', payload });

  it('answers a foreign key to nothing with 422 naming the field', async () => {
    const r = await post({ username: 'ghost', orgId: '0190a000-0000-7000-8000-000000000000' });
    expect(r.statusCode, r.body).toBe(422);
    expect(r.json().errors[0]).toMatchObject({ field: 'orgId', rule: 'reference' });
    expect(r.json().detail).toContain('users_org_id_fkey');
  });

  it('answers a duplicate with 409 and a malformed id with 400', async () => {
    const orgId = (await t.as(cookie, { method: 'GET', url: '/api/orgs' })).json().items[0].id;
    const dup = await post({ username: 'admin', orgId });
    expect(dup.statusCode, dup.body).toBe(409);
    expect(dup.json().errors[0]).toMatchObject({ rule: 'unique' });
    const bad = await post({ username: 'someone', orgId: 'not-a-uuid' });
    expect(bad.statusCode, bad.body).toBe(400);
  });

  it('leaves 500 for faults of the server, with a request id to quote', async () => {
    const r = await t.as(cookie, { method: 'GET', url: '/api/test/fault' });
    expect(r.statusCode).toBe(500);
    const id = r.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.json().detail).toContain(String(id));
  });
});
