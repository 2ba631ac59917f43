import { type Open311Error, open311Request, open311Services } from '@citywatch/core/community/open311';
import fastifyFormbody from '@fastify/formbody';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ProblemError, pickLanguage } from '../../http/problem.js';
import type { ZodApp } from '../module.js';
import type { ReportsService } from './service.js';

/**
 * Open311 GeoReport v2 (JSON format): the services list, service requests posted form-encoded (as
 * the spec sends them) or as JSON, and their status. Without an api_key a request is a public
 * report under the same rate limits as the public page; no api_keys are issued yet, so one that is
 * sent is refused. Errors are the spec's list of {code, description}.
 *
 * Kept out of /api/openapi.json (hide): Open311 is its own interface with its own error format,
 * which the API's problem+json rule (and its fuzzer) does not govern.
 *
 * Reports to the police are not published: GET requests.json answers only the requests it is
 * asked for by service_request_id (the id the reporter was given).
 */
export async function open311Routes(app: ZodApp, reports: ReportsService) {
  await app.register(fastifyFormbody, { bodyLimit: 64 * 1024 });
  app.setErrorHandler((error, request, reply) => {
    const lang = langOf(request);
    if (error instanceof ProblemError) {
      const description = [
        error.detail ? (lang === 'en' ? error.detail.en : error.detail.zh) : error.message,
        ...(error.errors ?? []).map((e) => `${e.field}: ${e.rule}`),
      ].join('; ');
      if (error.headers) reply.headers(error.headers);
      return send(reply, error.status, [{ code: error.status, description }]);
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error }, 'open311 failed');
    return send(reply, status, [
      { code: status, description: status >= 500 ? 'internal error' : (error as Error).message },
    ]);
  });

  app.get(
    '/open311/v2/services.json',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['open311'],
        hide: true,
        querystring: z.object({ jurisdiction_id: z.string().max(100).optional() }).optional(),
      },
    },
    async (request) => open311Services(langOf(request)),
  );

  app.get(
    '/open311/v2/requests.json',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['open311'],
        hide: true,
        querystring: z.looseObject({ service_request_id: z.string().max(2000).optional() }),
      },
    },
    async (request) => {
      const raw = request.query.service_request_id ?? '';
      const ids = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (ids.length === 0) {
        throw spec(400, {
          zh: 'service_request_id 必填：向公安机关的上报不公开列出，只能按编号查询',
          en: 'service_request_id is required: reports to the police are not listed publicly, only looked up by id',
        });
      }
      if (ids.length > 50 || ids.some((id) => !z.uuid().safeParse(id).success)) {
        throw spec(400, {
          zh: 'service_request_id 格式不正确（最多 50 个）',
          en: 'service_request_id is malformed (at most 50)',
        });
      }
      const lang = langOf(request);
      return (await reports.byIds(ids)).map((r) => open311Request(r, lang));
    },
  );

  app.get(
    '/open311/v2/requests/:id.json',
    {
      config: { permission: 'public' },
      schema: { tags: ['open311'], hide: true, params: z.object({ id: z.string().max(100) }) },
    },
    async (request) => {
      const id = request.params.id;
      const found = z.uuid().safeParse(id).success ? await reports.byIds([id]) : [];
      if (found.length === 0)
        throw spec(404, {
          zh: `没有编号为 ${id.slice(0, 40)} 的请求`,
          en: `No service request ${id.slice(0, 40)}`,
        });
      return found.map((r) => open311Request(r, langOf(request)));
    },
  );

  app.post(
    '/open311/v2/requests.json',
    {
      config: { permission: 'public' },
      schema: { tags: ['open311'], hide: true, body: z.record(z.string(), z.unknown()) },
    },
    async (request, reply) => {
      const body = request.body;
      if (body.api_key !== undefined) {
        throw spec(403, {
          zh: 'api_key 无效（尚未发放 api_key；不带 api_key 即为公众上报）',
          en: 'Invalid api_key (none are issued yet; without one a request is a public report)',
        });
      }
      const parsed = postSchema.safeParse(body);
      if (!parsed.success) {
        const fields = [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? 'body')))];
        throw spec(400, {
          zh: `参数缺失或不合法：${fields.join(', ')}`,
          en: `Missing or invalid: ${fields.join(', ')}`,
        });
      }
      const p = parsed.data;
      const made = await reports.submit({
        source: 'open311',
        category: p.service_code,
        description: p.description,
        lon: p.long,
        lat: p.lat,
        address: p.address_string,
        fingerprint: p.device_id,
        mediaUrl: p.media_url,
        clientAddress: request.ip,
      });
      return reply
        .code(201)
        .send([{ service_request_id: made.id, token: made.token, service_notice: null, account_id: null }]);
    },
  );
}

const number = (min: number, max: number) => z.coerce.number().min(min).max(max);

/** A POST as the spec names its fields (form values arrive as strings). */
const postSchema = z.object({
  service_code: z.string().min(1).max(40),
  lat: number(-90, 90),
  long: number(-180, 180),
  description: z.string().trim().min(5).max(2000),
  address_string: z.string().trim().max(200).optional(),
  device_id: z.string().min(8).max(200).optional(),
  media_url: z
    .url({ protocol: /^https?$/ })
    .max(500)
    .optional(),
  jurisdiction_id: z.string().max(100).optional(),
  // Personal fields the spec allows are not kept: a report needs none.
  email: z.string().max(200).optional(),
  first_name: z.string().max(100).optional(),
  last_name: z.string().max(100).optional(),
  phone: z.string().max(40).optional(),
  account_id: z.string().max(100).optional(),
  address_id: z.string().max(100).optional(),
});

function spec(status: number, detail: { zh: string; en: string }): ProblemError {
  const code = status === 404 ? 'not_found' : status === 403 ? 'forbidden' : 'validation';
  return new ProblemError(code, detail, undefined, status);
}

function langOf(request: FastifyRequest): 'zh' | 'en' {
  return pickLanguage(request.headers['accept-language']) === 'en' ? 'en' : 'zh';
}

function send(reply: FastifyReply, status: number, errors: Open311Error[]) {
  return reply.code(status).type('application/json; charset=utf-8').send(errors);
}
