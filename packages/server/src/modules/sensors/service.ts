import { acknowledge, alarmForEvent, clear, escalate, offlineSeverity } from '@citywatch/core/sensors/alarm';
import { countFlag, crowdLevel, density, ringAreaM2 } from '@citywatch/core/sensors/crowd';
import {
  type Alarm,
  type AlarmSeverity,
  type AlarmStatus,
  type Community,
  type CreateCommunity,
  type CreateCrowdArea,
  type CreateSensor,
  type CrowdArea,
  DEFAULT_INACTIVITY_S,
  type Sensor,
  type SensorKind,
  type SensorMessage,
  sensorMessageSchema,
  type Ticket,
} from '@citywatch/core/sensors/schemas';
import { uuidv7 } from 'uuidv7';
import type { DevicePrincipal } from '../../http/auth.js';
import { ProblemError } from '../../http/problem.js';
import type { Actor } from '../../identity/service.js';
import { stampedInFuture } from '../../ingest/device-time.js';
import { deviceDrops } from '../../ingest/drops.js';
import type { Deps } from '../module.js';
import { assertOrgInScope, type OrgScope } from '../scope.js';
import { DeadlineHeap } from './deadlines.js';
import { SENSOR_MESSAGES as M } from './messages.js';
import * as store from './store.js';
import { WriteBatch } from './write-batch.js';

export type SensorsDeps = Pick<
  Deps<'devices' | 'dispatch'>,
  'db' | 'now' | 'publish' | 'devices' | 'dispatch' | 'log'
>;

/** Timings of the module (tests shorten none of them: they move the clock). */
export interface SensorTimings {
  /** An offline alarm is raised again this often while the device stays offline. */
  offlineRepeatMs: number;
  /** An active alarm nobody acknowledged is escalated one severity step after this. */
  escalateAfterMs: number;
  /** Crowd areas live this long when drawn without an end. */
  areaLifeMs: number;
}
export const DEFAULT_TIMINGS: SensorTimings = {
  offlineRepeatMs: 10 * 60_000,
  escalateAfterMs: 5 * 60_000,
  areaLifeMs: 24 * 3_600_000,
};

/** What a raise answers and announces. */
type RaisedAlarm = Pick<
  Alarm,
  'id' | 'deviceId' | 'areaId' | 'communityId' | 'orgId' | 'type' | 'severity' | 'status' | 'escalated'
>;

/** Why a device message was dropped. */
export type DropReason =
  | 'bad_token'
  | 'wrong_device'
  | 'unknown_device'
  | 'malformed'
  | 'foreign_area'
  /** A count stamped beyond the tolerance ahead of the server's clock (ingest/device-time.ts). */
  | 'in_the_future';

/** A device as the in-memory tracker holds it (online state decided here, written through). */
interface Tracked {
  id: string;
  kind: SensorKind;
  orgId: string;
  communityId: string;
  name: string;
  address: string;
  lon: number;
  lat: number;
  inactivityMs: number;
  online: boolean;
  lastSeenMs: number;
  counts: Record<string, number>;
  telemetry: Record<string, number>;
  /**
   * It was heard from and went offline before: it may have an active offline alarm and an open
   * fault ticket to close when it is back (a device never heard from has neither; no query then).
   */
  mayHaveOffline: boolean;
  /**
   * The deadline this device has in the offline queue (ms), or null when it has none. One entry
   * per device at most; it may be earlier than the device's true deadline (heard from since), never
   * later.
   */
  dueMs: number | null;
}

/**
 * Smart-community sensors and crowd counts. Heartbeats are taken in memory (the tracker), so a
 * broker delivering ten thousand a second costs no write each; last-seen, counts and telemetry are
 * written in one statement per flush; online/offline changes, alarms and crowd counts are written
 * as they happen. One alarm per originator and type (the partial unique index); repeats while a
 * device stays offline; escalation when nobody acknowledges; rules per kind.
 */
export class SensorsService {
  private readonly tracked = new Map<string, Tracked>();
  /**
   * Online devices by deadline (last seen + their kind's inactivity timeout), earliest first: the
   * offline sweep visits only the devices whose deadline has passed, not every device tracked.
   */
  private readonly deadlines = new DeadlineHeap<Tracked>();
  /** Devices whose last-seen, online state, counts or telemetry changed since the last commit. */
  private readonly dirty = new Set<Tracked>();
  /** Commits run one after another, so that an older snapshot never lands after a newer one. */
  private committing: Promise<unknown> = Promise.resolve();
  /** Per-originator chain, so that raises of one alarm never race each other. */
  private readonly chains = new Map<string, Promise<unknown>>();
  /** Alarm upserts gathered into one statement per batch (distinct originator and type each). */
  private readonly alarmWrites = new WriteBatch<string, store.AlarmRaise, store.UpsertedAlarm>(
    (raises) => store.upsertAlarms(this.db, raises),
    (r) => `${r.originator}:${r.type}`,
  );
  readonly stats = {
    messages: 0,
    /** Messages taken over MQTT, written and acknowledged to the broker (after their batch's commit). */
    acknowledged: 0,
    heartbeats: 0,
    events: 0,
    counts: 0,
    dropped: {
      bad_token: 0,
      wrong_device: 0,
      unknown_device: 0,
      malformed: 0,
      foreign_area: 0,
      in_the_future: 0,
    } as Record<DropReason, number>,
    alarmsRaised: 0,
    /** Alarm upsert statements run (several raises share one). */
    alarmStatements: 0,
    incidents: 0,
    tickets: 0,
    /** Devices the offline sweeps looked at (those whose deadline in the queue had passed). */
    sweepVisits: 0,
  };
  timings: SensorTimings = { ...DEFAULT_TIMINGS };
  private loaded: Promise<void> | null = null;

