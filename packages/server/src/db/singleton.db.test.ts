import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../test/db.js';
import { type Db, openDatabase } from './database.js';
import { everyOnOneNode } from './singleton.js';

const onPostgres = process.env.CITYWATCH_TEST_DB === 'postgres';

describe(`jobs that run on one node (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestDb;
  const others: Db[] = [];
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    for (const db of others) await db.close();
    await t.drop();
  });

  // Each back end has its own tests (declared only where they apply, so nothing is counted as skipped).
  if (!onPostgres)
    it('the embedded database belongs to one process, which leads every job', async () => {
      expect(await t.db.tryLead('retention-purge')).toBe(true);
      expect(await t.db.tryLead('retention-purge')).toBe(true);
    });

  if (onPostgres)
    it('jobs asking at the same moment take turns on the one leader connection (no queued pg query)', async () => {
      // Its own node, closed at the end: the next test counts the leader sessions.
      const node = await openDatabase({ databaseUrl: t.url });
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(w.message);
      process.on('warning', onWarning);
      try {
        const names = Array.from({ length: 8 }, (_, i) => `concurrent-job-${i}`);
        expect(await Promise.all(names.map((n) => node.tryLead(n)))).toEqual(names.map(() => true));
        // Held ones are re-confirmed together too.
        expect(await Promise.all(names.map((n) => node.tryLead(n)))).toEqual(names.map(() => true));
        await new Promise((r) => setImmediate(r));
      } finally {
        process.off('warning', onWarning);
        await node.close();
      }
      expect(warnings.filter((m) => m.includes('already executing a query'))).toEqual([]);
    });

  if (onPostgres)
    it('two nodes on one database: one leads a job, the other takes over when the leader’s connection dies', async () => {
      const nodeB = await openDatabase({ databaseUrl: t.url });
      others.push(nodeB);
      expect(await t.db.tryLead('retention-purge')).toBe(true);
      expect(await nodeB.tryLead('retention-purge')).toBe(false);
      // Asking again keeps it (and does not stack locks that would outlive a release).
      expect(await t.db.tryLead('retention-purge')).toBe(true);
      // Another job is led independently.
      expect(await nodeB.tryLead('hotline-forwarder')).toBe(true);
      expect(await t.db.tryLead('hotline-forwarder')).toBe(false);

      // The leader's session is killed (as a crash or a failover would): the other node takes the job,
      // and the old leader, asking again, learns it no longer leads.
      const admin = new pg.Client({ connectionString: t.url });
      await admin.connect();
      const killed = await admin.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'citywatch-leader' and datname = current_database() and pid in (select pid from pg_locks where locktype = 'advisory' and granted) and pid <> pg_backend_pid()",
      );
      await admin.end();
      expect(killed.rowCount).toBe(2); // both nodes' leader sessions hold a lock
      expect(await nodeB.tryLead('retention-purge')).toBe(true);
      expect(await t.db.tryLead('retention-purge')).toBe(false);
      expect(await t.db.tryLead('hotline-forwarder')).toBe(true);
    });

  if (onPostgres)
    it('a job scheduled on three nodes runs on exactly one of them', async () => {
      const nodes = [t.db, ...(await Promise.all([1, 2].map(() => openDatabase({ databaseUrl: t.url }))))];
      others.push(...nodes.slice(1));
      const ranOn: number[] = [];
      const stops = nodes.map((db, i) =>
        everyOnOneNode(
          db,
          'scheduled-report',
          20,
          async () => {
            ranOn.push(i);
          },
          (error) => {
            throw error;
          },
        ),
      );
      // Until the job has run a few times (a loaded machine may take a while to connect three nodes).
      for (let waited = 0; ranOn.length < 5 && waited < 30_000; waited += 20)
        await new Promise((resolve) => setTimeout(resolve, 20));
      await Promise.all(stops.map((stop) => stop()));
      expect(ranOn.length).toBeGreaterThanOrEqual(5);
      expect(new Set(ranOn).size).toBe(1);
    });
});
