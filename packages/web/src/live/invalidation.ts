import type { DomainEvent, DomainEventType, EventOfType } from '@citywatch/core/events/events';
import type {} from '@citywatch/core/sensors/events';
import type { QueryClient, QueryKey } from '@tanstack/react-query';
import { dispatchKeys, type Incident, isIncidentStatus, isUnitStatus, type Unit } from '../api/dispatch';
import { identityKeys } from '../api/identity';
import { type ClosurePlan, type HotlistHit, perimeterKeys } from '../api/perimeter';

type Keys = readonly QueryKey[];

/** What one kind of domain event means for the data the app holds. */
export interface LiveRule<T extends DomainEventType> {
  /**
   * The cached data this kind of event changes (query-key prefixes). After a reconnect, whatever of
   * it was loaded before is loaded again: events may have been missed meanwhile.
   */
  touches: Keys;
  /** What one event makes stale at once; without it, everything it `touches`. */
  invalidates?: (event: EventOfType<T>, cache: QueryClient) => Keys;
  /** Applied to the cached data at once (a unit moved on the map), before any reload arrives. */
  patch?: (event: EventOfType<T>, cache: QueryClient) => void;
}

export type LiveTable = { [T in DomainEventType]?: LiveRule<T> };

/** Incident statuses whose transition also moves the incident's units (on scene, freed when cleared). */
const UNIT_MOVING_STATUSES: ReadonlySet<string> = new Set([
  'en_route',
  'on_scene',
  'cleared',
  'closed',
  'cancelled',
  'merged',
]);

/** Whether an active closure plan in the cache sends this unit to a checkpoint. */
function inActivePlan(cache: QueryClient, unitId: string): boolean {
  return cache
    .getQueriesData<ClosurePlan>({ queryKey: [...perimeterKeys.plans, 'plan'] })
    .some(([, plan]) => plan?.status === 'active' && plan.assignments.some((a) => a.unitId === unitId));
}

/**
 * The one table from live events to the server state they change. Every page reads its data
 * through TanStack Query under these keys, so a page never subscribes to the feed for its data;
 * it listens (useLiveEvent) only where it needs an event itself, e.g. to pop up a hit alert.
 */
