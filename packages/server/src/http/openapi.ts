import type { SwaggerOptions } from '@fastify/swagger';
import type { FastifySchema, RouteOptions } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { SESSION_COOKIE } from './auth.js';
import { PROBLEMS } from './problem.js';

/**
 * The OpenAPI document served at /api/openapi.json, generated from the typed routes (their zod
 * schemas and `config`): this file adds what a route does not spell out itself, the same way for
 * every route, so the document cannot drift from what the server enforces.
 *
 * - `operationId`: the route's own `schema.operationId`, else its method and path
 *   (`GET /api/perimeter/rings/:id/analysis` → `getPerimeterRingsByIdAnalysis`).
 * - `summary`: the route's own, else its method and path.
 * - `security` from `config.permission` and `config.device`: public routes `[]`, others the
 *   session cookie, device routes the session cookie or the device's bearer token. A route with
 *   its own `schema.security` (a public route that checks a token itself) keeps it.
 * - Problem responses (RFC 9457, application/problem+json) for the statuses every route of its
 *   kind can answer (see `problemStatuses`), and `default` for the rarer ones.
 * - A route declaring no success response gets `2XX` with an undeclared JSON body, said so in its
 *   description (UNDECLARED_SUCCESS); openapi.test.ts lists those routes and the list only shrinks.
 */

export const SECURITY_SCHEMES = {
  session: {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description:
      'A staff member’s (or an enterprise user’s) session, set by POST /api/auth/login; each route checks its permission against the roles of the account.',
  },
  deviceToken: {
    type: 'http',
    scheme: 'bearer',
    description:
      'A device’s API token (plate camera, AVL terminal, community sensor), issued under /api/devices; accepted only on routes of that device kind.',
  },
  hotlineToken: {
    type: 'apiKey',
    in: 'header',
    name: 'x-hotline-token',
    description:
      'The 12345 hotline’s shared token (config HOTLINE_TOKEN), on the diversion outcome route only.',
  },
  volunteerLink: {
    type: 'http',
    scheme: 'bearer',
    description: 'A volunteer’s phone link token, on the /api/community/volunteer/me routes only.',
  },
} as const;

export const UNDECLARED_SUCCESS =
  'Success. The route declares no response schema yet: the body is JSON of an undeclared shape (or empty).';

const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'RFC 9457 problem details; `title` and field messages in the caller’s language (zh-CN first).',
  required: ['type', 'title', 'status'],
  properties: {
    type: {
      type: 'string',
      description: 'A relative URI naming the kind of problem',
      enum: Object.keys(PROBLEMS).map((code) => `/problems/${code.replaceAll('_', '-')}`),
    },
    title: { type: 'string' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: { type: 'string' },
    instance: { type: 'string', description: 'The request path' },
    errors: {
      type: 'array',
      description: 'The fields at fault, each with the rule it broke',
      items: {
        type: 'object',
        required: ['field', 'rule', 'message'],
        properties: {
          field: { type: 'string', description: 'Dotted path, e.g. `roles.0`, or a header name' },
          rule: { type: 'string', description: 'e.g. `required`, `too_small`, `invalid_format`' },
          message: { type: 'string' },
        },
      },
    },
  },
} as const;

/** Every problem response a route may refer to, by status (and `default` for the rest). */
const PROBLEM_RESPONSES = {
  '400': 'Invalid request: a parameter, the query or the body breaks a rule (named in `errors`)',
  '401': 'Not signed in, the session has expired, or the token is unknown',
  '403': 'Signed in, but the permission (or the org scope) does not allow this',
  '404': 'Nothing with this id (within the caller’s scope)',
  '409': 'Conflicts with existing data (e.g. a unique value already in use)',
  '413': 'The request body is too large',
  '415': 'The body is not application/json',
  '422': 'The body is well-formed but breaks a data rule (e.g. refers to nothing)',
  '500': 'A fault of the server; `detail` gives the request id to quote',
  default: 'Any other problem: 405, 414, 423 account locked, 428 purpose required, 429 rate limited, 503',
} as const;
type ProblemStatus = keyof typeof PROBLEM_RESPONSES;

const problemResponseName = (status: ProblemStatus) =>
  status === 'default' ? 'Problem' : `Problem${status}`;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const WRITES = new Set(['post', 'put', 'patch', 'delete']);

interface Operation {
  operationId?: string;
  security?: Record<string, string[]>[];
  parameters?: { in: string }[];
  requestBody?: unknown;
  responses?: Record<string, { description?: string; content?: unknown; $ref?: string }>;
}

