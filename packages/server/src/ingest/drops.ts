import { Counter } from 'prom-client';

/** Where a device message was dropped. */
export type DropSource = 'sensors' | 'avl' | 'plates' | 'broker';

interface DropLog {
  warn(obj: object, msg: string): void;
}

/** One log line per source and reason at most this often; the lines between are summed into it. */
export const DROP_LOG_EVERY_MS = 10_000;

/**
 * Device messages dropped, by source and reason: the counter is served on /metrics
 * (citywatch_device_messages_dropped_total{source,reason}); each drop is also logged at warn, at
 * most once per DROP_LOG_EVERY_MS per source and reason with the number dropped since the last
 * line, so a device flooding bad messages cannot flood the log.
 */
export class DeviceDrops {
  readonly counter = new Counter({
    name: 'citywatch_device_messages_dropped_total',
    help: 'Device messages (sensor, AVL, plate reads, broker refusals) dropped since start, by source and reason',
    labelNames: ['source', 'reason'] as const,
    registers: [],
  });
  private log: DropLog | null = null;
  private readonly logged = new Map<string, { atMs: number; unlogged: number }>();

  constructor(private readonly nowMs: () => number = Date.now) {}

  /** The process's logger (the app's, set when /metrics is installed). */
  useLog(log: DropLog) {
    this.log = log;
  }

  count(source: DropSource, reason: string, n = 1, detail?: Record<string, unknown>) {
    if (n <= 0) return;
    this.counter.inc({ source, reason }, n);
    const key = `${source}:${reason}`;
    const now = this.nowMs();
    const last = this.logged.get(key);
    if (last && now - last.atMs < DROP_LOG_EVERY_MS) {
      last.unlogged += n;
      return;
    }
    const dropped = n + (last?.unlogged ?? 0);
    this.logged.set(key, { atMs: now, unlogged: 0 });
    this.log?.warn({ source, reason, dropped, ...detail }, 'device messages dropped');
  }

  /** Drops counted so far for a source and reason (tests, stats routes). */
  async total(source: DropSource, reason: string): Promise<number> {
    const metric = await this.counter.get();
    return metric.values.find((v) => v.labels.source === source && v.labels.reason === reason)?.value ?? 0;
  }
}

/** The process's one tally (every module's ingest counts into it; /metrics serves it). */
export const deviceDrops = new DeviceDrops();
