/**
 * Jobs that must run on one node at a time (retention purges, the 12345 forwarder, escalation
 * scans, scheduled reports) when several API nodes share one PostgreSQL database.
 *
 * Leadership is a session-level advisory lock per job, held on one dedicated connection per
 * process (outside the query pool, whose connections come and go). PostgreSQL releases a session
 * lock when its connection ends, so a node that dies, or loses its connection, hands the job over:
 * the next node to ask takes it. No lease table, clocks or heartbeats of our own: the database
 * already knows which sessions are alive.
 *
 * The embedded database (PGlite) belongs to one process, which therefore always leads.
 */
import pg from 'pg';

/** PGlite: one process owns the database, so it runs every job. */
export const everyNodeLeads = async (_name: string): Promise<boolean> => true;

/** Stable 64-bit lock key per job name (namespaced so other advisory-lock users cannot collide). */
const LOCK_KEY_SQL = "select pg_try_advisory_lock(hashtextextended('citywatch.job:' || $1, 0)) as ok";

export interface Leadership {
  tryLead(name: string): Promise<boolean>;
  close(): Promise<void>;
}

export function postgresLeadership(databaseUrl: string): Leadership {
  let client: pg.Client | null = null;
  let connecting: Promise<pg.Client> | null = null;
  /** Jobs whose lock this process holds on `client` (session locks stack, so ask only once). */
  const held = new Set<string>();
  let closed = false;
  // Jobs ask at the same moment; one connection runs one query at a time. pg 8 queued the second
  // query itself (deprecated: pg 9 refuses it), so the asks take turns here instead.
  let turn: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(work: () => Promise<T>): Promise<T> => {
    const result = turn.then(work, work);
    turn = result.catch(() => {});
    return result;
  };

  const forget = (c: pg.Client) => {
    if (client !== c) return;
    client = null;
    held.clear();
  };
  const connection = async (): Promise<pg.Client> => {
    if (client) return client;
    if (!connecting) {
      const c = new pg.Client({ connectionString: databaseUrl, application_name: 'citywatch-leader' });
      // A dropped connection has released our locks on the server: forget them here too.
      c.on('error', () => forget(c));
      c.on('end', () => forget(c));
      connecting = c
        .connect()
        .then(() => {
          client = c;
          return c;
        })
        .finally(() => {
          connecting = null;
        });
    }
    return connecting;
  };

  return {
    tryLead: (name) =>
      inTurn(async () => {
        if (closed) return false;
        try {
          const c = await connection();
          // Held locks are re-confirmed with a round trip: a connection cut by the server (a
          // failover, pg_terminate_backend) is only noticed when used.
          if (held.has(name)) {
            await c.query('select 1');
            if (client === c) return true;
          }
          const r = await c.query<{ ok: boolean }>(LOCK_KEY_SQL, [name]);
          const ok = r.rows[0]?.ok === true;
          if (ok && client === c) held.add(name);
          return ok && client === c;
        } catch {
          // No database, no leadership: the job waits for its next turn.
          if (client) forget(client);
          return false;
        }
      }),
    async close() {
      closed = true;
      const c = client ?? (await connecting?.catch(() => null)) ?? null;
      client = null;
      held.clear();
      await c?.end().catch(() => {});
    },
  };
}

/**
 * Runs `job` every `intervalMs` on whichever node leads it (and once at start when `runAtStart`).
 * Returns a stop that clears the timer and waits for a run in progress.
 */
export function everyOnOneNode(
  db: { tryLead(name: string): Promise<boolean> },
  name: string,
  intervalMs: number,
  job: () => Promise<unknown>,
  onError: (error: unknown) => void,
  options: { runAtStart?: boolean } = {},
): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  const tick = () => {
    if (busy) return; // a slow run is not overlapped by the next tick
    busy = true;
    running = db
      .tryLead(name)
      .then((leads) => (leads ? job() : undefined))
      .catch(onError)
      .finally(() => {
        busy = false;
      });
  };
  if (options.runAtStart ?? true) tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