  constructor(private readonly deps: SensorsDeps) {}

  private get db() {
    return this.deps.db.kysely;
  }

  // ---- registry

  async communities(actor: OrgScope): Promise<Community[]> {
    const rows = await store.listCommunities(this.db, actor);
    return rows.map((r) => {
      const devices = Number(r.devices ?? 0);
      const online = Number(r.online ?? 0);
      return {
        id: r.id,
        name: r.name,
        orgId: r.org_id,
        ring: r.ring,
        devices,
        online,
        onlineRate: devices === 0 ? null : online / devices,
        activeAlarms: Number(r.active_alarms ?? 0),
      };
    });
  }

  async createCommunity(actor: Actor, req: CreateCommunity): Promise<Community> {
    await assertOrgInScope(this.db, actor, req.orgId, 'orgId');
    const id = uuidv7();
    await store.insertCommunity(this.db, {
      id,
      name: req.name,
      org_id: req.orgId,
      ring: req.ring ? JSON.stringify(req.ring) : null,
      created_at: this.deps.now(),
    });
    return (await this.communities(actor)).find((c) => c.id === id)!;
  }

  async devices(actor: OrgScope, communityId?: string): Promise<Sensor[]> {
    return (await store.listDevices(this.db, actor, communityId)).map((r) => this.present(r));
  }

  /** Registers a sensor in a community of the actor's subtree and issues its token (shown once). */
  async register(actor: Actor, req: CreateSensor) {
    const community = await store.findCommunity(this.db, req.communityId, actor);
    if (!community) {
      throw new ProblemError('validation', M.noSuchCommunity, [
        { field: 'communityId', rule: 'reference', message: M.noSuchCommunity.zh },
      ]);
    }
    const issued = await this.deps.devices.issueSensor(actor, req.name, community.org_id);
    const inactivityS = req.inactivityS ?? DEFAULT_INACTIVITY_S[req.kind];
    await this.db
      .insertInto('sensor_devices')
      .values({
        id: issued.id,
        community_id: community.id,
        org_id: community.org_id,
        kind: req.kind,
        name: req.name,
        address: req.address,
        lon: req.lon,
        lat: req.lat,
        stream_url: req.streamUrl ?? null,
        inactivity_s: inactivityS,
        created_at: this.deps.now(),
      })
      .execute();
    const row = await store.findDevice(this.db, issued.id, null);
    this.track(row!);
    return { ...this.present(row!), token: issued.token, mqttTopic: issued.mqttTopic };
  }

  private present(r: store.DeviceRow): Sensor {
    const live = this.tracked.get(r.id);
    const lastSeenMs = live?.lastSeenMs ?? (r.last_seen_at ? new Date(r.last_seen_at).getTime() : null);
    return {
      id: r.id,
      communityId: r.community_id,
      orgId: r.org_id,
      kind: r.kind as SensorKind,
      name: r.name,
      address: r.address,
      lon: r.lon,
      lat: r.lat,
      streamUrl: r.stream_url,
      inactivityS: r.inactivity_s,
      online: live?.online ?? r.online,
      lastSeenAt: lastSeenMs ? new Date(lastSeenMs).toISOString() : null,
      counts: live?.counts ?? r.counts,
      telemetry: live?.telemetry ?? r.telemetry,
    };
  }

  private track(r: store.DeviceRow): Tracked {
    const t: Tracked = {
      id: r.id,
      kind: r.kind as SensorKind,
      orgId: r.org_id,
      communityId: r.community_id,
      name: r.name,
      address: r.address,
      lon: r.lon,
      lat: r.lat,
      inactivityMs: r.inactivity_s * 1000,
      online: r.online,
      lastSeenMs: r.last_seen_at ? new Date(r.last_seen_at).getTime() : 0,
      counts: { ...r.counts },
      telemetry: { ...r.telemetry },
      mayHaveOffline: !r.online && r.last_seen_at !== null,
      dueMs: null,
    };
    this.tracked.set(r.id, t);
    if (t.online) this.schedule(t);
    return t;
  }

