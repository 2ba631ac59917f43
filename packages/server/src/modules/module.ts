import type { EventBus } from '@citywatch/core/events/bus';
import type { DomainEvent, DomainEventType, EventOfType } from '@citywatch/core/events/events';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Transact } from '../bus/outbox.js';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import type { PermissionMap, PermissionTable } from '../identity/permissions.js';
import type { MqttConnection } from '../ingest/mqtt.js';
import type { IndicatorDeclaration } from './indicators/indicator.js';

/**
 * The module contract (DESIGN.md "Modules"). A feature is one `defineModule({...})` value in its
 * own folder, listed once in `MODULES` (modules/index.ts). It declares its permissions, its SQL
 * migrations folder, the services of other modules it uses (`needs`), and three optional steps:
 * `create` builds its service, `routes` registers its HTTP routes, `start` starts its timers,
 * subscriptions and ingest and returns the function that stops them.
 *
 * Its tables extend the shared `Database` interface (db/schema.ts) and its domain events extend
 * `DomainEventPayloads` (core/events/events.ts), both by declaration merging from its own folder;
 * its service is named in `ModuleServices` the same way, so `needs: ['places']` types the deps.
 */

/** Publishes a domain event stamped with a fresh id and the current time; failures are counted. */
export type Publish = <T extends DomainEventType>(
  type: T,
  orgId: string | null,
  payload: EventOfType<T>['payload'],
) => void;

/** What every module may use; nothing else is handed over implicitly. */
export interface CoreDeps {
  config: Config;
  db: Db;
  bus: EventBus;
  now: () => Date;
  publish: Publish;
  /**
   * A transaction whose domain events are written to the outbox with the change (bus/outbox.ts):
   * published right after the commit, and by another node's relay if this node dies first.
   */
  transact: Transact;
  log: FastifyBaseLogger;
  /** Every module's permissions and the roles holding them. */
  permissions: PermissionTable;
  /** Every module's indicators, each with its module's name (filled as the modules are created). */
  indicatorRegistry: readonly RegisteredIndicator[];
}

/** An indicator as the registry holds it: its declaration and the module that declared it. */
export type RegisteredIndicator = IndicatorDeclaration & { module: string };

/** Each module's service under its name; modules add theirs by declaration merging. */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging in each module
export interface ModuleServices {}
export type ModuleName = keyof ModuleServices;

/** A module's deps: the core plus the services of the modules it names. */
export type Deps<N extends ModuleName = never> = CoreDeps & Pick<ModuleServices, N>;

/** What only exists once the process runs (not in unit tests): the MQTT broker devices talk to. */
export interface Runtime {
  /** The broker device ingest subscribes to, with the server's credentials (never logged). */
  mqtt?: MqttConnection;
}

export type Stop = () => void | Promise<void>;

/** Fastify with zod-typed request parts: handlers get typed body, params and query. */
export type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface ModuleSpec<Name extends string, P extends PermissionMap, N extends ModuleName, S> {
  name: Name;
  permissions: P;
  /** Modules whose services this one uses; they must come earlier in MODULES. */
  needs?: readonly N[];
  /** Absolute path of this module's folder of numbered plain-SQL migrations (one global order). */
  migrations?: string;
  /**
   * The permission a console needs to receive each of this module's domain events live (and the
   * event's org must lie in the viewer's scope). An event type no module names reaches no one.
   */
  events?: Partial<Record<DomainEventType, keyof P & string>>;
  create?: (deps: Deps<N>) => S | Promise<S>;
  routes?: (app: ZodApp, deps: Deps<N>, service: S) => void | Promise<void>;
  start?: (deps: Deps<N>, service: S, runtime: Runtime) => Stop | undefined | Promise<Stop | undefined>;
  /** The module's indicators (评价指标), computed from its own tables; see indicators/indicator.ts. */
  indicators?: (deps: Deps<N>, service: S) => readonly IndicatorDeclaration[];
}

/** The erased form MODULES holds; `permissions` keeps its literal keys for the Permission type. */
export interface Module<P extends PermissionMap = PermissionMap> {
  name: string;
  permissions: P;
  needs: readonly string[];
  migrations?: string;
  events: Partial<Record<string, string>>;
  create(deps: CoreDeps & Record<string, unknown>): unknown;
  routes(app: ZodApp, deps: CoreDeps & Record<string, unknown>, service: unknown): void | Promise<void>;
  start(
    deps: CoreDeps & Record<string, unknown>,
    service: unknown,
    runtime: Runtime,
  ): Stop | undefined | Promise<Stop | undefined>;
  indicators(deps: CoreDeps & Record<string, unknown>, service: unknown): readonly IndicatorDeclaration[];
}

export function defineModule<
  const Name extends string,
  const P extends PermissionMap,
  N extends ModuleName = never,
  S = undefined,
>(spec: ModuleSpec<Name, P, N, Name extends ModuleName ? ModuleServices[Name] : S>): Module<P> {
  type AnyDeps = Deps<N>;
  type Service = Name extends ModuleName ? ModuleServices[Name] : S;
  return {
    name: spec.name,
    permissions: spec.permissions,
    needs: spec.needs ?? [],
    migrations: spec.migrations,
    events: spec.events ?? {},
    create: (deps) => spec.create?.(deps as unknown as AnyDeps),
    routes: (app, deps, service) => spec.routes?.(app, deps as unknown as AnyDeps, service as Service),
    start: (deps, service, runtime) => spec.start?.(deps as unknown as AnyDeps, service as Service, runtime),
    indicators: (deps, service) => spec.indicators?.(deps as unknown as AnyDeps, service as Service) ?? [],
  };
}

/**
 * A listed module with indicators declared in a file of its folder (`<module>/indicators.ts`),
 * for modules written before the contract had the field (MODULES wraps them).
 */
export function withIndicators<P extends PermissionMap, N extends ModuleName, S>(
  module: Module<P>,
  indicators: (deps: Deps<N>, service: S) => readonly IndicatorDeclaration[],
): Module<P> {
  return {
    ...module,
    indicators: (deps, service) => [
      ...module.indicators(deps, service),
      ...indicators(deps as unknown as Deps<N>, service as S),
    ],
  };
}

/** For /metrics: events published during this process's life that failed to reach the bus. */
export interface PublishFailures {
  count: number;
  last?: DomainEvent;
}
