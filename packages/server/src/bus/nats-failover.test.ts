/**
 * The NATS bus across a NATS server's death (issue 17, the nats-kill drill): a publish made while
 * JetStream cannot store it is retried with the same message id until it is stored, and reaches the
 * other node once; past publishRetryMs it fails (and the app counts it). A private nats-server
 * (JetStream, its own port and store directory) is killed -9 and started again on the same store;
 * the machine's server on 4222 is not touched. The three-server case (the consumer's server dies
 * while the node stays connected to another) is the drill's: `npm run drill -- --only nats-kill`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createEvent } from '@citywatch/core/events/bus';
import type { DomainEvent } from '@citywatch/core/events/events';
import { connect } from '@nats-io/transport-node';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusLogger } from './in-process';
import { createNatsBus, type NatsBus } from './nats';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function until(what: string, check: () => boolean | Promise<boolean>, limitMs = 30_000) {
  const giveUp = Date.now() + limitMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {}
    if (Date.now() > giveUp) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function userChanged(): DomainEvent {
  const id = uuidv7();
  return createEvent('identity.user_changed', null, { userId: id, username: 'u' }, { id, at: new Date() });
}

const logger = (): BusLogger & { errors: string[]; warnings: string[] } => {
  const errors: string[] = [];
  const warnings: string[] = [];
  return {
    errors,
    warnings,
    error: (_o, msg) => errors.push(msg),
    warn: (_o, msg) => warnings.push(msg),
    info: () => {},
  };
};

describe('NATS bus when its NATS server dies and comes back', () => {
  let dir = '';
  let port = 0;
  let server: ChildProcess | null = null;
  const url = () => `nats://127.0.0.1:${port}`;
  const stream = `CWFAILOVER_${uuidv7().slice(-12).replace(/-/g, '')}`;
  const subjectPrefix = `citywatch-failover-${stream.toLowerCase()}.events`;

  async function startServer() {
    const proc = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], {
      stdio: 'ignore',
    });
    server = proc;
    await until('nats-server answering', async () => {
      if (proc.exitCode !== null) throw new Error('nats-server exited');
      const nc = await connect({ servers: url(), timeout: 500, reconnect: false });
      await nc.close();
      return true;
    });
  }
  async function killServer() {
    const proc = server;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'citywatch-nats-failover-'));
    port = await freePort();
    await startServer();
  });
  afterAll(async () => {
    await killServer();
    rmSync(dir, { recursive: true, force: true });
  });

  it('retries a publish made while the server is down and delivers it once on the other node', async () => {
    const logA = logger();
    const a: NatsBus = await createNatsBus({ url: url(), stream, subjectPrefix, logger: logA });
    const b: NatsBus = await createNatsBus({ url: url(), stream, subjectPrefix, logger: logger() });
    try {
      const seenOnB: string[] = [];
      b.subscribe((e) => {
        seenOnB.push(e.id);
      });
      const before = userChanged();
      await a.publish(before);
      await until('the first event on node B', () => seenOnB.includes(before.id));

      await killServer();
      const during = userChanged();
      let stored = false;
      const publishing = a.publish(during).then(() => {
        stored = true;
      });
      // Not stored while no server runs: the publish is still being retried, not given up.
      await new Promise((r) => setTimeout(r, 1_500));
      expect(stored).toBe(false);

      await startServer();
      await publishing;
      const after = userChanged();
      await a.publish(after);
      await until('both events on node B', () => seenOnB.includes(during.id) && seenOnB.includes(after.id));
      expect(seenOnB).toEqual([before.id, during.id, after.id]);
      expect(logA.warnings).toContain('event publish failed; retrying with the same message id');
      // Sequences as the stream numbered them, in order.
      expect(b.headSeq()).toBe(3);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('gives a publish up after publishRetryMs while the server stays down', async () => {
    const a = await createNatsBus({
      url: url(),
      stream,
      subjectPrefix,
      logger: logger(),
      publishRetryMs: 800,
    });
    try {
      await killServer();
      await expect(a.publish(userChanged())).rejects.toThrow();
    } finally {
      await startServer();
      await a.close();
    }
  });
});