  /** Loads every sensor into the tracker (once, at start or first use). */
  load(): Promise<void> {
    this.loaded ??= store.allDevices(this.db).then((rows) => {
      for (const r of rows) if (!this.tracked.has(r.id)) this.track(r);
    });
    return this.loaded;
  }

  private async tracker(deviceId: string): Promise<Tracked | null> {
    const known = this.tracked.get(deviceId);
    if (known) return known;
    const row = await store.findDevice(this.db, deviceId, null);
    return row ? this.track(row) : null;
  }

  // ---- ingest (HTTP from the device's token, MQTT from its topic)

  /** A dropped message counted here, on /metrics by reason, and logged (rate-limited). */
  drop(reason: DropReason, n = 1): undefined {
    this.stats.dropped[reason] += n;
    deviceDrops.count('sensors', reason, n);
    return undefined;
  }

  /**
   * An MQTT message on citywatch/sensors/<deviceId>, taken into the batch being gathered (the
   * subscription commits and acknowledges it): the topic names the device (the closed broker lets a
   * device publish only on its own; the bureau's broker enforces its ACL). Dropped and counted when
   * the topic names no sensor or the payload is malformed. Returns the work that does not wait for
   * the batch (an alarm raised, a device back online), if any.
   */
  takeMqtt(deviceId: string, payload: Buffer): Promise<unknown> | undefined {
    const device = this.tracked.get(deviceId);
    if (device) return this.takePayload(device, payload);
    if (!isUuid(deviceId)) return this.drop('unknown_device');
    return this.tracker(deviceId).then((d) =>
      d ? this.takePayload(d, payload) : this.drop('unknown_device'),
    );
  }

  /** One MQTT message written at once (tests, and callers without a batch). */
  async ingestMqtt(deviceId: string, payload: Buffer): Promise<void> {
    await this.takeMqtt(deviceId, payload);
    await this.commit();
  }

  private takePayload(device: Tracked, payload: Buffer): Promise<unknown> | undefined {
    let parsed: ReturnType<typeof sensorMessageSchema.safeParse>;
    try {
      parsed = sensorMessageSchema.safeParse(JSON.parse(payload.toString('utf8')));
    } catch {
      return this.drop('malformed');
    }
    if (!parsed.success) return this.drop('malformed');
    const taken = this.take(device, parsed.data, this.deps.now().getTime());
    return typeof taken === 'boolean' ? undefined : taken;
  }

  /** HTTP: messages of the device behind the token (already validated by the route's schema). */
  async ingestHttp(principal: DevicePrincipal, messages: SensorMessage[]) {
    const device = await this.tracker(principal.deviceId);
    if (!device) {
      this.drop('unknown_device', messages.length);
      throw new ProblemError('forbidden');
    }
    const nowMs = this.deps.now().getTime();
    let accepted = 0;
    for (const m of messages) if (await this.take(device, m, nowMs)) accepted++;
    // Answered once written, as MQTT is acknowledged.
    await this.commit();
    return { accepted, dropped: messages.length - accepted };
  }

  /**
   * One message of a device; false when dropped. Heartbeats, telemetry and counted events never
   * wait for the database (they are written by the next commit); alarms are raised at once.
   */
  private take(d: Tracked, m: SensorMessage, nowMs: number): boolean | Promise<boolean> {
    this.stats.messages++;
    if (m.type === 'offline') return this.goOffline(d, nowMs, 'last_will').then(() => true);
    d.lastSeenMs = Math.max(d.lastSeenMs, nowMs);
    this.dirty.add(d);
    const back = d.online ? null : this.goOnline(d, nowMs);
    switch (m.type) {
      case 'heartbeat':
        this.stats.heartbeats++;
        return back ? back.then(() => true) : true;
      case 'telemetry':
        Object.assign(d.telemetry, m.values);
        return back ? back.then(() => true) : true;
      case 'event':
        return (back ?? Promise.resolve())
          .then(() => this.event(d, m.event, m.count, nowMs))
          .then(() => true);
      case 'count':
        return (back ?? Promise.resolve()).then(() => this.count(d, m, nowMs));
    }
  }

  private async event(d: Tracked, event: string, n: number, nowMs: number) {
    this.stats.events++;
    d.counts[event] = (d.counts[event] ?? 0) + n;
    const rule = alarmForEvent(d.kind, event);
    if (!rule) return;
    const { alarm, created } = await retried(() =>
      this.raise(
        { originator: d.id, deviceId: d.id, areaId: null, communityId: d.communityId, orgId: d.orgId },
        rule.type,
        rule.severity,
        { event, count: n, device: d.name, address: d.address },
        nowMs,
      ),
    );
    // An alarm button pressed: a 110 incident at the device's address (once per alarm).
    if (created && d.kind === 'alarm_button') await this.incidentFor(d, alarm.id);
  }

