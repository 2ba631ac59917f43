// `npm run drill` (issue 17, item 3): failure drills on the cluster of lib.mjs (3 API nodes behind
// HAProxy, NATS JetStream ×3 with the stream R3, PostgreSQL primary + streaming standby), under
// load through HAProxy (console WebSockets and incidents POSTed at a fixed rate). One line per
// drill with its figures and PASS/FAIL; exit 1 when any drill fails.
//
//   node scripts/cluster/drill.mjs [--quick] [--json] [--head] [--rate 10] [--consoles 20]
//
//   api-kill     kill -9 one API node: consoles on the others miss nothing; no acknowledged
//                incident lost; the killed node's consoles are back (through HAProxy) within 15 s
//   commit-kill  an API node kills itself (SIGKILL) right after committing an incident, before
//                publishing its event (the drill switches this on; app.ts): the incident was stored
//                but never acknowledged, and its event (in the transactional outbox, bus/outbox.ts)
//                is published by another node's relay once the dead node's lease ran out: every
//                console gets every committed incident, the unacknowledged one included; no outbox
//                row is left unsent. (Restarts any API node down before it; the victim after it.)
//   nats-kill    kill -9 the NATS server leading the stream: every acknowledged incident's event
//                reaches every console that stayed connected; stall = worst POST → console latency
//   pg-stop      PostgreSQL primary stopped 15 s: answers are 201 or 503 with Retry-After (no 500);
//                nothing acknowledged lost; recovers by itself (time to first 201 after restart)
//   burst-kill   kill -9 an API node during a burst of 200 concurrent incident POSTs: every
//                acknowledged incident is stored
//   promote      kill -9 the primary, promote the standby 2 s later (pg_ctl promote; HAProxy sends
//                the nodes' new connections to it): RPO = acknowledged incidents missing on the
//                promoted standby (and seconds of acknowledgements lost), RTO = kill → first 201
//   pg-kill-burst kill -9 PostgreSQL (the promoted one) during a burst, restart it: every
//                acknowledged incident present after crash recovery
// --quick: 2 API nodes, the api-kill and commit-kill drills only (the subset run by npm test).
// --head: the API nodes run the last commit (a copy), not the shared working tree.
// --json: the drill lines go to stderr and one JSON line with every drill's figures to stdout.
// --only a,b: run only these drills (names above), e.g. `npm run drill -- --only nats-kill`.
import { writeFileSync } from 'node:fs';
import { login, sleep, startCluster, stopAll } from './lib.mjs';
import { Consoles, Incidents, missingFromDb, p99 } from './load.mjs';

const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const at = argv.indexOf(name);
  return at >= 0 ? Number(argv[at + 1]) : fallback;
};
const quick = argv.includes('--quick');
const DRILLS = ['api-kill', 'commit-kill', 'nats-kill', 'pg-stop', 'burst-kill', 'promote', 'pg-kill-burst'];
const onlyAt = argv.indexOf('--only');
const only = onlyAt >= 0 ? new Set(String(argv[onlyAt + 1] ?? '').split(',')) : null;
if (argv.includes('--help')) {
  process.stdout.write(
    'npm run drill -- [--quick] [--json] [--head] [--rate n] [--consoles n] [--only drill,drill]\n' +
      `drills: ${DRILLS.join(' ')}\n`,
  );
  process.exit(0);
}
for (const name of only ?? []) {
  if (!DRILLS.includes(name)) {
    process.stderr.write(`unknown drill ${name}; drills: ${DRILLS.join(' ')}\n`);
    process.exit(2);
  }
}
/** Whether a drill runs: every one, api-kill and commit-kill with --quick, or those of --only. */
const wanted = (name) => (only ? only.has(name) : !quick || name === 'api-kill' || name === 'commit-kill');
const json = argv.includes('--json');
const RATE = opt('--rate', quick ? 8 : 10);
const CONSOLES = opt('--consoles', quick ? 12 : 20);
const out = (line) => (json ? process.stderr : process.stdout).write(`${line}\n`);
const note = (line) => process.stderr.write(`[drill] ${line}\n`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    const hard = setTimeout(() => process.exit(1), 9_500);
    await stopAll();
    clearTimeout(hard);
    process.exit(1);
  });
}

