import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { U_TURN_SECONDS } from '@citywatch/core/roads/heading';
import { loadWorkerPoolConfig, type WorkerPoolConfig } from './workers/config.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface Config {
  port: number;
  host: string;
  /** Where the embedded database and imported cities live. */
  dataDir: string;
  databaseUrl: string | undefined;
  natsUrl: string | undefined;
  adminPassword: string | undefined;
  /** Built web app served at `/`. */
  webDist: string;
  /** Origins allowed to open /api/live (besides the server's own). */
  allowedOrigins: string[];
  /** Cookies marked Secure (behind TLS). */
  secureCookies: boolean;
  /**
   * Load the bundled city and run the live demo on start. Default: on with the embedded database,
   * off when DATABASE_URL is set (a real bureau's data), unless CITYWATCH_DEMO=on asks for it.
   */
  demo: boolean;
  /** Run the city-day simulator with the demo (CITYWATCH_SIMULATE, default on). */
  simulate: boolean;
  /** Simulated seconds per real second (CITYWATCH_SIMULATE_SPEED, default 10). */
  simulateSpeed: number;
  /** mqtt://… (or mqtts://…) of the bureau's broker; unset: an embedded broker on mqttPort. */
  mqttUrl: string | undefined;
  /**
   * The server's credentials and TLS files on the bureau's broker (MQTT_USERNAME, MQTT_PASSWORD,
   * MQTT_CA_FILE, MQTT_CERT_FILE, MQTT_KEY_FILE). Never logged; the embedded broker uses a
   * credential generated at every start instead.
   */
  mqttUsername: string | undefined;
  mqttPassword: string | undefined;
  mqttCaFile: string | undefined;
  mqttCertFile: string | undefined;
  mqttKeyFile: string | undefined;
  /** Prefix of the ingest clients' fixed ids (MQTT_CLIENT_ID, default citywatch-server); one per node. */
  mqttClientId: string;
  /** The 12345 hotline's webhook for diverted calls, and the token it sends back outcomes with. */
  hotlineUrl: string | undefined;
  hotlineToken: string | undefined;
  /** The bureau's domain, used in exchanged identifiers (EIDO, CAP). */
  agencyDomain: string;
  /** Where every CAP alert issued is POSTed (CITYWATCH_CAP_WEBHOOKS, comma-separated URLs). */
  capWebhooks: string[];
  /** Public base URL of this server (for callbacks). */
  publicUrl: string;
  /** Days a caller's number is kept; AVL history days. */
  retentionCallerDays: number;
  retentionAvlDays: number;
  /** Days a hotlist hit keeps the plate or resident ID read (CITYWATCH_RETENTION_HIT_DAYS, default 90). */
  retentionHitDays: number;
  /**
   * Days after a mediation case is closed that its parties keep their names and phones
   * (CITYWATCH_RETENTION_MEDIATION_DAYS, default 180); then they are blanked, the rows stay.
   */
  retentionMediationDays: number;
  /**
   * Every node re-reads the hotlist matcher from the database this often (CITYWATCH_HOTLIST_RESYNC_MIN,
   * minutes, default 5), in case a perimeter.hotlist_changed event was missed.
   */
  hotlistResyncMs: number;
  /**
   * Seconds a U-turn costs in routing, at junctions and dead ends (CITYWATCH_U_TURN_SECONDS,
   * default 20 as in OSRM's car profile; 0 makes U-turns free and routes on a smaller graph).
   */
  uTurnSeconds: number;
  mqttPort: number;
  logLevel: string;
  /** Failed logins one client address may make per 15 minutes before it is answered 429. */
  loginFailuresPerAddress: number;
  /** `pretty` (readable lines) or `json`; default pretty when stdout is a terminal (LOG_FORMAT). */
  logFormat: 'pretty' | 'json';
  bodyLimitBytes: number;
  /**
   * Which proxies in front may name the client (CITYWATCH_TRUST_PROXY), as Fastify's trustProxy:
   * false (default: the socket's peer is the client; X-Forwarded-For is ignored), a hop count
   * (`1`: the one HAProxy directly in front), or the proxies' addresses/CIDRs (`10.0.0.5,10.0.1.0/24`).
   * `on`/`true` trusts every hop (only when nothing but the proxy can reach the node). Rate limits,
   * login throttling and the audit log see request.ip, i.e. the forwarded client only when trusted.
   */
  trustProxy: boolean | number | string[];
  /** Threads, queue, timeout and heap of the pool for heavy jobs (workers/config.ts). */
  workers: WorkerPoolConfig;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got ${env.PORT}`);
  const host = env.HOST ?? '0.0.0.0';
  const dataDir = path.resolve(env.CITYWATCH_DATA_DIR ?? path.join(REPO_ROOT, 'data'));
  const allowed = (env.CITYWATCH_ALLOWED_ORIGINS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const selfOrigins = [
    `http://127.0.0.1:${port}`,
    `http://localhost:${port}`,
    'http://localhost:5173',
    'http://127.0.0.1:5173',
  ];
  return {
    port,
    host,
    dataDir,
    databaseUrl: env.DATABASE_URL || undefined,
    natsUrl: env.NATS_URL || undefined,
    adminPassword: env.CITYWATCH_ADMIN_PASSWORD || undefined,
    webDist: path.resolve(env.CITYWATCH_WEB_DIST ?? path.join(REPO_ROOT, 'packages/web/dist')),
    allowedOrigins: [...new Set([...selfOrigins, ...allowed])],
    secureCookies: env.CITYWATCH_SECURE_COOKIES === '1',
    demo: env.CITYWATCH_DEMO ? env.CITYWATCH_DEMO !== 'off' : !env.DATABASE_URL,
    simulate: (env.CITYWATCH_SIMULATE ?? 'on') !== 'off',
    simulateSpeed: Math.min(600, Math.max(1, Number(env.CITYWATCH_SIMULATE_SPEED ?? 10) || 10)),
    mqttUrl: env.MQTT_URL || undefined,
    mqttUsername: env.MQTT_USERNAME || undefined,
    mqttPassword: env.MQTT_PASSWORD || undefined,
    mqttCaFile: env.MQTT_CA_FILE || undefined,
    mqttCertFile: env.MQTT_CERT_FILE || undefined,
    mqttKeyFile: env.MQTT_KEY_FILE || undefined,
    mqttClientId: env.MQTT_CLIENT_ID || 'citywatch-server',
    hotlineUrl: env.CITYWATCH_12345_URL || undefined,
    hotlineToken: env.CITYWATCH_12345_TOKEN || undefined,
    agencyDomain: env.CITYWATCH_AGENCY_DOMAIN ?? 'citywatch.local',
    capWebhooks: (env.CITYWATCH_CAP_WEBHOOKS ?? '')
      .split(',')
      .map((u) => u.trim())
      .filter((u) => u !== ''),
    publicUrl: (env.CITYWATCH_PUBLIC_URL ?? `http://127.0.0.1:${port}`).replace(/\/$/, ''),
    retentionCallerDays: Number(env.CITYWATCH_RETENTION_CALLER_DAYS ?? 180),
    retentionAvlDays: Number(env.CITYWATCH_RETENTION_AVL_DAYS ?? 90),
    retentionHitDays: Number(env.CITYWATCH_RETENTION_HIT_DAYS ?? 90),
    retentionMediationDays: Number(env.CITYWATCH_RETENTION_MEDIATION_DAYS ?? 180),
    hotlistResyncMs: minutesMs(env.CITYWATCH_HOTLIST_RESYNC_MIN, 5, 'CITYWATCH_HOTLIST_RESYNC_MIN'),
    uTurnSeconds: uTurnSeconds(env.CITYWATCH_U_TURN_SECONDS),
    mqttPort: Number(env.CITYWATCH_MQTT_PORT ?? 1883),
    logLevel: env.LOG_LEVEL ?? 'info',
    loginFailuresPerAddress: Number(env.CITYWATCH_LOGIN_FAILURES_PER_ADDRESS ?? 30),
    logFormat:
      env.LOG_FORMAT === 'json' || env.LOG_FORMAT === 'pretty'
        ? env.LOG_FORMAT
        : process.stdout.isTTY
          ? 'pretty'
          : 'json',
    bodyLimitBytes: Number(env.CITYWATCH_BODY_LIMIT ?? 1_048_576),
    trustProxy: parseTrustProxy(env.CITYWATCH_TRUST_PROXY),
    workers: loadWorkerPoolConfig(env),
  };
}