  private async incidentFor(d: Tracked, alarmId: string) {
    const actor = await this.platformActor(d.orgId);
    // The alarm is linked in the incident's own transaction: never an incident without its link.
    await this.deps.dispatch.createIncident(
      actor,
      {
        category: 'criminal',
        priority: 'P1',
        lon: d.lon,
        lat: d.lat,
        crs: 'wgs84',
        addressLabel: d.address.slice(0, 200),
        narrative: `一键报警：${d.name}（${d.address}）/ Alarm button pressed: ${d.name}`,
      },
      async (trx, _publish, incident) => {
        await trx
          .updateTable('sensor_alarms')
          .set({ incident_id: incident.id })
          .where('id', '=', alarmId)
          .execute();
      },
    );
    this.stats.incidents++;
  }

  /**
   * Dispatch takes incidents from an Actor; a device is none. The platform acts in the device's
   * org with no user (created_by stays null, as the demo's own start-up tasks do).
   */
  private async platformActor(orgId: string): Promise<Actor> {
    const org = await this.db
      .selectFrom('orgs')
      .select(['id', 'name', 'path'])
      .where('id', '=', orgId)
      .executeTakeFirstOrThrow();
    return {
      userId: null as unknown as string,
      username: 'system:sensors',
      displayName: 'sensors',
      roles: [],
      orgId: org.id,
      orgName: org.name,
      orgPath: org.path,
      sessionTokenHash: '',
      sessionExpiresAt: new Date(0),
      mustChangePassword: false,
    };
  }

  /** An online device without a deadline in the queue gets one (last seen + its timeout). */
  private schedule(d: Tracked) {
    if (d.dueMs !== null) return;
    d.dueMs = d.lastSeenMs + d.inactivityMs;
    this.deadlines.push(d.dueMs, d);
  }

  /** Online again (written by the next commit); its offline alarm and ticket, if any, closed. */
  private async goOnline(d: Tracked, nowMs: number) {
    d.online = true;
    this.schedule(d);
    this.announceOnline(d);
    if (!d.mayHaveOffline) return;
    d.mayHaveOffline = false;
    // Back: its offline alarm clears (by the platform), its fault ticket closes.
    await this.clearActive(d.id, 'offline', nowMs);
    await this.db
      .updateTable('sensor_tickets')
      .set({ closed_at: new Date(nowMs) })
      .where('device_id', '=', d.id)
      .where('closed_at', 'is', null)
      .execute();
  }

  /** The platform clears the active alarm of this originator and type (the condition is over). */
  private async clearActive(originator: string, type: string, nowMs: number) {
    const open = await this.db
      .selectFrom('sensor_alarms')
      .select(['id', 'status'])
      .where('originator', '=', originator)
      .where('type', '=', type)
      .where('status', 'in', ['active_unack', 'active_ack'])
      .executeTakeFirst();
    if (open) await this.setStatus(open.id, clear(open.status as AlarmStatus)!, null, nowMs, 'cleared');
  }

  private async goOffline(d: Tracked, nowMs: number, why: 'timeout' | 'last_will') {
    if (!d.online) return;
    d.online = false;
    this.announceOnline(d);
    await this.offlineWrites(d, nowMs, why);
  }

  private announceOnline(d: Tracked) {
    this.deps.publish('sensors.device_changed', d.orgId, {
      deviceId: d.id,
      communityId: d.communityId,
      online: d.online,
    });
  }

  /** Offline state written, the offline alarm raised; a camera's opens a fault ticket. */
  private async offlineWrites(d: Tracked, nowMs: number, why: 'timeout' | 'last_will') {
    d.mayHaveOffline = true;
    // Through the commit chain, so that a batch's older snapshot cannot mark it online again.
    this.dirty.add(d);
    await this.commit();
    await this.offlineAlarm(d, nowMs, why);
  }

