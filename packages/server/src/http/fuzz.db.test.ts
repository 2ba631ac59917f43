import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../identity/audit.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../test/app.js';

/** Throws generated bad requests at every route; none may produce a 5xx or a broken audit chain. */
describe(`bad input never yields a 5xx (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.login('admin', ADMIN_PASSWORD);
  });
  afterAll(() => t.close());

  it('answers 1,000 generated bad requests with 4xx problem+json', async () => {
    // Logout would end the admin session the generator relies on.
    const routes = t.ctx.routes.filter(
      (r) => r.method !== 'HEAD' && r.url !== '/api/live' && r.url !== '/api/auth/logout',
    );
    const jsonish = fc.oneof(
      fc.anything().map((v) => JSON.stringify(v) ?? 'null'),
      fc.string(),
      fc.constantFrom('{', '{"username":', '[1,2', 'null', '{"a":1}}', '\u0000', '{"__proto__":{"x":1}}'),
      fc
        .record({ username: fc.anything(), password: fc.anything(), extra: fc.anything() })
        .map((v) => JSON.stringify(v)),
      fc
        .record(
          {
            username: fc.string(),
            displayName: fc.string(),
            password: fc.string(),
            orgId: fc.string(),
            roles: fc.array(fc.string()),
          },
          { requiredKeys: [] },
        )
        .map((v) => JSON.stringify(v)),
    );
    const request = fc.record({
      route: fc.constantFrom(...routes),
      idPart: fc.oneof(fc.uuid(), fc.string({ maxLength: 40 }), fc.constantFrom('%', '..', '%E0%A4%A', '0')),
      query: fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 30 }), { maxKeys: 4 }),
      body: jsonish,
      contentType: fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'text/plain',
        'application/xml',
        '',
      ),
      withSession: fc.boolean(),
      lang: fc.constantFrom('zh-CN', 'en', 'fr;q=0.1', '', 'xx'),
    });
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const url = r.route.url.replace(':id', encodeURIComponent(r.idPart));
        const headers: Record<string, string> = { 'accept-language': r.lang };
        if (r.contentType) headers['content-type'] = r.contentType;
        if (r.withSession) headers.cookie = admin;
        const res = await t.app.inject({
          method: r.route.method as 'POST',
          url,
          query: r.query,
          headers,
          payload: r.route.method === 'GET' ? undefined : r.body,
        });
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        expect(res.statusCode, `${r.route.method} ${url} → ${res.body}`).toBeLessThan(500);
        // Open311 GeoReport v2 answers errors in its own format ([{code, description}]), as its clients expect.
        if (res.statusCode >= 400 && r.route.url.startsWith('/open311/')) {
          expect(res.headers['content-type']).toMatch(/^application\/json/);
          expect(Array.isArray(res.json()), res.body).toBe(true);
          expect(res.json()[0]).toMatchObject({ code: res.statusCode, description: expect.any(String) });
        } else if (res.statusCode >= 400) {
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        }
      }),
      { numRuns: 1000 },
    );
    // The generator must actually reach validation, not only the authentication wall.
    expect(statuses.get(400) ?? 0).toBeGreaterThan(100);
    expect(statuses.get(401) ?? 0).toBeGreaterThan(100);
    expect((await verifyAuditChain(t.ctx.db.kysely)).ok).toBe(true);
  });

  it('limits the body size with 413', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ username: 'a'.repeat(2_000_000), password: 'x' }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().type).toBe('/problems/payload-too-large');
  });
});
