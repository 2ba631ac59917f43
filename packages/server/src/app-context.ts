import type { EventBus } from '@citywatch/core/events/bus';
import type { DomainEvent, DomainEventType, EventOfType } from '@citywatch/core/events/events';
import type { Config } from './config.js';
import type { Db } from './db/database.js';
import type { Permission } from './identity/permissions.js';
import type { IdentityService } from './identity/service.js';
import type { DispatchService } from './modules/dispatch/service.js';
import type { PlacesService } from './modules/places/service.js';

/** What every module's routes are handed: the database, the bus, services and the clock. */
export interface AppContext {
  config: Config;
  db: Db;
  bus: EventBus;
  identity: IdentityService;
  places: PlacesService;
  /** Set once the dispatch module is installed (it needs the context itself). */
  dispatch: DispatchService;
  now: () => Date;
  /** Publishes a domain event stamped with a fresh id and the current time. */
  publish<T extends DomainEventType>(type: T, orgId: string | null, payload: EventOfType<T>['payload']): void;
  /** Events published during this process's life that failed to reach the bus (for /metrics). */
  publishFailures: { count: number; last?: DomainEvent };
  /** Every route registered, with its declared permission (filled as routes register). */
  routes: { method: string; url: string; permission: Permission }[];
}