/** The problem statuses an operation can answer, from what the document says of it. */
export function problemStatuses(method: string, op: Operation): ProblemStatus[] {
  const statuses: ProblemStatus[] = ['400'];
  if (op.security === undefined || op.security.length > 0) statuses.push('401', '403');
  if (op.parameters?.some((p) => p.in === 'path')) statuses.push('404');
  if (WRITES.has(method)) statuses.push('409', '422');
  if (op.requestBody) statuses.push('413', '415');
  statuses.push('500', 'default');
  return statuses;
}

/** `GET /api/perimeter/rings/:id/analysis` → `getPerimeterRingsByIdAnalysis`. */
export function operationIdOf(method: string, url: string): string {
  const words = url
    .replace(/^\/api\//, '/')
    .split('/')
    .filter(Boolean)
    .flatMap((segment) => {
      const param = /^[:{](\w+)\}?(.*)$/.exec(segment);
      const parts = param ? [`by-${param[1]}`, param[2]] : [segment];
      return parts.flatMap((part) => part.split(/[^A-Za-z0-9]+/)).filter(Boolean);
    });
  return method.toLowerCase() + words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}

function securityOf(config: RouteOptions['config'] | undefined): Record<string, string[]>[] {
  const permission = (config as { permission?: string } | undefined)?.permission;
  // A public route that checks a token of its own declares it in its `schema.security`.
  if (permission === 'public') return [];
  const device = (config as { device?: string } | undefined)?.device;
  return device ? [{ session: [] }, { deviceToken: [] }] : [{ session: [] }];
}

export function openapiOptions(): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'citywatch API',
        version: '0.1.0',
        description:
          '社会治安防控平台 API. Every error is answered as RFC 9457 problem details (application/problem+json), in the language of Accept-Language (zh-CN first).',
        // citywatch is an open-source project, but its maintainers have not yet named its licence
        // (there is no LICENSE file): say so rather than invent one, or claim it is proprietary.
        license: {
          name: 'Open source; licence not yet chosen by the maintainers',
          identifier: 'LicenseRef-citywatch-unlicensed-pending',
        },
      },
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    transform(input) {
      const result = jsonSchemaTransform(input as Parameters<typeof jsonSchemaTransform>[0]);
      const schema = result.schema as
        | (FastifySchema & { hide?: boolean; operationId?: string; summary?: string; security?: unknown })
        | undefined;
      if (!schema || schema.hide) return result;
      const route = input.route as RouteOptions;
      const method = [route.method].flat()[0];
      return {
        url: result.url,
        schema: {
          ...schema,
          operationId: schema.operationId ?? operationIdOf(method, route.url),
          summary: schema.summary ?? `${method} ${route.url}`,
          security: schema.security ?? securityOf(route.config),
        },
      };
    },
    transformObject(document) {
      const doc = (document as { openapiObject: unknown }).openapiObject as Record<string, unknown> & {
        paths?: Record<string, Record<string, Operation>>;
        components?: Record<string, Record<string, unknown>>;
      };
      for (const item of Object.values(doc.paths ?? {})) {
        for (const method of METHODS) {
          const op = item[method];
          if (!op) continue;
          const responses = op.responses ?? {};
          const declared = Object.keys(responses).filter((s) => /^[23]/.test(s));
          const undeclared =
            declared.length === 1 && declared[0] === '200' && responses['200'].content === undefined;
          if (undeclared) {
            delete responses['200'];
            responses['2XX'] = {
              description: UNDECLARED_SUCCESS,
              content: { 'application/json': { schema: {} } },
            };
          }
          for (const status of problemStatuses(method, op)) {
            responses[status] ??= { $ref: `#/components/responses/${problemResponseName(status)}` };
          }
          op.responses = responses;
        }
      }
      const problemResponses = Object.fromEntries(
        (Object.entries(PROBLEM_RESPONSES) as [ProblemStatus, string][]).map(([status, description]) => [
          problemResponseName(status),
          {
            description,
            content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
          },
        ]),
      );
      return {
        ...doc,
        // Relative: the API is served by the same origin as the console that calls it.
        servers: [{ url: '/', description: 'The citywatch server answering this document' }],
        components: {
          ...doc.components,
          schemas: { ...doc.components?.schemas, Problem: PROBLEM_SCHEMA },
          responses: { ...doc.components?.responses, ...problemResponses },
        },
      };
    },
  };
}
