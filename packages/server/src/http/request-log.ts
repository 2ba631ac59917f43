import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { Config } from '../config.js';

/**
 * Logs a person can read: on a terminal pino-pretty lines, JSON otherwise (for a log collector).
 * Fastify's own two lines per request are off; `installRequestLog` writes one.
 */
export function loggerOptions(config: Config): FastifyServerOptions['logger'] {
  const base = { level: config.logLevel, redact: ['req.headers.cookie', 'req.headers.authorization'] };
  if (config.logFormat !== 'pretty') return base;
  return {
    ...base,
    transport: {
      target: 'pino-pretty',
      options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,reqId', singleLine: true },
    },
  };
}

/**
 * One line per request. The simulator's requests (injected in process) and device telemetry
 * (AVL fixes, plate reads: routes with `auditWrites: false`) go at debug level, so that at the
 * default level the startup banner, warnings and people's requests are not buried.
 */
export function installRequestLog(app: FastifyInstance) {
  app.addHook('onResponse', async (request, reply) => {
    const background =
      request.headers['user-agent'] === 'lightMyRequest' ||
      request.routeOptions.config?.auditWrites === false;
    const level = reply.statusCode >= 500 ? 'error' : background ? 'debug' : 'info';
    request.log[level](
      { status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      `${request.method} ${request.url.split('?')[0]} ${reply.statusCode}`,
    );
  });
}
