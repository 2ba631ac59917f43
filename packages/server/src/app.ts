import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { createEvent, type EventBus } from '@citywatch/core/events/bus';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, LogController } from 'fastify';
import { serializerCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { uuidv7 } from 'uuidv7';
import { z } from 'zod';
import { Outbox } from './bus/outbox.js';
import type { Config } from './config.js';
import type { Db } from './db/database.js';
import { ensureMonthsAroundNow } from './db/partitions.js';
import { everyOnOneNode } from './db/singleton.js';
import { installAuth } from './http/auth.js';
import { clientDbError, DATABASE_RETRY_AFTER_S, databaseUnavailable } from './http/db-errors.js';
import { installMetrics } from './http/metrics.js';
import { openapiOptions } from './http/openapi.js';
import { ProblemError, pickLanguage, sendProblem } from './http/problem.js';
import { installRequestLog, loggerOptions } from './http/request-log.js';
import { describeIssues, RequestValidationError, zodValidatorCompiler } from './http/validation.js';
import { permissionTable } from './identity/permissions.js';
import { MODULES, type Permission } from './modules/index.js';
import type {
  CoreDeps,
  Module,
  ModuleServices,
  Publish,
  PublishFailures,
  RegisteredIndicator,
  Runtime,
  Stop,
  ZodApp,
} from './modules/module.js';

/** Partition upkeep runs hourly: months are created two ahead, so a missed hour costs nothing. */
const PARTITION_UPKEEP_MS = 60 * 60_000;

const healthSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  database: z.string(),
  /** The event bus, when the node has a probe for it (NATS): `ok` or `unreachable`. */
  bus: z.enum(['ok', 'unreachable']).optional(),
});

export interface BuildAppOptions {
  config: Config;
  db: Db;
  bus: EventBus;
  now?: () => Date;
  /**
   * Rejects when the event bus cannot be reached (NATS: no server answers a ping): /api/health then
   * answers 503, and HAProxy stops sending to this node. Absent (in-process bus): not checked.
   */
  busProbe?: () => Promise<void>;
  /** Extra routes (tests); registered like any module's, so they must declare permissions too. */
  extraRoutes?: (app: ZodApp, ctx: AppHandle['ctx']) => void;
}

export interface AppHandle {
  app: FastifyInstance;
  /** The core deps and every module's service: for the process (demo, CLI), tests and benchmarks. */
  ctx: CoreDeps & ModuleServices & { routes: RegisteredRoute[] };
  /**
   * Starts every module's timers, subscriptions and ingest, in MODULES order; `app.close()` stops
   * them in reverse order before the database goes.
   */
  start(runtime?: Runtime): Promise<void>;
}

export interface RegisteredRoute {
  method: string;
  url: string;
  permission: Permission;
}

/**
 * Assembles the platform from MODULES: each module's service is created with exactly the deps it
 * declares (core plus the services it `needs`), then its routes are registered. Nothing starts
 * until `start()`.
 */
