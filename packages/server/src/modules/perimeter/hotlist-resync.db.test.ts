import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppHandle, buildApp } from '../../app.js';
import { createInProcessBus } from '../../bus/index.js';
import { loadConfig } from '../../config.js';
import { seedIfEmpty } from '../../seed.js';
import { createTestDb, type TestDb } from '../../test/db.js';

/**
 * The periodic hotlist resync (issue 17): every node re-reads the matcher from the database every
 * CITYWATCH_HOTLIST_RESYNC_MIN minutes, so a change whose perimeter.hotlist_changed event this node
 * never got still takes effect. Here the change is written to the table directly (no event at all)
 * and the node's own timer, set to 0.6 s, picks it up: a revocation stops matching, a re-activation
 * matches again.
 */
const PASSWORD = 'correct-horse-battery';
const PLATE = '粤B12345';

async function until(what: string, check: () => boolean, limitMs = 30_000) {
  const giveUp = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > giveUp) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe(`hotlist resync from the database (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestDb;
  let handle: AppHandle;

  beforeAll(async () => {
    t = await createTestDb();
    const config = {
      ...loadConfig({
        CITYWATCH_DEMO: 'off',
        LOG_LEVEL: 'silent',
        LOG_FORMAT: 'json',
        CITYWATCH_LOGIN_FAILURES_PER_ADDRESS: '1000',
        CITYWATCH_HOTLIST_RESYNC_MIN: '0.01',
      } as NodeJS.ProcessEnv),
      webDist: '/nonexistent',
    };
    handle = await buildApp({ config, db: t.db, bus: createInProcessBus() });
    await seedIfEmpty(handle.ctx.identity, PASSWORD, () => {});
    await handle.app.ready();
    await handle.start({});
  });
  afterAll(async () => {
    await handle?.app.close();
    await t?.drop();
  });

  it('reads the interval from CITYWATCH_HOTLIST_RESYNC_MIN (default 5 minutes) and refuses nonsense', () => {
    expect(loadConfig({}).hotlistResyncMs).toBe(300_000);
    expect(loadConfig({ CITYWATCH_HOTLIST_RESYNC_MIN: '2' }).hotlistResyncMs).toBe(120_000);
    expect(() => loadConfig({ CITYWATCH_HOTLIST_RESYNC_MIN: '0' })).toThrow(/CITYWATCH_HOTLIST_RESYNC_MIN/);
    expect(() => loadConfig({ CITYWATCH_HOTLIST_RESYNC_MIN: 'soon' })).toThrow(
      /CITYWATCH_HOTLIST_RESYNC_MIN/,
    );
  });

  it('picks up a revocation and a re-activation written without an event', async () => {
    const { app, ctx } = handle;
    const login = async (username: string, password: string) => {
      const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
      expect(r.statusCode, r.body).toBe(200);
      return `cw_session=${r.cookies.find((c) => c.name === 'cw_session')?.value}`;
    };
    const admin = await login('admin', PASSWORD);
    const orgs = (await app.inject({ method: 'GET', url: '/api/orgs', headers: { cookie: admin } })).json()
      .items as { id: string; kind: string }[];
    const cityBureau = orgs.find((o) => o.kind === 'city_bureau')!.id;
    for (const username of ['commander.a', 'commander.b']) {
      const r = await app.inject({
        method: 'POST',
        url: '/api/users',
        headers: { cookie: admin },
        payload: {
          username,
          displayName: username,
          password: 'a-long-password',
          orgId: cityBureau,
          roles: ['commander'],
        },
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    const created = await app.inject({
      method: 'POST',
      url: '/api/perimeter/hotlist',
      headers: { cookie: await login('commander.a', 'a-long-password') },
      payload: {
        kind: 'plate',
        value: PLATE,
        category: 'stolen_vehicle',
        legalBasis: '公安机关办理刑事案件程序规定 第二百六十五条',
        expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    const approved = await app.inject({
      method: 'POST',
      url: `/api/perimeter/hotlist/${id}/approve`,
      headers: { cookie: await login('commander.b', 'a-long-password') },
    });
    expect(approved.statusCode, approved.body).toBe(200);

    const hotlist = ctx.perimeter.hotlist;
    const matches = () => hotlist.matcher.match(PLATE, Date.now(), Date.now()).map((e) => e.id);
    expect(matches()).toEqual([id]);

    // Revoked in the table by hand: no service call, no event; only the resync can see it.
    const db = t.db.kysely;
    let loads = hotlist.loads;
    await db
      .updateTable('hotlist_entries')
      .set({ status: 'revoked', revoked_at: new Date(), revoke_reason: 'written without an event' })
      .where('id', '=', id)
      .execute();
    await until('the revocation to be resynced', () => matches().length === 0);
    expect(hotlist.loads).toBeGreaterThan(loads);

    loads = hotlist.loads;
    await db
      .updateTable('hotlist_entries')
      .set({ status: 'active', revoked_at: null, revoke_reason: null })
      .where('id', '=', id)
      .execute();
    await until('the re-activation to be resynced', () => matches().length === 1);
    expect(matches()).toEqual([id]);
    expect(hotlist.loads).toBeGreaterThan(loads);
  });
});