  /** The offline alarm raised (or repeated); a camera's first one opens a fault ticket. */
  private async offlineAlarm(d: Tracked, nowMs: number, why: 'timeout' | 'last_will') {
    const { alarm, created } = await this.raise(
      { originator: d.id, deviceId: d.id, areaId: null, communityId: d.communityId, orgId: d.orgId },
      'offline',
      offlineSeverity(d.kind),
      { why, device: d.name, lastSeenAt: d.lastSeenMs ? new Date(d.lastSeenMs).toISOString() : null },
      nowMs,
    );
    if (created && d.kind === 'camera') {
      const id = uuidv7();
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('sensor_tickets')
          .values({
            id,
            device_id: d.id,
            org_id: d.orgId,
            reason: 'camera_offline',
            opened_at: new Date(nowMs),
            closed_at: null,
          })
          .execute();
        await trx.updateTable('sensor_alarms').set({ ticket_id: id }).where('id', '=', alarm.id).execute();
      });
      this.stats.tickets++;
    }
  }

  // ---- alarms

  /**
   * Raises an alarm of this originator and type: the active one is repeated (count, last time,
   * higher severity), or a new one is made — one statement (an upsert on the partial unique
   * index), so two nodes raising at once still make one alarm. Serialised per originator and type
   * here; raises of other originators or types at the same moment share the statement
   * (this.alarmWrites).
   */
  raise(
    o: {
      originator: string;
      deviceId: string | null;
      areaId: string | null;
      communityId: string | null;
      orgId: string;
    },
    type: string,
    severity: AlarmSeverity,
    detail: Record<string, unknown>,
    triggeredAtMs: number,
  ): Promise<{ alarm: RaisedAlarm; created: boolean }> {
    const key = `${o.originator}:${type}`;
    const run = async () => {
      const r = await this.alarmWrites.add({
        id: uuidv7(),
        ...o,
        type,
        severity,
        at: this.deps.now(),
        detail: JSON.stringify(detail),
      });
      this.stats.alarmsRaised++;
      this.stats.alarmStatements = this.alarmWrites.writes;
      const alarm: RaisedAlarm = {
        id: r.id,
        deviceId: r.device_id,
        areaId: r.area_id,
        communityId: r.community_id,
        orgId: r.org_id,
        type: r.type,
        severity: r.severity as AlarmSeverity,
        status: r.status as AlarmStatus,
        escalated: r.escalated,
      };
      this.announce(alarm, triggeredAtMs);
      return { alarm, created: r.created };
    };
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous.then(run, run);
    this.chains.set(key, next);
    void next
      .finally(() => {
        if (this.chains.get(key) === next) this.chains.delete(key);
      })
      .catch(() => {});
    return next;
  }

  private announce(a: RaisedAlarm, triggeredAtMs: number) {
    this.deps.publish('sensors.alarm_changed', a.orgId, {
      alarmId: a.id,
      deviceId: a.deviceId,
      areaId: a.areaId,
      communityId: a.communityId,
      type: a.type,
      severity: a.severity,
      status: a.status,
      escalated: a.escalated,
      triggeredAtMs,
    });
  }

  async alarm(id: string, scope: OrgScope | null): Promise<Alarm | null> {
    const row = await store.findAlarm(this.db, id, scope);
    return row ? presentAlarm(row) : null;
  }

  async alarms(actor: OrgScope, activeOnly: boolean): Promise<Alarm[]> {
    return (await store.listAlarms(this.db, actor, { activeOnly, limit: 500 })).map(presentAlarm);
  }

  /** A person acknowledges or clears an alarm of their subtree (audited by the write hook). */
  async respond(actor: Actor, id: string, action: 'acknowledge' | 'clear'): Promise<Alarm> {
    const current = await this.alarm(id, actor);
    if (!current) throw new ProblemError('not_found', M.noSuchAlarm);
    const to = action === 'acknowledge' ? acknowledge(current.status) : clear(current.status);
    if (!to)
      throw new ProblemError('conflict', M.alarmUnchanged, [
        { field: 'status', rule: 'transition', message: M.alarmUnchanged.zh },
      ]);
    await this.setStatus(
      id,
      to,
      actor.userId,
      this.deps.now().getTime(),
      action === 'acknowledge' ? 'acknowledged' : 'cleared',
    );
    return (await this.alarm(id, actor))!;
  }

  private async setStatus(
    id: string,
    to: AlarmStatus,
    userId: string | null,
    nowMs: number,
    what: 'acknowledged' | 'cleared',
  ) {
    const at = new Date(nowMs);
    await this.db
      .updateTable('sensor_alarms')
      .set(
        what === 'acknowledged'
          ? { status: to, acknowledged_at: at, acknowledged_by: userId }
          : { status: to, cleared_at: at, cleared_by: userId },
      )
      .where('id', '=', id)
      .execute();
    const alarm = await this.alarm(id, null);
    if (alarm) this.announce(alarm, nowMs);
  }

  // ---- fault tickets (a camera offline), handled by people

  async tickets(actor: OrgScope, openOnly: boolean): Promise<Ticket[]> {
    return (await store.listTickets(this.db, actor, { openOnly, limit: 500 })).map((r) => this.ticket(r));
  }

  /**
   * A person of the ticket's subtree acknowledges it (the crew is on it, optional note) or closes
   * it with a note (what was done). Audited by the write hook (route, ticket id, user).
   */
  async handleTicket(actor: Actor, id: string, action: 'acknowledge' | 'close', note: string | null) {
    const current = await store.findTicket(this.db, id, actor);
    if (!current) throw new ProblemError('not_found', M.noSuchTicket);
    const at = this.deps.now();
    const changed =
      action === 'acknowledge'
        ? await store.acknowledgeTicket(this.db, id, actor.userId, at, note)
        : await store.closeTicket(this.db, id, actor.userId, at, note ?? '');
    if (changed === 0) {
      const m = current.closed_at !== null ? M.ticketClosed : M.ticketAcknowledged;
      throw new ProblemError('conflict', m, [
        {
          field: 'state',
          rule: current.closed_at !== null ? 'ticket_already_closed' : 'ticket_already_acknowledged',
          message: m.zh,
        },
      ]);
    }
    return this.ticket((await store.findTicket(this.db, id, actor))!);
  }

  /** A ticket with its device's online state as the tracker knows it (ahead of the next flush). */
  private ticket(r: store.TicketRow): Ticket {
    return { ...presentTicket(r), deviceOnline: this.tracked.get(r.device_id)?.online ?? r.device_online };
  }

  // ---- timers (module start): offline detection, repeats, escalation, flush, expiry

  /**
   * Devices silent beyond their kind's timeout go offline: all of them are marked and announced
   * first (detection does not wait for the database), then written and alarmed one by one.
   *
   * Only devices whose deadline in the queue has passed are visited: one heard from since gets its
   * new deadline (last seen + timeout) and waits again; one already offline (its last will) leaves
   * the queue until it is back. The work is proportional to the deadlines due, not to the devices
   * tracked (100,000 every second before, bench:devices).
   */
  async sweepOffline(): Promise<number> {
    // The event loop runs due timers before it reads the sockets: after a stall (a loaded machine,
    // bench:devices saw 14 s), this sweep would judge devices whose heartbeats sit unread in the
    // socket buffers. One turn first lets the poll phase take what has arrived.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const nowMs = this.deps.now().getTime();
    const due: Tracked[] = [];
    for (
      let top = this.deadlines.peekKey();
      top !== undefined && top < nowMs;
      top = this.deadlines.peekKey()
    ) {
      const d = this.deadlines.pop()!;
      this.stats.sweepVisits++;
      d.dueMs = null;
      if (!d.online) continue;
      if (nowMs - d.lastSeenMs > d.inactivityMs) {
        d.online = false;
        this.announceOnline(d);
        due.push(d);
      } else this.schedule(d);
    }
    for (const d of due) {
      d.mayHaveOffline = true;
      this.dirty.add(d);
    }
    if (due.length > 0) await this.commit();
    // Raised together (one upsert statement per batch); one device heard from again meanwhile went
    // online again itself.
    await settledAll(due.filter((d) => !d.online).map((d) => this.offlineAlarm(d, nowMs, 'timeout')));
    return due.length;
  }

  /** Offline alarms raised again while the device stays offline; unacknowledged ones escalated. */
  async sweepAlarms(): Promise<void> {
    const nowMs = this.deps.now().getTime();
    const stale = await store.staleActive(this.db, 'offline', new Date(nowMs - this.timings.offlineRepeatMs));
    const still = stale
      .map((s) => this.tracked.get(s.originator))
      .filter((d): d is Tracked => d !== undefined && !d.online);
    await settledAll(
      still.map((d) =>
        this.raise(
          { originator: d.id, deviceId: d.id, areaId: null, communityId: d.communityId, orgId: d.orgId },
          'offline',
          offlineSeverity(d.kind),
          { why: 'still_offline', device: d.name },
          nowMs,
        ),
      ),
    );
    for (const a of await store.dueEscalation(this.db, new Date(nowMs - this.timings.escalateAfterMs))) {
      await this.db
        .updateTable('sensor_alarms')
        .set({ escalated: true, severity: escalate(a.severity as AlarmSeverity) })
        .where('id', '=', a.id)
        .where('escalated', '=', false)
        .execute();
      const alarm = await this.alarm(a.id, null);
      if (alarm) this.announce(alarm, nowMs);
    }
  }

  /**
   * Writes last-seen, online state, counts and telemetry of the devices changed since the last
   * commit: one statement per FLUSH_CHUNK devices, with a turn of the event loop between them
   * (heartbeats coalesced: only a device's latest last-seen is written). Commits run one at a time;
   * a failed one leaves its devices to the next.
   */
  commit(): Promise<number> {
    const next = this.committing.catch(() => {}).then(() => this.writeDirty());
    this.committing = next;
    return next;
  }

  /** The periodic write-through (module timer): the same as a commit. */
  flush(): Promise<number> {
    return this.commit();
  }

  private async writeDirty(): Promise<number> {
    if (this.dirty.size === 0) return 0;
    const devices = [...this.dirty];
    this.dirty.clear();
    const rows = devices.map((d) => ({
      id: d.id,
      at: d.lastSeenMs > 0 ? new Date(d.lastSeenMs) : null,
      online: d.online,
      counts: JSON.stringify(d.counts),
      telemetry: JSON.stringify(d.telemetry),
    }));
    try {
      for (let i = 0; i < rows.length; i += FLUSH_CHUNK) {
        // A turn of the event loop between statements: an alarm's upsert and the sockets' reading
        // go between them instead of after the whole flush.
        if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        await store.flushSeen(this.db, rows.slice(i, i + FLUSH_CHUNK));
      }
    } catch (error) {
      // Not written: the next commit writes them (with whatever changed since).
      for (const d of devices) this.dirty.add(d);
      throw error;
    }
    return rows.length;
  }

  /** Deletes crowd areas past their day, with their counts; their alarms are cleared. */
  async expireAreas(): Promise<number> {
    const now = this.deps.now();
    const gone = await store.deleteExpiredAreas(this.db, now);
    if (gone.length > 0) {
      await this.db
        .updateTable('sensor_alarms')
        .set({ status: 'cleared_ack', cleared_at: now })
        .where(
          'area_id',
          'in',
          gone.map((g) => g.id),
        )
        .where('status', 'in', ['active_unack', 'active_ack'])
        .execute();
    }
    return gone.length;
  }

  // ---- crowd areas

  async areas(actor: OrgScope): Promise<CrowdArea[]> {
    return (await store.listAreas(this.db, actor)).map(presentArea);
  }

  async createArea(actor: Actor, req: CreateCrowdArea): Promise<CrowdArea> {
    await assertOrgInScope(this.db, actor, req.orgId, 'orgId');
    if (req.alarmDensity < req.warnDensity) {
      throw new ProblemError('validation', undefined, [
        { field: 'alarmDensity', rule: 'at_least_warn', message: '' },
      ]);
    }
    const first = req.ring[0];
    const last = req.ring.at(-1)!;
    if (first[0] !== last[0] || first[1] !== last[1]) {
      throw new ProblemError('validation', undefined, [{ field: 'ring', rule: 'closed', message: '' }]);
    }
    const areaM2 = ringAreaM2(req.ring);
    if (!(areaM2 > 1))
      throw new ProblemError('validation', undefined, [{ field: 'ring', rule: 'area', message: '' }]);
    const pts = req.ring.slice(0, -1);
    const now = this.deps.now();
    const id = uuidv7();
    await this.db
      .insertInto('crowd_areas')
      .values({
        id,
        name: req.name,
        org_id: req.orgId,
        ring: JSON.stringify(req.ring),
        area_m2: areaM2,
        centroid_lon: pts.reduce((s, p) => s + p[0], 0) / pts.length,
        centroid_lat: pts.reduce((s, p) => s + p[1], 0) / pts.length,
        warn_density: req.warnDensity,
        alarm_density: req.alarmDensity,
        capacity: req.capacity,
        expires_at: req.expiresAt
          ? new Date(req.expiresAt)
          : new Date(now.getTime() + this.timings.areaLifeMs),
        created_at: now,
        last_count: null,
        last_density: null,
        counted_at: null,
      })
      .execute();
    return presentArea((await store.findArea(this.db, id, actor))!);
  }

  async deleteArea(actor: Actor, id: string): Promise<void> {
    if (!(await store.findArea(this.db, id, actor))) throw new ProblemError('not_found', M.noSuchArea);
    await this.db.deleteFrom('crowd_areas').where('id', '=', id).execute();
  }

  async areaCounts(actor: OrgScope, id: string, minutes: number) {
    const area = await store.findArea(this.db, id, actor);
    if (!area) throw new ProblemError('not_found', M.noSuchArea);
    const rows = await store.counts(this.db, id, new Date(this.deps.now().getTime() - minutes * 60_000));
    return rows.map((r) => ({
      at: new Date(r.at).toISOString(),
      count: r.count,
      density: r.density,
      source: r.source,
      flag: r.flag,
    }));
  }

  /**
   * A count from a counter (drone, camera counter): density from the area's polygon; implausible
   * counts (negative, beyond capacity) are stored flagged and never alarm; crossing the alarm
   * density raises the area's alarm, tells the commanders live and names the three nearest
   * available units by road time.
   */
  private async count(
    d: Tracked,
    m: Extract<SensorMessage, { type: 'count' }>,
    nowMs: number,
  ): Promise<boolean> {
    this.stats.counts++;
    if (m.at && stampedInFuture(Date.parse(m.at), nowMs)) {
      this.drop('in_the_future');
      return false;
    }
    // The area must belong to the counter's org subtree.
    const org = await this.db
      .selectFrom('orgs')
      .select(['id', 'path'])
      .where('id', '=', d.orgId)
      .executeTakeFirst();
    const area = org
      ? await store.findArea(this.db, m.areaId, { orgId: org.id, orgPath: org.path })
      : undefined;
    if (!area) {
      this.drop('foreign_area');
      return false;
    }
    const at = m.at ? new Date(m.at) : new Date(nowMs);
    const flag = countFlag(m.count, area.capacity);
    const dens = density(Math.max(0, m.count), area.area_m2);
    await this.db
      .insertInto('crowd_counts')
      .values({
        area_id: area.id,
        at,
        count: m.count,
        density: dens,
        source: m.source,
        device_id: d.id,
        flag,
      })
      .execute();
    if (flag) {
      this.deps.publish('sensors.crowd_changed', area.org_id, {
        areaId: area.id,
        count: m.count,
        density: dens,
        level: area.level,
        flag,
      });
      return true;
    }
    const level = crowdLevel(dens, area.warn_density, area.alarm_density);
    await this.db
      .updateTable('crowd_areas')
      .set({ last_count: m.count, last_density: dens, level, counted_at: at })
      .where('id', '=', area.id)
      .execute();
    let units: { unitId: string; callSign: string; travelS: number }[] | undefined;
    if (level === 'alarm') {
      const { created } = await this.raise(
        { originator: area.id, deviceId: null, areaId: area.id, communityId: null, orgId: area.org_id },
        'crowd_density',
        'critical',
        { area: area.name, count: m.count, density: dens, source: m.source },
        nowMs,
      );
      if (created) units = await this.nearestUnits(area.centroid_lon, area.centroid_lat);
    } else if (area.level === 'alarm') {
      await this.clearActive(area.id, 'crowd_density', nowMs);
    }
    this.deps.publish('sensors.crowd_changed', area.org_id, {
      areaId: area.id,
      count: m.count,
      density: dens,
      level,
      flag: null,
      ...(units ? { units } : {}),
    });
    return true;
  }

  private async nearestUnits(lon: number, lat: number) {
    try {
      const recs = await this.deps.dispatch.nearestAvailableUnits(lon, lat, 3);
      return recs.map((r) => ({ unitId: r.unitId, callSign: r.callSign, travelS: r.etaSeconds }));
    } catch (error) {
      this.deps.log.warn({ err: error }, 'crowd alarm: no unit ranking');
      return [];
    }
  }
}

