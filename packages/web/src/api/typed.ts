import { api, type RequestOptions } from './client';
import type { paths } from './openapi.gen';

/**
 * Calls typed by the OpenAPI document (openapi.gen.ts, generated with openapi-typescript from
 * /api/openapi.json): the path must be one the server serves with that method, and the body, the
 * query, the path parameters and the answer are the document's own types. When a route's zod
 * schema changes and the types are regenerated (`npm run api:types`), a page that no longer fits
 * stops type-checking.
 */
export type { paths };

export type ApiMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The paths served with `method`. */
export type PathsWith<M extends ApiMethod> = {
  [P in keyof paths]: paths[P][M] extends undefined ? never : P;
}[keyof paths];

type Operation<P extends keyof paths, M extends ApiMethod> = Exclude<paths[P][M], undefined>;
type Json<R> = R extends { content: { 'application/json': infer B } } ? B : undefined;
type SuccessStatus = 200 | 201 | 202 | 204;

/** The JSON body of the operation's success answers (undefined for a 204). */
export type ApiAnswer<P extends keyof paths, M extends ApiMethod> =
  Operation<P, M> extends { responses: infer R } ? Json<R[Extract<keyof R, SuccessStatus>]> : never;

type RequestBodyOf<O> = O extends { requestBody?: infer R } ? R : undefined;

/** The operation's JSON request body (undefined when it takes none, as GET operations). */
export type ApiBody<P extends keyof paths, M extends ApiMethod> = [
  NonNullable<RequestBodyOf<Operation<P, M>>>,
] extends [never]
  ? undefined
  : NonNullable<RequestBodyOf<Operation<P, M>>> extends { content: { 'application/json': infer B } }
    ? undefined extends RequestBodyOf<Operation<P, M>>
      ? B | undefined
      : B
    : undefined;

/** The operation's query parameters. */
export type ApiQuery<P extends keyof paths, M extends ApiMethod> =
  Operation<P, M> extends { parameters: { query?: infer Q } } ? Q : undefined;

/** The operation's path parameters (`{id}` in the path). */
export type ApiPathParams<P extends keyof paths, M extends ApiMethod> =
  Operation<P, M> extends { parameters: { path: infer X } } ? X : undefined;

export type ApiInit<P extends keyof paths, M extends ApiMethod> = {
  signal?: AbortSignal;
  headers?: Record<string, string>;
} & (ApiPathParams<P, M> extends undefined ? { params?: undefined } : { params: ApiPathParams<P, M> }) &
  (ApiBody<P, M> extends undefined ? { body?: undefined } : { body: ApiBody<P, M> }) & {
    query?: ApiQuery<P, M>;
  };

/** `/api/x/{id}/y` with `{ id }` → `/api/x/<id>/y` (each value URI-encoded). */
export function fillPath(path: string, params: Record<string, string | number> | undefined): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${path}`);
    return encodeURIComponent(String(value));
  });
}

/** One call of the API, typed by the OpenAPI document. */
export function call<M extends ApiMethod, P extends PathsWith<M>>(
  method: M,
  path: P,
  init: ApiInit<P, M>,
): Promise<ApiAnswer<P, M>> {
  return api<ApiAnswer<P, M>>(fillPath(path, init.params as Record<string, string> | undefined), {
    method: method.toUpperCase() as RequestOptions['method'],
    body: init.body,
    query: init.query as RequestOptions['query'],
    signal: init.signal,
    headers: init.headers,
  });
}