export async function buildApp(options: BuildAppOptions): Promise<AppHandle> {
  const { config, db, bus } = options;
  const now = options.now ?? (() => new Date());
  const app = Fastify({
    logger: loggerOptions(config),
    logController: new LogController({ disableRequestLogging: true }),
    // Unique across nodes and restarts: a client quoting it finds the one log line.
    genReqId: () => uuidv7(),
    bodyLimit: config.bodyLimitBytes,
    // X-Forwarded-For names the client only from the proxies configured (HAProxy in front).
    trustProxy: trustProxyOption(config.trustProxy),
    // The router's own refusals (a path that is not UTF-8 once decoded, a path parameter longer
    // than maxParamLength) are problems too, not fastify's plain JSON.
    frameworkErrors: (error, request, reply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      return sendProblem(request, reply, 'validation', {
        status: tooLong ? 414 : 400,
        detail: tooLong
          ? { zh: '请求路径中的参数过长', en: 'A path parameter is too long' }
          : { zh: '请求路径不是合法的 UTF-8', en: 'The request path is not valid UTF-8' },
        errors: [{ field: '(path)', rule: tooLong ? 'too_long' : 'invalid_encoding', message: '' }],
      });
    },
  });
  installRequestLog(app);
  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON only: a text/plain body is answered 415 rather than validated as a string.
  app.removeContentTypeParser('text/plain');

  const publishFailures: PublishFailures = { count: 0 };
  const publish: Publish = (type, orgId, payload) => {
    const event = createEvent(type, orgId, payload, { id: uuidv7(), at: now() });
    bus.publish(event).catch((error: unknown) => {
      publishFailures.count++;
      publishFailures.last = event;
      app.log.error({ err: error, type }, 'event publish failed');
    });
  };
  // Events written with their transaction (deps.transact) are published right after the commit;
  // the relay publishes those a node did not (it died between commit and publish).
  // Drills only: once this file exists, the node kills itself right after a commit with events,
  // before publishing them (scripts/cluster/drill.mjs commit-kill).
  const killFile = process.env.CITYWATCH_DRILL_KILL_AFTER_COMMIT;
  const outbox = new Outbox(db, bus, {
    now,
    log: app.log,
    afterCommit: killFile
      ? () => {
          if (existsSync(killFile)) process.kill(process.pid, 'SIGKILL');
        }
      : undefined,
    onPublishFailed: (event) => {
      publishFailures.count++;
      publishFailures.last = event;
    },
  });
  const modules: readonly Module[] = MODULES;
  const permissions = permissionTable(modules);
  const indicatorRegistry: RegisteredIndicator[] = [];
  const core: CoreDeps = {
    config,
    db,
    bus,
    now,
    publish,
    transact: outbox.transact,
    log: app.log,
    permissions,
    indicatorRegistry,
  };
  const services: Record<string, unknown> = {};
  const depsOf = (module: Module) => {
    const deps: CoreDeps & Record<string, unknown> = { ...core, log: app.log.child({ module: module.name }) };
    for (const needed of module.needs) {
      if (!(needed in services)) {
        throw new Error(`module ${module.name} needs ${needed}, which is not listed before it in MODULES`);
      }
      deps[needed] = services[needed];
    }
    return deps;
  };
  for (const module of modules) {
    services[module.name] = await module.create(depsOf(module));
    for (const declared of module.indicators(depsOf(module), services[module.name]))
      indicatorRegistry.push({ ...declared, module: module.name });
  }
  const routes: RegisteredRoute[] = [];
  const ctx = { ...core, ...(services as unknown as ModuleServices), routes };

  await app.register(fastifyCookie);
  await app.register(fastifySwagger, openapiOptions());
  // At the root, before the auth hook, so sockets refused by it are closed by the websocket plugin.
  await app.register(fastifyWebsocket, {
    options: { maxPayload: 16 * 1024 },
    // On stop, consoles are told to reconnect (1012 service restart: another node, or this one
    // back) instead of seeing a close without a code.
    preClose(done) {
      for (const client of this.websocketServer.clients) client.close(1012, 'server stopping; reconnect');
      this.websocketServer.close(() => done());
    },
  });
  installErrorHandling(app, config, await installWebApp(app, config));
  installAuth(app, { db, now, identity: ctx.identity, devices: ctx.devices, permissions, routes });
  installMetrics(app, publishFailures);

  app.get('/api/openapi.json', { config: { permission: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
  app.get(
    '/api/health',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['system'],
        summary: 'Is the server up, its database and its event bus reachable',
        response: { 200: healthSchema, 503: healthSchema },
      },
    },
    async (_request, reply) => {
      const probe = options.busProbe;
      const [database, busOk] = await Promise.all([
        db.kysely
          .selectNoFrom((eb) => eb.val(1).as('ok'))
          .execute()
          .then(
            () => true,
            () => false,
          ),
        probe
          ? probe().then(
              () => true,
              () => false,
            )
          : Promise.resolve(undefined),
      ]);
      const bus = busOk === undefined ? {} : { bus: busOk ? ('ok' as const) : ('unreachable' as const) };
      if (database && busOk !== false) return { status: 'ok' as const, database: db.kind, ...bus };
      reply.header('retry-after', String(DATABASE_RETRY_AFTER_S));
      return reply.code(503).send({ status: 'unavailable', database: db.kind, ...bus });
    },
  );

  const typed = app.withTypeProvider<ZodTypeProvider>();
  for (const module of modules) await module.routes(typed, depsOf(module), services[module.name]);
  options.extraRoutes?.(typed, ctx);

  const stops: { name: string; stop: Stop }[] = [];
  let started = false;
  app.addHook('onClose', async () => {
    // Reverse order: a module stops before the modules it uses.
    for (const { name, stop } of stops.reverse()) {
      try {
        await stop();
      } catch (error) {
        app.log.error({ err: error, module: name }, 'module failed to stop');
      }
    }
    stops.length = 0;
    // After the modules (they may still publish while stopping), before the bus and the database go.
    await outbox.close();
  });

  return {
    app,
    ctx,
    async start(runtime = {}) {
      if (started) throw new Error('modules already started');
      started = true;
      outbox.start();
      // Months ahead for every monthly-partitioned table (db/partitions.ts), on one node, hourly.
      stops.push({
        name: 'partitions',
        stop: everyOnOneNode(
          db,
          'db.partition-upkeep',
          PARTITION_UPKEEP_MS,
          () => ensureMonthsAroundNow(db.kysely, now()),
          (error) => app.log.error({ err: error }, 'partition upkeep failed'),
          // The migrations made the months around deploy time; a run at start would race the
          // dispatch retention purge creating the same AVL month.
          { runAtStart: false },
        ),
      });
      for (const module of modules) {
        const stop = await module.start(depsOf(module), services[module.name], runtime);
        if (stop) stops.push({ name: module.name, stop });
      }
    },
  };
}

/** Fastify's types omit the hop count its runtime takes: a count becomes the same function. */
function trustProxyOption(
  value: Config['trustProxy'],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof value === 'number' ? (_address, hop) => hop < value : value;
}

type WebFileServer = (url: string, reply: FastifyReply) => unknown;

function installErrorHandling(app: FastifyInstance, config: Config, serveWebFile: WebFileServer | null) {
  app.setErrorHandler((error: FastifyError | ProblemError | RequestValidationError, request, reply) => {
    const lang = pickLanguage(request.headers['accept-language']);
    if (error instanceof ProblemError) {
      if (error.headers) reply.headers(error.headers);
      return sendProblem(request, reply, error.code, {
        detail: error.detail,
        errors: error.errors,
        status: error.statusOverride,
      });
    }
    if (error instanceof RequestValidationError) {
      const part = (error as { validationContext?: string }).validationContext;
      const prefix = part === 'body' || part === undefined ? '' : part === 'querystring' ? 'query' : part;
      return sendProblem(request, reply, 'validation', {
        errors: describeIssues(error.issues, lang, prefix),
      });
    }
    const code = (error as FastifyError).code;
    const status = (error as FastifyError).statusCode ?? 500;
    if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (status === 400 && error instanceof SyntaxError)) {
      return sendProblem(request, reply, 'malformed_json');
    }
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendProblem(request, reply, 'payload_too_large', {
        detail: {
          zh: `请求体不能超过 ${config.bodyLimitBytes} 字节`,
          en: `At most ${config.bodyLimitBytes} bytes`,
        },
      });
    }
    if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415) {
      return sendProblem(request, reply, 'unsupported_media_type', {
        detail: { zh: '请使用 application/json', en: 'Use application/json' },
      });
    }
    if (status >= 400 && status < 500) {
      return sendProblem(request, reply, 'validation', {
        status,
        detail: { zh: error.message, en: error.message },
      });
    }
    if (databaseUnavailable(error)) {
      request.log.warn({ err: error, reqId: request.id }, 'database unreachable');
      reply.header('retry-after', String(DATABASE_RETRY_AFTER_S));
      return sendProblem(request, reply, 'unavailable', {
        detail: {
          zh: `数据库暂时无法连接，请 ${DATABASE_RETRY_AFTER_S} 秒后重试`,
          en: `The database cannot be reached; retry in ${DATABASE_RETRY_AFTER_S} s`,
        },
      });
    }
    const dbError = clientDbError(error);
    if (dbError) {
      request.log.warn({ err: error }, 'database refused a client request');
      return sendProblem(request, reply, dbError.code, {
        status: dbError.status,
        detail: dbError.detail,
        errors: dbError.errors,
      });
    }
    // A fault of the server itself: logged with the request id the client is given to quote.
    request.log.error({ err: error, reqId: request.id }, 'unhandled error');
    reply.header('x-request-id', request.id);
    return sendProblem(request, reply, 'internal', {
      detail: {
        zh: `服务器内部错误，请求编号 ${request.id}`,
        en: `Internal error; request id ${request.id}`,
      },
    });
  });

  app.setNotFoundHandler((request, reply) => {
    const url = request.url.split('?')[0];
    if (
      url.startsWith('/api/') ||
      url === '/api' ||
      (request.method !== 'GET' && request.method !== 'HEAD')
    ) {
      return sendProblem(request, reply, 'not_found', {
        detail: { zh: `没有 ${request.method} ${url}`, en: `No ${request.method} ${url}` },
      });
    }
    if (!serveWebFile) return reply.code(404).type('text/plain; charset=utf-8').send('web app not built');
    return serveWebFile(request.url, reply);
  });
}

/** Serves the built web app: files under dist, and index.html for every other GET (client routing). */
async function installWebApp(app: FastifyInstance, config: Config): Promise<WebFileServer | null> {
  if (!existsSync(path.join(config.webDist, 'index.html'))) return null;
  await app.register(fastifyStatic, { root: config.webDist, serve: false });
  return (url, reply) => {
    let clean: string;
    try {
      clean = decodeURIComponent(url.split('?')[0]);
    } catch {
      clean = '';
    }
    const relative = path.normalize(clean).replace(/^([/\\])+/, '');
    const file = path.join(config.webDist, relative);
    if (relative && !relative.startsWith('..') && file.startsWith(config.webDist) && isFile(file)) {
      const immutable = relative.startsWith('assets/');
      return reply
        .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
        .sendFile(relative);
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  };
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
