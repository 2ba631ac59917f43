import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../identity/service.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';
import { CACHE_MAX } from './service.js';

/**
 * The token cache is an LRU: past its limit the least recently used token goes, not the whole
 * cache, so a device that keeps speaking stays answered from memory while many others pass.
 */
describe(`device token cache (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  const COLD = CACHE_MAX + 500;
  const token = (i: number) => `cwd_cache-test-token-${i.toString().padStart(6, '0')}`;
  const ids: string[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const orgId = Object.values(await t.orgIds(admin))[0];
    // Device 0 is the hot one; 1..COLD are the cold ones (registered sensors, in one statement).
    for (let i = 0; i <= COLD; i++) ids.push(uuidv7());
    const now = t.ctx.now().toISOString();
    await sql`
      insert into devices (id, name, kind, org_id, token_hash, created_at)
      select id, 'cache test ' || n, 'sensor', ${orgId}, hash, ${now}::timestamptz
        from unnest(${ids}::uuid[], ${ids.map((_, i) => hashToken(token(i)))}::text[], ${ids.map((_, i) => String(i))}::text[])
          as v(id, hash, n)`.execute(t.ctx.db.kysely);
  }, 300_000);
  afterAll(() => t.close());

  it('keeps a hot token cached while more than the limit of others pass; the oldest cold one is evicted', async () => {
    const devices = t.ctx.devices;
    expect((await devices.authenticate(token(0)))?.deviceId).toBe(ids[0]);
    for (let i = 1; i <= COLD; i++) {
      expect((await devices.authenticate(token(i)))?.deviceId).toBe(ids[i]);
      // The hot device speaks every 2,000 others, the last time well before the limit is passed.
      if (i % 2000 === 0 && i <= 8000) expect((await devices.authenticate(token(0)))?.deviceId).toBe(ids[0]);
    }
    // Revoked in the table behind the cache's back (no forget on this node; the clock has not moved):
    // a cached token is still answered from memory, an evicted one is read again and refused.
    await t.ctx.db.kysely
      .updateTable('devices')
      .set({ revoked_at: t.ctx.now() })
      .where('id', 'in', [ids[0], ids[1], ids[COLD]])
      .execute();
    expect((await devices.authenticate(token(0)))?.deviceId).toBe(ids[0]);
    expect((await devices.authenticate(token(COLD)))?.deviceId).toBe(ids[COLD]);
    expect(await devices.authenticate(token(1))).toBeNull();
  }, 600_000);
});