export const LIVE_TABLE: LiveTable = {
  'dispatch.incident_changed': {
    touches: [dispatchKeys.incidents, dispatchKeys.incidentDetails, dispatchKeys.units],
    invalidates: (event) => [
      dispatchKeys.incidents,
      dispatchKeys.incident(event.payload.incidentId),
      // The server moves the incident's units along with it without a unit event of their own, so
      // the unit board (and what is recommended elsewhere) is reloaded for those steps.
      ...(UNIT_MOVING_STATUSES.has(event.payload.status)
        ? [dispatchKeys.units, dispatchKeys.incidentDetails]
        : []),
    ],
    // Shown at once in the queue and on the map; the full record follows with the reload.
    patch: (event, cache) => {
      const { incidentId, status } = event.payload;
      if (!isIncidentStatus(status)) return;
      cache.setQueryData<Incident[]>(dispatchKeys.incidents, (list) =>
        list?.map((i) => (i.id === incidentId ? { ...i, status } : i)),
      );
    },
  },
  'dispatch.unit_changed': {
    touches: [dispatchKeys.units, dispatchKeys.incidents, dispatchKeys.incidentDetails, perimeterKeys.plans],
    invalidates: (event, cache) => {
      const p = event.payload;
      const known = cache.getQueryData<Unit[]>(dispatchKeys.units)?.find((u) => u.id === p.unitId);
      const keys: QueryKey[] = [];
      if (!known) keys.push(dispatchKeys.units);
      // A unit taken or freed changes the recommendations and the queue's unit lists; a mere
      // position fix does not (it is patched in below).
      else if (known.status !== p.status || known.incidentId !== p.incidentId)
        keys.push(dispatchKeys.units, dispatchKeys.incidents, dispatchKeys.incidentDetails);
      // A plan's unit moved: reading the plan marks it arrived once it is at its checkpoint.
      if (inActivePlan(cache, p.unitId)) keys.push(perimeterKeys.plans);
      return keys;
    },
    patch: (event, cache) => {
      const p = event.payload;
      cache.setQueryData<Unit[]>(dispatchKeys.units, (list) =>
        list?.map((u) =>
          u.id === p.unitId
            ? {
                ...u,
                status: isUnitStatus(p.status) ? p.status : u.status,
                incidentId: p.incidentId,
                lon: p.lon,
                lat: p.lat,
                heading: p.heading,
                speed: p.speed ?? null,
              }
            : u,
        ),
      );
    },
  },
  'perimeter.plan_changed': {
    // A plan activated or ended takes or frees units.
    touches: [perimeterKeys.plans, dispatchKeys.units],
  },
  'perimeter.checkpoints_changed': {
    touches: [perimeterKeys.checkpoints, perimeterKeys.analyses],
    invalidates: (event) => [
      perimeterKeys.checkpoints,
      event.payload.ringId ? perimeterKeys.analysis(event.payload.ringId) : perimeterKeys.analyses,
    ],
  },
  'perimeter.hotlist_changed': { touches: [perimeterKeys.hotlist] },
  'perimeter.hotlist_hit': {
    touches: [perimeterKeys.hits, perimeterKeys.reports],
    // The hit is listed at once; the server's row (and the report's counts) follow.
    patch: (event, cache) => {
      const p = event.payload;
      const hit: HotlistHit = {
        id: p.hitId,
        entryId: p.entryId,
        checkpointId: p.checkpointId,
        direction: p.direction,
        readAt: p.readAt,
        kind: p.kind,
        value: p.value,
        confidence: p.confidence,
        acknowledgedBy: null,
        acknowledgedAt: null,
      };
      cache.setQueryData<HotlistHit[]>(perimeterKeys.hits, (list) =>
        list && !list.some((h) => h.id === hit.id) ? [hit, ...list] : list,
      );
    },
  },
  'identity.user_changed': { touches: [identityKeys.users] },
  'identity.org_changed': { touches: [identityKeys.orgs] },
  // The sensors page's lists (devices, alarms, crowd areas) live under one prefix.
  'sensors.alarm_changed': { touches: [['sensors']] },
  'sensors.device_changed': { touches: [['sensors']] },
  'sensors.crowd_changed': { touches: [['sensors']] },
};

/** The event types the app subscribes to: those the table knows. */
export const LIVE_EVENT_TYPES = Object.keys(LIVE_TABLE) as DomainEventType[];

/** Live events come in bursts (a dispatch changes the incident and the unit): one reload per burst. */
const BURST_MS = 150;

const hashKey = (key: QueryKey) => JSON.stringify(key);
const startsWith = (key: QueryKey, prefix: QueryKey) =>
  prefix.length <= key.length && prefix.every((part, i) => hashKey([part]) === hashKey([key[i]]));

/**
 * Applies the table to a query cache: patches at once, and invalidates the keys an event makes
 * stale once per burst of events.
 */
export function liveCacheSync(cache: QueryClient) {
  const pending = new Map<string, QueryKey>();
  let timer: ReturnType<typeof setTimeout> | undefined;

  const flush = () => {
    timer = undefined;
    const keys = [...pending.values()];
    pending.clear();
    for (const queryKey of keys) void cache.invalidateQueries({ queryKey });
  };

  return {
    apply(event: DomainEvent): void {
      // The rule for this event's type (TypeScript cannot pair the two unions by itself).
      const rule = LIVE_TABLE[event.type] as LiveRule<DomainEventType> | undefined;
      if (!rule) return;
      // What is stale is judged on the cache before the patch (a unit's status before this event).
      const keys = rule.invalidates ? rule.invalidates(event, cache) : rule.touches;
      rule.patch?.(event, cache);
      for (const key of keys) pending.set(hashKey(key), key);
      if (pending.size > 0 && timer === undefined) timer = setTimeout(flush, BURST_MS);
    },
    /** After a (re)connect: reload what the table touches and was loaded before `since` (ms). */
    resync(since: number): void {
      const touched = Object.values(LIVE_TABLE).flatMap((rule) => rule?.touches ?? []);
      void cache.invalidateQueries({
        predicate: (query) =>
          query.state.dataUpdatedAt > 0 &&
          query.state.dataUpdatedAt < since &&
          touched.some((prefix) => startsWith(query.queryKey, prefix)),
      });
    },
    stop(): void {
      clearTimeout(timer);
      pending.clear();
    },
  };
}