/**
 * Devices written per last-seen statement. On PGlite a statement runs on the event loop, and an
 * alarm raised meanwhile waits for it twice: for the reading of its MQTT message and for its
 * upsert (PGlite's one connection). With 1,000 devices in one statement the planner hashed the
 * whole table (a sequential scan of 100,000 rows): 100-170 ms per flush in bench:devices; 250 are
 * looked up by primary key, 5-40 ms each, and the run's flushes took 0.7 s instead of 3.7 s.
 */
export const FLUSH_CHUNK = 250;

/** Waits for all; then fails with the first failure, if any (the others still ran to the end). */
async function settledAll(tasks: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(tasks)).find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

/** An alarm's write tried again a few times (the database restarting) before it is given up. */
async function retried<T>(task: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
}

function isUuid(s: string) {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
}

function iso(v: Date | string | null): string | null {
  return v === null ? null : new Date(v).toISOString();
}

function presentAlarm(r: store.AlarmRow): Alarm {
  return {
    id: r.id,
    deviceId: r.device_id,
    areaId: r.area_id,
    communityId: r.community_id,
    orgId: r.org_id,
    type: r.type,
    severity: r.severity as AlarmSeverity,
    status: r.status as AlarmStatus,
    startedAt: iso(r.started_at)!,
    lastAt: iso(r.last_at)!,
    repeats: r.repeats,
    escalated: r.escalated,
    acknowledgedAt: iso(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by,
    clearedAt: iso(r.cleared_at),
    clearedBy: r.cleared_by,
    incidentId: r.incident_id,
    ticketId: r.ticket_id,
    detail: r.detail,
  };
}

function presentTicket(r: store.TicketRow): Ticket {
  return {
    id: r.id,
    deviceId: r.device_id,
    deviceName: r.device_name,
    deviceKind: r.device_kind as SensorKind,
    address: r.address,
    communityId: r.community_id,
    communityName: r.community_name,
    orgId: r.org_id,
    reason: r.reason,
    state: r.closed_at !== null ? 'closed' : r.acknowledged_at !== null ? 'acknowledged' : 'open',
    openedAt: iso(r.opened_at)!,
    acknowledgedAt: iso(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by,
    ackNote: r.ack_note,
    closedAt: iso(r.closed_at),
    closedBy: r.closed_by,
    closeNote: r.close_note,
    deviceOnline: r.device_online,
  };
}

function presentArea(r: store.AreaRow): CrowdArea {
  return {
    id: r.id,
    name: r.name,
    orgId: r.org_id,
    ring: r.ring,
    areaM2: r.area_m2,
    warnDensity: r.warn_density,
    alarmDensity: r.alarm_density,
    capacity: r.capacity,
    expiresAt: iso(r.expires_at)!,
    count: r.last_count,
    density: r.last_density,
    level: r.level as CrowdArea['level'],
    countedAt: iso(r.counted_at),
  };
}
