import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { deviceDrops } from '../ingest/drops.js';
import type { PublishFailures } from '../modules/module.js';

/** Prometheus metrics on /metrics: process defaults plus request durations by route and status. */
export function installMetrics(app: FastifyInstance, publishFailures: PublishFailures): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Dropped device messages by source and reason (ingest/drops.ts), logged through the app's logger.
  registry.registerMetric(deviceDrops.counter);
  deviceDrops.useLog(app.log);
  const duration = new Histogram({
    name: 'citywatch_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'citywatch_event_publish_failures',
    help: 'Domain events that failed to reach the bus since the process started',
    registers: [registry],
    collect() {
      this.set(publishFailures.count);
    },
  });
  app.addHook('onResponse', async (request, reply) => {
    duration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
  // Scraped by Prometheus from inside the bureau's network; it carries no personal data.
  app.get(
    '/metrics',
    { config: { permission: 'public' }, schema: { hide: true } },
    async (_request, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    },
  );
  return registry;
}