/** CITYWATCH_U_TURN_SECONDS: 0–600 s, default U_TURN_SECONDS. */
function uTurnSeconds(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return U_TURN_SECONDS;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 600)
    throw new Error(`CITYWATCH_U_TURN_SECONDS must be a number of seconds from 0 to 600, got ${value}`);
  return seconds;
}

/** A positive number of minutes (fractions allowed) in ms; `fallback` minutes when unset. */
function minutesMs(value: string | undefined, fallback: number, name: string): number {
  const minutes = value === undefined || value.trim() === '' ? fallback : Number(value);
  if (!Number.isFinite(minutes) || minutes <= 0)
    throw new Error(`${name} must be a positive number of minutes, got ${value}`);
  return Math.round(minutes * 60_000);
}

/** CITYWATCH_TRUST_PROXY: off (default) | on | a hop count | comma-separated addresses/CIDRs. */
export function parseTrustProxy(value: string | undefined): boolean | number | string[] {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '' || v === 'off' || v === 'false' || v === '0') return false;
  if (v === 'on' || v === 'true') return true;
  if (/^\d+$/.test(v)) return Number(v);
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!list.every((s) => /^[0-9a-f.:]+(\/\d{1,3})?$/.test(s)))
    throw new Error(`CITYWATCH_TRUST_PROXY must be off, on, a hop count or addresses/CIDRs, got ${value}`);
  return list;
}
