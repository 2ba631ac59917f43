import { type CompiledQuery, sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../identity/service.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';

/**
 * Devices authenticating and re-checked together cost a few statements, not one or two each: the
 * token look-ups, last-seen writes and active-state reads of many devices are batched (the embedded
 * broker with a thousand devices connected re-checks each every few seconds). The answers and the
 * revocation rule stay as they were.
 */
describe(`device authentication batched (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  const N = 300;
  const token = (i: number) => `cwd_batch-test-token-${i.toString().padStart(4, '0')}`;
  const ids: string[] = [];
  /** Statements that read or write the devices table, as the service sends them. */
  let deviceStatements = 0;

  beforeAll(async () => {
    t = await createTestApp();
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const orgId = Object.values(await t.orgIds(admin))[0];
    for (let i = 0; i < N; i++) ids.push(uuidv7());
    const created = t.ctx.now().toISOString();
    await sql`
      insert into devices (id, name, kind, org_id, token_hash, created_at)
      select id, 'batch test ' || n, 'sensor', ${orgId}, hash, ${created}::timestamptz
        from unnest(${ids}::uuid[], ${ids.map((_, i) => hashToken(token(i)))}::text[], ${ids.map((_, i) => String(i))}::text[])
          as v(id, hash, n)`.execute(t.ctx.db.kysely);
    const executor = t.ctx.db.kysely.getExecutor();
    const execute = executor.executeQuery.bind(executor);
    executor.executeQuery = <R>(query: CompiledQuery<R>) => {
      if (/\bdevices\b/.test(query.sql) && !/sensor_devices/.test(query.sql)) deviceStatements++;
      return execute(query);
    };
  }, 300_000);
  afterAll(() => t.close());

  const counted = async <T>(work: () => Promise<T>) => {
    const before = deviceStatements;
    const result = await work();
    return { result, statements: deviceStatements - before };
  };

  it('authenticates many devices at once with a few statements, each last-seen written at its time', async () => {
    const devices = t.ctx.devices;
    const { result, statements } = await counted(() =>
      Promise.all([
        ...ids.map((_, i) => devices.authenticate(token(i))),
        devices.authenticate('cwd_batch-test-token-unknown'),
      ]),
    );
    expect(result.slice(0, N).map((p) => p?.deviceId)).toEqual(ids);
    expect(result[N]).toBeNull();
    // One token read and one last-seen write per batch (was 2 × 300).
    expect(statements).toBeLessThanOrEqual(6);
    const seen = await t.ctx.db.kysely
      .selectFrom('devices')
      .select(['id', 'last_seen_at'])
      .where('id', 'in', ids)
      .execute();
    expect(seen).toHaveLength(N);
    for (const row of seen) expect(new Date(row.last_seen_at!).toISOString()).toBe(t.ctx.now().toISOString());
  });

  it('re-checks connected devices together; answers from memory without a promise; sees a revocation', async () => {
    const devices = t.ctx.devices;
    const first = await counted(() => Promise.all(ids.map((id) => devices.isActive(id))));
    expect(first.result.every((a) => a === true)).toBe(true);
    expect(first.statements).toBeLessThanOrEqual(3);
    // Remembered: a plain boolean, the broker's publish goes on in the same turn.
    expect(devices.isActive(ids[0])).toBe(true);

    // Revoked in the table behind the cache's back (as on another node).
    const revoked = [ids[7], ids[250]];
    await t.ctx.db.kysely
      .updateTable('devices')
      .set({ revoked_at: t.ctx.now() })
      .where('id', 'in', revoked)
      .execute();
    // Past half the entries' life: still answered from memory, all read again in the background.
    t.advance(3_000);
    const before = deviceStatements;
    const answers = ids.map((id) => devices.isActive(id));
    expect(answers.every((a) => a === true)).toBe(true);
    // Wait (bounded) for the background read to land: its answer replaces the remembered one.
    for (let i = 0; i < 3_000 && devices.isActive(revoked[1]) === true; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const background = deviceStatements - before;
    expect(background).toBeGreaterThanOrEqual(1);
    expect(background).toBeLessThanOrEqual(3);
    // The background read saw the revocations: refused before the old entries' time was up.
    const after = ids.map((id) => devices.isActive(id));
    expect(after.every((a) => typeof a === 'boolean')).toBe(true);
    expect(ids.filter((_, i) => after[i] === false)).toEqual(revoked);

    // Past the entries' time: read again (together) before answering.
    t.advance(6_000);
    const expired = await counted(() => Promise.all(ids.map((id) => devices.isActive(id))));
    expect(ids.filter((_, i) => expired.result[i] === false)).toEqual(revoked);
    expect(expired.statements).toBeLessThanOrEqual(3);
  });
});