const results = [];
let current = null;
function report(name, passed, figures) {
  const incidents = current;
  // A drill where nothing was acknowledged proves nothing.
  const pass = passed && (figures.acked ?? 0) > 0;
  if (incidents?.lastError) figures.last_network_error = incidents.lastError;
  results.push({ drill: name, pass, ...figures });
  const text = Object.entries(figures)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`)
    .join(' ');
  out(`${pass ? 'PASS' : 'FAIL'} ${name}: ${text}`);
}
const s1 = (ms) => (ms === null || ms === undefined ? null : Math.round(ms / 100) / 10);

let cluster;
let promoted = false;
try {
  const t0 = performance.now();
  cluster = await startCluster({ nodes: quick ? 2 : 3, log: note, head: argv.includes('--head') });
  const base = cluster.base;
  const cookie = await login(base);
  const mapRes = await fetch(`${base}/api/public/map`);
  if (mapRes.status !== 200) throw new Error(`/api/public/map: ${mapRes.status} ${await mapRes.text()}`);
  const map = await mapRes.json();
  const consoles = new Consoles(base, cookie, CONSOLES);
  if (!(await consoles.waitAllReady())) throw new Error('consoles did not all subscribe');
  note(`cluster up in ${s1(performance.now() - t0)} s; ${CONSOLES} consoles, ${RATE} incidents/s`);

  // One drill: load runs `before` ms, then `act()`, then `after` ms; figures from `judge`.
  const drill = async (_name, { before = 4_000, after = 10_000, act, judge }) => {
    const incidents = new Incidents(base, cookie, map.center, consoles);
    current = incidents;
    incidents.run(RATE);
    await sleep(before);
    const tAct = performance.now();
    const ctx = await act(incidents, tAct);
    await sleep(after);
    await incidents.stop();
    await sleep(2_000); // events in flight reach the consoles
    await judge(incidents, tAct, ctx);
  };

  // api-kill
  if (wanted('api-kill'))
    await drill('api-kill', {
      act: async () => {
        await cluster.parts.api[0].kill9();
      },
      judge: async (incidents, tAct) => {
        const back = await consoles.waitAllReady(15_000);
        const lastReady = Math.max(...consoles.list.map((c) => c.readyAt));
        const dropped = consoles.list.filter((c) => c.drops > 0).length;
        const m = consoles.missed(incidents.acked);
        const lost = missingFromDb(currentPrimary(), incidents.acked).length;
        report('api-kill', back && m.steady === 0 && lost === 0, {
          acked: incidents.acked.length,
          errors: incidents.errors(),
          statuses: incidents.statuses,
          consoles_dropped: dropped,
          consoles_back: back,
          failover_s: dropped ? s1(lastReady - tAct) : 0,
          events_missed_steady: m.steady,
          events_missed_after_reconnect: m.gap,
          acked_lost: lost,
        });
      },
    });

  // commit-kill (API node dies between its commit and its publish; the outbox relay publishes)
  if (wanted('commit-kill')) {
    for (const [i, p] of cluster.parts.api.entries()) {
      if (p.running) continue;
      note(`restarting api-${i + 1} for commit-kill`);
      await cluster.restartNode(i);
    }
    await consoles.waitAllReady(30_000);
    const since = currentPrimary().psql('select now()');
    await drill('commit-kill', {
      before: 3_000,
      // The dead node's lease (10 s) and the relay's poll (2 s), then the consoles' resume.
      after: 16_000,
      act: async () => {
        const victimIndex = cluster.parts.api.findIndex((p) => p.running);
        const victim = cluster.parts.api[victimIndex];
        writeFileSync(victim.killFile, '');
        const died = await Promise.race([victim.exited.then(() => true), sleep(10_000).then(() => false)]);
        return { victimIndex, died, diedAt: performance.now() };
      },
      judge: async (incidents, _tAct, ctx) => {
        const pg = currentPrimary();
        const back = await consoles.waitAllReady(15_000);
        const acked = new Set(incidents.acked.map((a) => a.id));
        const committed = pg
          .psql(`select id from incidents where narrative = '演练' and received_at >= '${since}'`)
          .split('\n')
          .filter(Boolean);
        const unacked = committed.filter((id) => !acked.has(id));
        let missedUnacked = 0;
        for (const c of consoles.list) for (const id of unacked) if (!c.seen.has(id)) missedUnacked++;
        const m = consoles.missed(incidents.acked);
        const lost = missingFromDb(pg, incidents.acked).length;
        const list = unacked.map((id) => `'${id}'`).join(',') || "''";
        const [relayed, relayedBy] = pg
          .psql(
            `select count(*), coalesce(string_agg(distinct claimed_by, ' '), '') from event_outbox
              where type = 'dispatch.incident_changed' and event->'payload'->>'incidentId' in (${list})
                and sent_at is not null`,
          )
          .split('|');
        const unsent = Number(pg.psql('select count(*) from event_outbox where sent_at is null'));
        const dropped = consoles.list.filter((c) => c.drops > 0).length;
        report(
          'commit-kill',
          ctx.died &&
            back &&
            unacked.length > 0 &&
            missedUnacked === 0 &&
            m.steady === 0 &&
            lost === 0 &&
            unsent === 0,
          {
            killed: `api-${ctx.victimIndex + 1}`,
            died_after_commit: ctx.died,
            acked: incidents.acked.length,
            committed: committed.length,
            committed_unacked: unacked.length,
            relayed_rows: Number(relayed),
            relayed_by: relayedBy.trim(),
            errors: incidents.errors(),
            statuses: incidents.statuses,
            consoles_dropped: dropped,
            consoles_back: back,
            events_missed_unacked: missedUnacked,
            events_missed_steady: m.steady,
            events_missed_after_reconnect: m.gap,
            outbox_unsent: unsent,
            acked_lost: lost,
          },
        );
        // Later drills want every node.
        if (DRILLS.slice(DRILLS.indexOf('commit-kill') + 1).some(wanted))
          await cluster.restartNode(ctx.victimIndex);
      },
    });
  }

  // nats-kill
  if (wanted('nats-kill'))
    await drill('nats-kill', {
      // The worst server to lose: the stream's leader (publishes fail until a new one is elected,
      // and the consumers it holds go with it).
      act: async () => {
        const victim = await streamLeaderIndex(cluster);
        await cluster.parts.nats[victim].kill9();
        return { victim };
      },
      judge: async (incidents, tAct, { victim }) => {
        const m = consoles.missed(incidents.acked);
        const lost = missingFromDb(currentPrimary(), incidents.acked).length;
        const after = incidents.acked.filter((a) => a.t0 >= tAct).map((a) => a.id);
        report('nats-kill', m.steady === 0 && lost === 0, {
          killed: `n${victim + 1}${victim === cluster.killedLeader ? '(stream leader)' : ''}`,
          acked: incidents.acked.length,
          errors: incidents.errors(),
          events_missed: m.steady + m.gap,
          console_p99_ms: Math.round(p99(consoles.latency) ?? -1),
          stall_max_ms: Math.round(Math.max(...consoles.latency.slice(-after.length * CONSOLES))),
          acked_lost: lost,
        });
        cluster.restartNats(victim);
      },
    });
  if (wanted('nats-kill')) await sleep(3_000);

  // pg-stop
  if (wanted('pg-stop'))
    await drill('pg-stop', {
      act: async () => {
        await cluster.primary.stopAsync('fast');
        const stoppedAt = performance.now();
        await sleep(15_000);
        cluster.primary.start();
        return { restartedAt: performance.now(), stoppedAt };
      },
      judge: async (incidents, _tAct, ctx) => {
        const s = incidents.statuses;
        const lost = missingFromDb(cluster.primary, incidents.acked).length;
        const recovered = incidents.firstAckAfter(ctx.restartedAt);
        report(
          'pg-stop',
          (s[500] ?? 0) === 0 && incidents.retryAfterMissing === 0 && lost === 0 && recovered !== null,
          {
            acked: incidents.acked.length,
            statuses: s,
            status_503_without_retry_after: incidents.retryAfterMissing,
            acked_lost: lost,
            recovered_s_after_restart: s1(recovered),
          },
        );
      },
    });

  // burst-kill (API node)
  if (wanted('burst-kill')) {
    const incidents = new Incidents(base, cookie, map.center, consoles);
    current = incidents;
    const posts = [];
    for (let i = 0; i < 200; i++) posts.push(incidents.post());
    // Kill once the burst is being acknowledged (the first answers), not before any commit.
    for (let waited = 0; incidents.acked.length < 10 && waited < 15_000; waited += 20) await sleep(20);
    const victim = cluster.parts.api.find((p, i) => i > 0 && p.running);
    await victim.kill9();
    await Promise.all(posts);
    const lost = missingFromDb(cluster.primary, incidents.acked).length;
    report('burst-kill', lost === 0, {
      posted: 200,
      acked: incidents.acked.length,
      statuses: incidents.statuses,
      acked_lost: lost,
    });
  }

  // promote
  if (wanted('promote'))
    await drill('promote', {
      after: 12_000,
      act: async (_incidents, tAct) => {
        cluster.primary.kill9();
        await sleep(2_000);
        cluster.standby.promote();
        promoted = true;
        return { promotedAt: performance.now(), tAct };
      },
      judge: async (incidents, tAct) => {
        const missing = missingFromDb(cluster.standby, incidents.acked);
        const rto = incidents.firstAckAfter(tAct);
        const firstLost = missing.length ? Math.min(...missing.map((a) => a.tAck)) : null;
        report('promote', rto !== null, {
          acked: incidents.acked.length,
          statuses: incidents.statuses,
          rpo_acked_lost: missing.length,
          rpo_s: firstLost === null ? 0 : s1(tAct - firstLost),
          rto_s: s1(rto),
        });
      },
    });

  // pg-kill-burst (PostgreSQL killed -9 during a burst; crash recovery)
  if (wanted('pg-kill-burst')) {
    const incidents = new Incidents(base, cookie, map.center, consoles);
    current = incidents;
    const posts = [];
    for (let i = 0; i < 200; i++) posts.push(incidents.post());
    // Kill once the burst is being acknowledged (the first answers), not before any commit.
    for (let waited = 0; incidents.acked.length < 10 && waited < 15_000; waited += 20) await sleep(20);
    const pg = currentPrimary(); // the promoted standby after the promote drill
    pg.kill9();
    await Promise.all(posts);
    await sleep(1_000);
    pg.start();
    const lost = missingFromDb(pg, incidents.acked).length;
    report('pg-kill-burst', lost === 0, {
      posted: 200,
      acked: incidents.acked.length,
      statuses: incidents.statuses,
      acked_lost: lost,
    });
  }
  consoles.close();
} catch (error) {
  if (!error.done) {
    out(`FAIL drill run: ${error.stack ?? error}`);
    results.push({ drill: 'run', pass: false, error: String(error.message ?? error) });
  }
} finally {
  const t = performance.now();
  await stopAll();
  note(`cluster stopped in ${s1(performance.now() - t)} s`);
}
const pass = results.length > 0 && results.every((r) => r.pass);
if (json) process.stdout.write(`${JSON.stringify({ pass, drills: results })}\n`);
process.exit(pass ? 0 : 1);

/** Index of the NATS server leading the event stream (monitoring endpoint /jsz); 1 if unknown. */
async function streamLeaderIndex(c) {
  for (const url of c.natsMonitor) {
    try {
      const r = await fetch(`${url}/jsz?streams=true`, { signal: AbortSignal.timeout(2_000) });
      const jsz = await r.json();
      for (const account of jsz.account_details ?? []) {
        for (const stream of account.stream_detail ?? []) {
          const leader = /^n(\d)$/.exec(stream.cluster?.leader ?? '');
          if (stream.name === 'CITYWATCH' && leader) {
            c.killedLeader = Number(leader[1]) - 1;
            return c.killedLeader;
          }
        }
      }
    } catch {}
  }
  return 1;
}

function currentPrimary() {
  return promoted ? cluster.standby : cluster.primary;
}
