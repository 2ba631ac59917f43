/**
 * A request fuzzer generated from the OpenAPI document (`/api/openapi.json`): for every operation
 * it builds plausible requests from the operation's parameter and body schemas, then breaks them
 * in one of the classes below, sends them through `app.inject` one at a time and checks each
 * answer: never a 5xx, and every 4xx an RFC 9457 problem (application/problem+json with a type, a
 * title and the status).
 *
 * Deterministic by seed: every choice comes from one small PRNG (and fast-check, seeded from it,
 * for strings matching a schema's pattern). The server's own ids differ from run to run, so the
 * requests that name them do too; what is chosen, in which order, does not.
 *
 * Used by the test suite (http/openapi-fuzz.db.test.ts, a short run) and `npm run fuzz`
 * (bench/fuzz.ts, a long one on both databases).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DISPATCH_CATEGORIES } from '@citywatch/core/dispatch/categories';
import fc from 'fast-check';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { REPO_ROOT } from '../config.js';
import { ensureBundledCity } from '../demo.js';
import { ADMIN_PASSWORD, type TestApp } from './app.js';

// ---------------------------------------------------------------------------------------------
// The OpenAPI document, as far as the fuzzer reads it

/** The subset of JSON Schema that fastify-type-provider-zod emits. */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema | false;
  prefixItems?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  default?: unknown;
}

export interface Param {
  name: string;
  schema: JsonSchema;
  required: boolean;
}

export interface Operation {
  /** `PATCH /api/perimeter/checkpoints/{id}` */
  id: string;
  method: string;
  /** OpenAPI path template, `{name}` for path parameters. */
  path: string;
  pathParams: Param[];
  query: Param[];
  body?: JsonSchema;
}

interface OpenApiDoc {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { in: string; name: string; required?: boolean; schema: JsonSchema }[];
        requestBody?: { content?: Record<string, { schema: JsonSchema }> };
      }
    >
  >;
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

/** Every operation of the document, in document order. */
export function operationsOf(doc: unknown): Operation[] {
  const ops: Operation[] = [];
  for (const [p, item] of Object.entries((doc as OpenApiDoc).paths)) {
    for (const [m, op] of Object.entries(item)) {
      if (!METHODS.has(m)) continue;
      const params = op.parameters ?? [];
      const pick = (where: string) =>
        params
          .filter((x) => x.in === where)
          .map((x) => ({ name: x.name, schema: x.schema ?? {}, required: x.required === true }));
      ops.push({
        id: `${m.toUpperCase()} ${p}`,
        method: m.toUpperCase(),
        path: p,
        pathParams: pick('path'),
        query: pick('query'),
        body: op.requestBody?.content?.['application/json']?.schema,
      });
    }
  }
  return ops;
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

/** sfc32: small, fast, good enough, and the same on every machine. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.u32();
  }
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  /** [0, 1) */
  next(): number {
    return this.u32() / 4294967296;
  }
  /** [0, n) */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[this.int(16)];
    return s;
  }
  /** A UUIDv7 (version and variant bits right) that nothing in the database holds. */
  uuidv7(): string {
    const ms = Date.parse('2026-01-01T00:00:00Z') + this.int(2 ** 31);
    const t = ms.toString(16).padStart(12, '0');
    return `${t.slice(0, 8)}-${t.slice(8)}-7${this.hex(3)}-${'89ab'[this.int(4)]}${this.hex(3)}-${this.hex(12)}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Plausible values

/** Per field name, plausible values that reach past validation (the city, real categories…). */
export type Hints = Record<string, (rng: Rng, fuzz: FuzzState) => unknown>;

const TEXT_PIECES = [
  '龙岗',
  '派出所',
  '巡逻',
  '大道',
  'Longgang',
  'road',
  '测试',
  ' ',
  '-',
  '1',
  'é',
  '😀',
  'ß',
];

function text(rng: Rng, min: number, max: number): string {
  const want = rng.between(min, Math.min(max, min + 24));
  const chars: string[] = [];
  while (chars.length < want) chars.push(...rng.pick(TEXT_PIECES));
  chars.length = want;
  // A trimmed schema counts what is left after trimming: keep the ends solid. (Whole code
  // points: a surrogate pair cut in half would be a lone surrogate, which only some classes send.)
  if (want > 0) chars[0] = 'x';
  if (want > 1) chars[want - 1] = 'y';
  return chars.join('');
}

const patternArbitraries = new Map<string, fc.Arbitrary<string>>();
function matching(rng: Rng, pattern: string): string {
  let arb = patternArbitraries.get(pattern);
  if (!arb) {
    arb = fc.stringMatching(new RegExp(pattern));
    patternArbitraries.set(pattern, arb);
  }
  return fc.sample(arb, { seed: rng.u32() | 0, numRuns: 1 })[0];
}

function typesOf(schema: JsonSchema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  if (schema.type) return [schema.type];
  if (schema.properties) return ['object'];
  if (schema.items || schema.prefixItems) return ['array'];
  return [];
}

/** Resource kind an id field names: `orgId` → orgs, `ringId` → rings, `mergeInto` → incidents. */
export function kindOfField(name: string): string | undefined {
  const special: Record<string, string> = {
    parentId: 'orgs',
    homeOrgId: 'orgs',
    mergeInto: 'incidents',
    id: '',
  };
  if (name in special) return special[name] || undefined;
  const m = /^([a-z][A-Za-z]*)Id$/.exec(name);
  return m ? `${m[1]}s` : undefined;
}

/** The kind of resource a path parameter names: the collection segment before it. */
export function kindOfPathParam(pathTemplate: string, name: string): string | undefined {
  if (name !== 'id') return undefined;
  const segments = pathTemplate.split('/');
  const i = segments.indexOf(`{${name}}`);
  if (i <= 0) return undefined;
  const before = segments[i - 1];
  return before.startsWith('{') ? undefined : before;
}

/** The collection a request's answer describes: the last literal segment of its path. */
function collectionOf(pathTemplate: string): string {
  const literal = pathTemplate.split('/').filter((s) => s && !s.startsWith('{') && s !== 'api');
  return literal[literal.length - 1] ?? '';
}

/** A valid-looking value for a schema, preferring ids the fuzzer has seen for id-like fields. */
function valueFor(state: FuzzState, schema: JsonSchema, field: string | undefined, depth = 0): unknown {
  const { rng } = state;
  // A copy: drafts are broken in place, and a hint may hand out the same object every time.
  if (field && state.hints[field] && !schema.enum && rng.chance(0.85)) {
    return structuredClone(state.hints[field](rng, state));
  }
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return rng.pick(schema.enum);
  const branches = schema.oneOf ?? schema.anyOf;
  if (branches) {
    // Mostly the non-null branch: a null is legal but reaches less.
    const nonNull = branches.filter((b) => b.type !== 'null');
    const branch = nonNull.length > 0 && rng.chance(0.85) ? rng.pick(nonNull) : rng.pick(branches);
    return valueFor(state, branch, field, depth);
  }
  if (schema.allOf?.length) return valueFor(state, schema.allOf[0], field, depth);
  const types = typesOf(schema);
  const type = types.length ? rng.pick(types) : undefined;
  switch (type) {
    case 'null':
      return null;
    case 'boolean':
      return rng.chance(0.5);
    case 'integer':
    case 'number': {
      const lo = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 0);
      const hi = Math.min(
        schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : lo + 100),
        lo + 1000,
      );
      const x = lo + rng.next() * Math.max(0, hi - lo);
      return type === 'integer' ? Math.min(Math.ceil(x), Math.floor(hi)) : x;
    }
    case 'string':
      return stringFor(state, schema, field);
    case 'array': {
      const min = schema.minItems ?? 0;
      const max = Math.min(schema.maxItems ?? min + 3, min + 3);
      const n = rng.between(min, max);
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) {
        const itemSchema = schema.prefixItems?.[i] ?? (schema.items || {});
        out.push(valueFor(state, itemSchema, undefined, depth + 1));
      }
      return out;
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      const required = new Set(schema.required ?? []);
      for (const [key, sub] of Object.entries(schema.properties ?? {})) {
        if (required.has(key) || rng.chance(0.5)) out[key] = valueFor(state, sub, key, depth + 1);
      }
      return out;
    }
    default:
      // {}: anything. Small JSON.
      return depth > 2
        ? rng.int(100)
        : rng.pick([rng.int(100), text(rng, 1, 8), null, true, [1, 'a'], { a: 1 }]);
  }
}

function stringFor(state: FuzzState, schema: JsonSchema, field: string | undefined): string {
  const { rng } = state;
  if (schema.format === 'uuid') return idFor(state, field ? kindOfField(field) : undefined, 'valid');
  if (schema.format === 'date-time')
    return new Date(state.now() + (rng.next() - 0.7) * 86_400_000).toISOString();
  if (schema.pattern) {
    const s = matching(rng, schema.pattern);
    if (s.length >= (schema.minLength ?? 0) && s.length <= (schema.maxLength ?? Number.POSITIVE_INFINITY))
      return s;
  }
  return text(rng, schema.minLength ?? 0, schema.maxLength ?? 40);
}

export type IdChoice = 'valid' | 'created' | 'foreign' | 'nothing';

/** An id for a field naming a resource of `kind`: one the fuzzer saw, another kind's, or none's. */
function idFor(state: FuzzState, kind: string | undefined, choice: IdChoice): string {
  const { rng } = state;
  const own = kind ? state.pool.get(kind) : undefined;
  if (choice === 'valid') {
    const r = rng.next();
    choice = r < 0.7 ? 'created' : r < 0.85 ? 'foreign' : 'nothing';
  }
  if (choice === 'created' && own?.length) return rng.pick(own);
  if (choice === 'foreign' || choice === 'created') {
    const others = [...state.pool.entries()].filter(([k, ids]) => k !== kind && ids.length > 0);
    if (others.length) return rng.pick(rng.pick(others)[1]);
  }
  return kind === 'checkpoints' && rng.chance(0.5) ? `FZ-${rng.hex(8)}` : rng.uuidv7();
}

// ---------------------------------------------------------------------------------------------
// Requests

export const FUZZ_CLASSES = [
  'valid',
  'control',
  'surrogate',
  'nfd',
  'huge',
  'deep',
  'wrongType',
  'missing',
  'extra',
  'contentType',
  'malformed',
  'foreignId',
  'nothingId',
  'createdId',
  'unauthenticated',
  'lowPrivilege',
  'emptyBody',
] as const;
export type FuzzClass = (typeof FUZZ_CLASSES)[number];

interface Draft {
  op: Operation;
  fuzzClass: FuzzClass;
  pathValues: Record<string, string>;
  query: Record<string, unknown>;
  /** undefined: no body sent. */
  body: unknown;
  /** Sent as is instead of JSON.stringify(body). */
  rawBody?: string;
  /** JSON text put in place of a marker string in the body (values too deep to build as objects). */
  splice?: { marker: string; text: string };
  contentType?: string;
  principal: 'privileged' | 'low' | 'none' | 'bogus';
  headers: Record<string, string>;
}

export interface Principal {
  name: string;
  /** The user's id (a person), or the device's (a device). */
  userId: string;
  /** May this principal call the operation (its role holds the route's permission)? */
  may(method: string, pathTemplate: string): boolean;
  /** A fresh session cookie (`cw_session=…`), or a device's `Bearer …` token. */
  login(): Promise<string>;
}

export interface FuzzState {
  rng: Rng;
  hints: Hints;
  now: () => number;
  /** Ids seen in answers, by resource kind (`orgs`, `rings`, `checkpoints`…), newest last. */
  pool: Map<string, string[]>;
  /** Ids the target's devices speak for, by kind: hints prefer them (a camera reads only at its checkpoint). */
  favourites: Record<string, string[]>;
}

const POOL_CAP = 40;
function remember(state: FuzzState, kind: string, id: unknown) {
  if (typeof id !== 'string' || !kind || id.length > 200) return;
  let ids = state.pool.get(kind);
  if (!ids) {
    ids = [];
    state.pool.set(kind, ids);
  }
  if (ids.includes(id)) return;
  ids.push(id);
  if (ids.length > POOL_CAP) ids.shift();
}

/** Learns ids from an answer: `{id}` of the collection, `items[].id`, `{incident: {id}}`, `xxxId` fields. */
function harvest(state: FuzzState, op: Operation, value: unknown, key: string | undefined, depth: number) {
  if (depth > 4 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value.slice(0, 50)) harvest(state, op, item, key, depth + 1);
    return;
  }
  const obj = value as Record<string, unknown>;
  const kind =
    key === undefined || key === 'items' ? collectionOf(op.path) : key.endsWith('s') ? key : `${key}s`;
  if (typeof obj.id === 'string') remember(state, kind, obj.id);
  for (const [k, v] of Object.entries(obj)) {
    const fieldKind = kindOfField(k);
    if (fieldKind && typeof v === 'string') remember(state, fieldKind, v);
    else if (typeof v === 'object' && v !== null) harvest(state, op, v, k, depth + 1);
  }
}

/** A request that should pass validation (it may still name something that does not exist). */
function validDraft(state: FuzzState, op: Operation, fuzzClass: FuzzClass, protectedIds: Set<string>): Draft {
  const pathValues: Record<string, string> = {};
  for (const p of op.pathParams) {
    const kind = kindOfPathParam(op.path, p.name);
    let v: unknown;
    if (p.schema.format === 'uuid' || kind) {
      v = idFor(state, kind, 'valid');
      // The fuzzer's own accounts are not changed or ended (it would lock itself out).
      for (let i = 0; i < 5 && op.method !== 'GET' && protectedIds.has(String(v)); i++)
        v = idFor(state, kind, 'valid');
      if (op.method !== 'GET' && protectedIds.has(String(v))) v = state.rng.uuidv7();
    } else v = valueFor(state, p.schema, p.name);
    pathValues[p.name] = String(v);
  }
  const query: Record<string, unknown> = {};
  for (const q of op.query) {
    if (q.required || state.rng.chance(0.5)) query[q.name] = valueFor(state, q.schema, q.name);
  }
  // The draft owns every object in its body (mutations must not reach another draft's).
  const body = op.body ? structuredClone(valueFor(state, op.body, undefined)) : undefined;
  const headers: Record<string, string> = {};
  if (state.rng.chance(0.5)) headers['x-purpose'] = encodeURIComponent('模糊测试 fuzz');
  if (state.rng.chance(0.3)) headers['accept-language'] = state.rng.pick(['en', 'zh-CN', 'fr;q=0.1', 'xx']);
  return { op, fuzzClass, pathValues, query, body, principal: 'privileged', headers };
}

// Text that breaks the one text rule, and text that is fine but not in NFC.
const CONTROL = ['\u0000', 'a\u0000b', '\u0001', '\u0007', '\u001b[31m', '\u007f', '\u0008', '\u000b\u000c'];
const SURROGATE = ['\ud800', 'a\udc00', '\udbff', 'x\ud83dy', '\ude00\ud83d'];
const NFD = [
  'e\u0301',
  'Cafe\u0301',
  '\u1112\u1161\u11ab',
  'A\u030a',
  'n\u0303o',
  '龙\u0301',
  'a\u0300\u0301\u0302',
];

type Slot = {
  get(): unknown;
  set(v: unknown): void;
  remove?(): void;
  name: string;
  where: 'path' | 'query' | 'body';
};

/** Every place a value sits: path params, query params, body leaves and containers. */
function slotsOf(d: Draft): Slot[] {
  const slots: Slot[] = [];
  for (const name of Object.keys(d.pathValues)) {
    slots.push({
      name,
      where: 'path',
      get: () => d.pathValues[name],
      set: (v) => {
        d.pathValues[name] = typeof v === 'string' ? v : (JSON.stringify(v) ?? 'undefined');
      },
    });
  }
  for (const name of Object.keys(d.query)) {
    slots.push({
      name,
      where: 'query',
      get: () => d.query[name],
      set: (v) => {
        d.query[name] = v;
      },
      remove: () => {
        delete d.query[name];
      },
    });
  }
  const walk = (parent: Record<string, unknown> | unknown[], key: string | number, depth: number) => {
    const v = (parent as Record<string | number, unknown>)[key];
    slots.push({
      name: String(key),
      where: 'body',
      get: () => (parent as Record<string | number, unknown>)[key],
      set: (nv) => {
        (parent as Record<string | number, unknown>)[key] = nv;
      },
      remove: Array.isArray(parent)
        ? () => parent.splice(Number(key), 1)
        : () => {
            delete (parent as Record<string, unknown>)[key as string];
          },
    });
    if (depth < 6 && v !== null && typeof v === 'object') {
      if (Array.isArray(v)) for (let i = 0; i < Math.min(v.length, 5); i++) walk(v, i, depth + 1);
      else for (const k of Object.keys(v)) walk(v as Record<string, unknown>, k, depth + 1);
    }
  };
  if (d.body !== undefined) {
    slots.push({
      name: '(body)',
      where: 'body',
      get: () => d.body,
      set: (v) => {
        d.body = v;
      },
      remove: () => {
        d.body = undefined;
      },
    });
    const top = d.body;
    if (Array.isArray(top)) for (let i = 0; i < Math.min(top.length, 5); i++) walk(top, i, 1);
    else if (top !== null && typeof top === 'object') {
      for (const k of Object.keys(top)) walk(top as Record<string, unknown>, k, 1);
    }
  }
  return slots;
}

function stringSlots(d: Draft): Slot[] {
  return slotsOf(d).filter((s) => typeof s.get() === 'string');
}

function wrongTypeFor(rng: Rng, current: unknown): unknown {
  const all: unknown[] = [
    'text',
    '',
    0,
    -1,
    1.5,
    1e308,
    -1e308,
    2 ** 53 + 1,
    true,
    false,
    null,
    [],
    ['a', 1],
    {},
    { a: 1 },
    '1e400',
    'NaN',
    '-0',
    '0x10',
    ' 1 ',
    '2026-13-45T99:99:99Z',
    '../../etc/passwd',
    "' or 1=1 --",
  ];
  const differ = all.filter(
    (x) => typeof x !== typeof current || Array.isArray(x) !== Array.isArray(current),
  );
  return rng.pick(differ.length ? differ : all);
}

/** Breaks a valid draft the way its class says. Returns false when the class does not apply. */
function mutate(state: FuzzState, d: Draft, protectedIds: Set<string>): boolean {
  const { rng } = state;
  const pickSlot = (slots: Slot[]) => (slots.length ? rng.pick(slots) : undefined);
  switch (d.fuzzClass) {
    case 'valid':
      return true;
    case 'control':
    case 'surrogate':
    case 'nfd': {
      const pieces = d.fuzzClass === 'control' ? CONTROL : d.fuzzClass === 'surrogate' ? SURROGATE : NFD;
      const piece = rng.pick(pieces);
      const r = rng.next();
      if (r < 0.15 && d.fuzzClass !== 'nfd') {
        // In a key, or in the X-Purpose header (percent-encoded, as the header carries it).
        if (d.body && typeof d.body === 'object' && !Array.isArray(d.body) && rng.chance(0.5)) {
          (d.body as Record<string, unknown>)[`k${piece}`] = 1;
        } else d.headers['x-purpose'] = rawPercent(`用途${piece}`);
        return true;
      }
      const slot = pickSlot(stringSlots(d)) ?? pickSlot(slotsOf(d));
      if (!slot) {
        d.query[`q${rng.int(10)}`] = piece;
        return true;
      }
      const cur = typeof slot.get() === 'string' ? (slot.get() as string) : '';
      const at = rng.int(cur.length + 1);
      slot.set(
        d.fuzzClass === 'nfd' && rng.chance(0.5)
          ? cur.normalize('NFD') + piece
          : cur.slice(0, at) + piece + cur.slice(at),
      );
      return true;
    }
    case 'huge': {
      const r = rng.next();
      if (r < 0.5) {
        const slot = pickSlot(stringSlots(d)) ?? pickSlot(slotsOf(d));
        const n = rng.pick([10_000, 100_000, 400_000, 2_000_000]);
        const s = rng.pick(['a', '龙', '😀', ' ', '9']).repeat(n);
        // In the URL, at most 100,000 characters: past that it only costs time to build.
        if (slot) slot.set(slot.where === 'body' ? s : s.slice(0, 100_000));
        else d.query.huge = s.slice(0, 100_000);
      } else if (r < 0.85) {
        const n = rng.pick([1_000, 10_000, 100_000]);
        const item = rng.pick<unknown>([1, 'a', { a: 1 }, null, [1]]);
        const arr = new Array(n).fill(item);
        const slot =
          pickSlot(slotsOf(d).filter((s) => s.where === 'body' && Array.isArray(s.get()))) ??
          pickSlot(slotsOf(d));
        if (slot && slot.where !== 'path') slot.set(arr);
        else if (d.op.body) d.body = arr;
        else d.query.many = Array.from({ length: Math.min(n, 2000) }, (_, i) => String(i));
      } else {
        // Many keys in one object.
        const many: Record<string, number> = {};
        for (let i = 0; i < rng.pick([1000, 20_000]); i++) many[`k${i}`] = i;
        if (d.op.body && d.body && typeof d.body === 'object' && !Array.isArray(d.body))
          Object.assign(d.body as object, many);
        else if (d.op.body) d.body = many;
        else for (let i = 0; i < 300; i++) d.query[`k${i}`] = String(i);
      }
      return true;
    }
    case 'deep': {
      const depth = rng.pick([70, 500, 5_000, 50_000]);
      const leaf = JSON.stringify(rng.pick<unknown>([1, 'x', '\u0000', '\ud800', null, {}]));
      const asArray = rng.chance(0.5);
      // As JSON text: a value this deep is more than JSON.stringify would take.
      const text = asArray
        ? `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`
        : `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;
      const marker = `fuzz-deep-${rng.hex(12)}`;
      const slot = pickSlot(slotsOf(d).filter((s) => s.where === 'body'));
      if (slot) slot.set(marker);
      else if (d.op.body || d.op.method !== 'GET') d.body = marker;
      else {
        // Qs-style nesting in the query string.
        d.query[`a${'[a]'.repeat(Math.min(depth, 200))}`] = '1';
        return true;
      }
      d.splice = { marker: JSON.stringify(marker), text };
      return true;
    }
    case 'wrongType': {
      const slot = pickSlot(slotsOf(d));
      if (!slot) return false;
      slot.set(wrongTypeFor(rng, slot.get()));
      if (rng.chance(0.2) && slot.where === 'query') slot.set(['1', '2']);
      return true;
    }
    case 'missing': {
      const removable = slotsOf(d).filter((s) => s.remove);
      const slot = pickSlot(removable);
      if (!slot) return false;
      slot.remove?.();
      return true;
    }
    case 'extra': {
      const key = rng.pick([
        '__proto__',
        'constructor',
        'prototype',
        'extra',
        'id',
        'createdAt',
        'orgPath',
        'roles',
        'isAdmin',
      ]);
      const value = rng.pick<unknown>([{ polluted: true }, 1, 'x', null, ['admin']]);
      if (d.op.body && rng.chance(0.7)) {
        const objects = slotsOf(d).filter(
          (s) => s.where === 'body' && s.get() && typeof s.get() === 'object' && !Array.isArray(s.get()),
        );
        const target = pickSlot(objects);
        if (target) {
          // JSON text, so `__proto__` arrives as an own key (as a client would send it).
          const obj = target.get() as Record<string, unknown>;
          Object.defineProperty(obj, key, { value, enumerable: true, configurable: true, writable: true });
          return true;
        }
      }
      d.query[key] = typeof value === 'string' ? value : JSON.stringify(value);
      return true;
    }
    case 'contentType': {
      d.contentType = rng.pick([
        'text/plain',
        'application/xml',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/json; charset=latin1',
        'application/json; charset=utf-16',
        'application/jsonx',
        'application/octet-stream',
        '*/*',
        ';;;',
        'application/json, text/plain',
      ]);
      if (d.body === undefined) d.body = {};
      return true;
    }
    case 'malformed': {
      const json = d.body === undefined ? '{}' : JSON.stringify(d.body);
      d.rawBody = rng.pick([
        json.slice(0, Math.max(1, json.length - 1)),
        `${json}}`,
        `\ufeff${json}`,
        `${json}\u0000`,
        '{"a":',
        '[1,2',
        "{'a':1}",
        '{"a":1,}',
        'NaN',
        '{"__proto__":{"isAdmin":true}}',
        '{"constructor":{"prototype":{"x":1}}}',
        ' ',
        '\u0000',
        '{"a":"\\ud800"}',
        '{"a":"\\u0000"}',
      ]);
      return true;
    }
    case 'foreignId':
    case 'nothingId':
    case 'createdId': {
      const choice: IdChoice =
        d.fuzzClass === 'foreignId' ? 'foreign' : d.fuzzClass === 'nothingId' ? 'nothing' : 'created';
      const idSlots = slotsOf(d).filter(
        (s) =>
          typeof s.get() === 'string' &&
          (s.where === 'path'
            ? kindOfPathParam(d.op.path, s.name) !== undefined
            : kindOfField(s.name) !== undefined),
      );
      // An optional id field the valid draft left out is added.
      if (idSlots.length === 0 && d.op.body?.properties && d.body && typeof d.body === 'object') {
        const names = Object.keys(d.op.body.properties).filter((k) => kindOfField(k));
        if (names.length) {
          const name = rng.pick(names);
          (d.body as Record<string, unknown>)[name] = idFor(state, kindOfField(name), choice);
          return true;
        }
      }
      if (idSlots.length === 0) {
        const names = d.op.query.map((q) => q.name).filter((k) => kindOfField(k));
        if (!names.length) return false;
        const name = rng.pick(names);
        d.query[name] = idFor(state, kindOfField(name), choice);
        return true;
      }
      const slot = rng.pick(idSlots);
      const kind = slot.where === 'path' ? kindOfPathParam(d.op.path, slot.name) : kindOfField(slot.name);
      let v = idFor(state, kind, choice);
      if (slot.where === 'path' && d.op.method !== 'GET' && protectedIds.has(v)) v = rng.uuidv7();
      slot.set(v);
      return true;
    }
    case 'unauthenticated':
      d.principal = rng.chance(0.8) ? 'none' : 'bogus';
      return true;
    case 'lowPrivilege':
      d.principal = 'low';
      return true;
    case 'emptyBody': {
      if (d.op.method === 'GET' || d.op.method === 'DELETE') return false;
      const r = rng.next();
      if (d.op.method === 'PATCH' || d.op.method === 'PUT') {
        if (r < 0.6) d.body = {};
        else if (r < 0.8) d.rawBody = '';
        else d.body = undefined;
      } else if (r < 0.5) d.body = {};
      else if (r < 0.75) d.rawBody = '';
      else d.body = undefined;
      return true;
    }
  }
}

const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Percent-encodes UTF-16 as WTF-8 (lone surrogates as their three bytes, which no decoder accepts). */
export function rawPercent(s: string): string {
  if (!LONE.test(s)) return encodeURIComponent(s);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const n = s.charCodeAt(i + 1);
      if (n >= 0xdc00 && n <= 0xdfff) {
        out += encodeURIComponent(s.slice(i, i + 2));
        i++;
        continue;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      out += `%${(0xe0 | (c >> 12)).toString(16).toUpperCase()}%${(0x80 | ((c >> 6) & 0x3f)).toString(16).toUpperCase()}%${(0x80 | (c & 0x3f)).toString(16).toUpperCase()}`;
      continue;
    }
    out += encodeURIComponent(s[i]);
  }
  return out;
}

function queryString(query: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    const values = Array.isArray(v) ? v : [v];
    for (const x of values) {
      const s =
        typeof x === 'string'
          ? x
          : typeof x === 'number' || typeof x === 'boolean'
            ? String(x)
            : (JSON.stringify(x) ?? '');
      parts.push(`${rawPercent(k)}=${rawPercent(s)}`);
    }
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

function urlOf(d: Draft): string {
  const p = d.op.path.replace(/\{(\w+)\}/g, (_, name: string) => rawPercent(d.pathValues[name] ?? ''));
  return p + queryString(d.query);
}

// ---------------------------------------------------------------------------------------------
// The run

export interface FuzzFailure {
  operation: string;
  fuzzClass: FuzzClass;
  status: number;
  reason: string;
  /** Fastify's own error code when the answer came from the framework, e.g. `FST_ERR_BAD_URL`. */
  frameworkCode?: string;
  request: string;
  response: string;
}

export interface StatusClasses {
  '2xx': number;
  '3xx': number;
  '4xx': number;
  '5xx': number;
}

export interface FuzzReport {
  seed: number;
  requests: number;
  operations: number;
  byClass: StatusClasses;
  byStatus: Record<string, number>;
  byFuzzClass: Record<string, number>;
  /** Requests sent per operation, and per operation the 5xx answers (if any). */
  perOperation: Record<string, { requests: number; statuses: Record<string, number> }>;
  fiveHundreds: Record<string, number>;
  /** 4xx answers that are not a well-formed problem (application/problem+json, type, title, status). */
  malformedProblems: number;
  failures: FuzzFailure[];
  relogins: number;
}

export interface FuzzTarget {
  app: FastifyInstance;
  doc: unknown;
  /** Who calls: the first principal allowed the operation; `low` is the least privileged. */
  privileged: Principal[];
  low: Principal;
  /** Devices (plate camera, AVL terminal): they call the operations they may, half the time. */
  devices?: Principal[];
  /** Ids the devices speak for, by kind (`checkpoints`, `units`). */
  favourites?: Record<string, string[]>;
  hints: Hints;
  now: () => number;
}

export interface FuzzOptions {
  seed: number;
  /** Total requests; spread round-robin over the operations. */
  requests: number;
  /** Operations to leave out (ids as in `Operation.id`). */
  skip?: string[];
  /** Keep at most this many failures with their request and answer (the counts stay complete). */
  keepFailures?: number;
  onProgress?: (sent: number) => void;
  /** Every answer, with the request as one line (for looking into what the fuzzer reaches). */
  onAnswer?: (operation: string, fuzzClass: FuzzClass, request: string, res: LightMyRequestResponse) => void;
}

const PROBLEM_CT = /^application\/problem\+json/;

function classOf(status: number): keyof StatusClasses | null {
  if (status >= 200 && status < 300) return '2xx';
  if (status >= 300 && status < 400) return '3xx';
  if (status >= 400 && status < 500) return '4xx';
  if (status >= 500) return '5xx';
  return null;
}

function frameworkCodeOf(body: string): string | undefined {
  const m = /"code":"(FST_[A-Z_]+)"/.exec(body.slice(0, 200));
  return m?.[1];
}

/** What is wrong with an answer, or null. */
export function checkAnswer(res: LightMyRequestResponse): string | null {
  if (res.statusCode >= 500) return `status ${res.statusCode}`;
  if (res.statusCode < 400) return null;
  const ct = String(res.headers['content-type'] ?? '');
  if (!PROBLEM_CT.test(ct)) return `4xx with content-type ${ct || '(none)'}`;
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    return '4xx problem body is not JSON';
  }
  const p = body as { type?: unknown; title?: unknown; status?: unknown };
  if (typeof p.type !== 'string' || !p.type) return 'problem without a type';
  if (typeof p.title !== 'string' || !p.title) return 'problem without a title';
  if (p.status !== res.statusCode) return `problem status ${String(p.status)} ≠ ${res.statusCode}`;
  return null;
}

/**
 * Sends `options.requests` generated requests (round-robin over the operations; the first round
 * valid, so resources exist to name) and reports what came back.
 */
export async function runFuzz(target: FuzzTarget, options: FuzzOptions): Promise<FuzzReport> {
  const ops = operationsOf(target.doc).filter((o) => !options.skip?.includes(o.id));
  const rng = new Rng(options.seed);
  const state: FuzzState = {
    rng,
    hints: target.hints,
    now: target.now,
    pool: new Map(),
    favourites: target.favourites ?? {},
  };
  const principals = [...target.privileged, target.low, ...(target.devices ?? [])];
  // The fuzzer's own accounts and devices are not changed, revoked or re-issued (it would lock itself out).
  const protectedIds = new Set(principals.map((p) => p.userId));
  const cookies = new Map<string, string>();
  for (const p of principals) cookies.set(p.name, await p.login());
  const report: FuzzReport = {
    seed: options.seed,
    requests: 0,
    operations: ops.length,
    byClass: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 },
    byStatus: {},
    byFuzzClass: {},
    perOperation: {},
    fiveHundreds: {},
    malformedProblems: 0,
    failures: [],
    relogins: 0,
  };
  const keep = options.keepFailures ?? 50;
  const weights: [FuzzClass, number][] = [
    ['valid', 4],
    ['control', 2],
    ['surrogate', 1],
    ['nfd', 1],
    ['huge', 1],
    ['deep', 1],
    ['wrongType', 2],
    ['missing', 2],
    ['extra', 1],
    ['contentType', 1],
    ['malformed', 1],
    ['foreignId', 2],
    ['nothingId', 2],
    ['createdId', 2],
    ['unauthenticated', 1],
    ['lowPrivilege', 1],
    ['emptyBody', 1],
  ];
  const total = weights.reduce((a, [, w]) => a + w, 0);
  const pickClass = (): FuzzClass => {
    let r = rng.next() * total;
    for (const [c, w] of weights) {
      r -= w;
      if (r < 0) return c;
    }
    return 'valid';
  };

  for (let i = 0; i < options.requests; i++) {
    const op = ops[i % ops.length];
    let fuzzClass: FuzzClass = i < ops.length * 2 ? 'valid' : pickClass();
    let draft = validDraft(state, op, fuzzClass, protectedIds);
    if (!mutate(state, draft, protectedIds)) {
      fuzzClass = 'valid';
      draft = validDraft(state, op, fuzzClass, protectedIds);
    }
    // Any account allowed the operation (two may be needed: a hotlist entry's approver is not its creator).
    const allowed = target.privileged.filter((p) => p.may(op.method, op.path));
    const devices = (target.devices ?? []).filter((p) => p.may(op.method, op.path));
    const privileged =
      devices.length && rng.chance(0.5)
        ? rng.pick(devices)
        : allowed.length
          ? rng.pick(allowed)
          : target.privileged[0];
    const who =
      draft.principal === 'low' ? target.low : draft.principal === 'privileged' ? privileged : undefined;
    const res = await send(
      target.app,
      draft,
      who ? cookies.get(who.name) : draft.principal === 'bogus' ? 'cw_session=bogus' : undefined,
    );
    // Signed out by the request itself (logout, ending its own sessions): sign in again.
    if (who && res.statusCode === 401 && !cookies.get(who.name)?.startsWith('Bearer ')) {
      const me = await target.app.inject({
        method: 'GET',
        url: '/api/auth/me',
        headers: { cookie: cookies.get(who.name) ?? '' },
      });
      if (me.statusCode === 401) {
        cookies.set(who.name, await who.login());
        report.relogins++;
      }
    }
    report.requests++;
    options.onProgress?.(report.requests);
    report.byFuzzClass[fuzzClass] = (report.byFuzzClass[fuzzClass] ?? 0) + 1;
    const cls = classOf(res.statusCode);
    if (cls) report.byClass[cls]++;
    report.byStatus[res.statusCode] = (report.byStatus[res.statusCode] ?? 0) + 1;
    report.perOperation[op.id] ??= { requests: 0, statuses: {} };
    const per = report.perOperation[op.id];
    per.requests++;
    per.statuses[res.statusCode] = (per.statuses[res.statusCode] ?? 0) + 1;
    if (res.statusCode >= 500) report.fiveHundreds[op.id] = (report.fiveHundreds[op.id] ?? 0) + 1;
    options.onAnswer?.(op.id, fuzzClass, describe(draft), res);
    const problem = checkAnswer(res);
    if (problem && res.statusCode < 500) report.malformedProblems++;
    // Kept: the first `keep` 5xx and the first `keep` malformed problems.
    const kept = report.failures.filter((f) => f.status >= 500 === res.statusCode >= 500).length;
    if (problem && kept < keep) {
      report.failures.push({
        operation: op.id,
        fuzzClass,
        status: res.statusCode,
        reason: problem,
        frameworkCode: frameworkCodeOf(res.body),
        request: describe(draft),
        response: res.body.slice(0, 300),
      });
    }
    if (res.statusCode < 300 && res.body && String(res.headers['content-type'] ?? '').includes('json')) {
      try {
        harvest(state, op, JSON.parse(res.body), undefined, 0);
      } catch {
        // not JSON after all
      }
    }
  }
  return report;
}

function send(
  app: FastifyInstance,
  d: Draft,
  credential: string | undefined,
): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { ...d.headers };
  if (credential?.startsWith('Bearer ')) headers.authorization = credential;
  else if (credential) headers.cookie = credential;
  let payload: string | undefined;
  if (d.rawBody !== undefined) payload = d.rawBody;
  else if (d.body !== undefined) payload = bodyText(d);
  if (payload !== undefined) headers['content-type'] = d.contentType ?? 'application/json';
  const options: InjectOptions = {
    method: d.op.method as InjectOptions['method'],
    url: urlOf(d),
    headers,
    payload,
  };
  return app.inject(options);
}

function bodyText(d: Draft): string {
  const json = JSON.stringify(d.body);
  return d.splice ? json.replace(d.splice.marker, () => d.splice!.text) : json;
}

function describe(d: Draft): string {
  let body = d.rawBody ?? (d.body === undefined ? '' : bodyText(d));
  if (body.length > 300) body = `${body.slice(0, 300)}… (${body.length} chars)`;
  let url = urlOf(d);
  if (url.length > 200) url = `${url.slice(0, 200)}… (${url.length} chars)`;
  return `${d.op.method} ${url} [${d.principal}${d.contentType ? `, ${d.contentType}` : ''}] ${body}`;
}

// ---------------------------------------------------------------------------------------------
// A target: the test app with the bundled city, and the fuzzer's own accounts

const CITY = 'shenzhen-longgang';
// Inside the Longgang centre box (114.195–114.225, 22.676–22.699), on real roads.
const BOX = { minLon: 114.195, maxLon: 114.225, minLat: 22.676, maxLat: 22.699 };
const RING_FIXTURE = path.join(
  REPO_ROOT,
  'packages/server/src/modules/perimeter/fixtures/shenzhen-longgang-centre.geojson',
);

function box(rng: Rng) {
  const size = 0.004 + rng.next() * 0.01;
  const lon = BOX.minLon + rng.next() * (BOX.maxLon - BOX.minLon - size);
  const lat = BOX.minLat + rng.next() * (BOX.maxLat - BOX.minLat - size);
  return {
    type: 'Polygon',
    coordinates: [
      [
        [lon, lat],
        [lon + size, lat],
        [lon + size, lat + size],
        [lon, lat + size],
        [lon, lat],
      ],
    ],
  };
}

function tileX(lon: number, z: number): number {
  return Math.floor(((lon + 180) / 360) * 2 ** z);
}
function tileY(lat: number, z: number): number {
  const r = (lat * Math.PI) / 180;
  return Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * 2 ** z);
}

const PLATE_LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
function plate(rng: Rng): string {
  let s = `粤${rng.pick(['B', 'G', 'A'])}`;
  for (let i = 0; i < 5; i++) s += rng.chance(0.3) ? rng.pick([...PLATE_LETTERS]) : String(rng.int(10));
  return s;
}

/** Plausible values for the bundled city (Shenzhen Longgang) that get requests past validation. */
export function longgangHints(): Hints {
  const ring = JSON.parse(readFileSync(RING_FIXTURE, 'utf8')) as unknown;
  const lon = (rng: Rng) => BOX.minLon + rng.next() * (BOX.maxLon - BOX.minLon);
  const lat = (rng: Rng) => BOX.minLat + rng.next() * (BOX.maxLat - BOX.minLat);
  const iso = (rng: Rng, s: FuzzState, days: number) =>
    new Date(s.now() + rng.next() * days * 86_400_000).toISOString();
  return {
    city: (rng) => (rng.chance(0.9) ? CITY : rng.pick(['monaco', 'nowhere', 'shenzhen'])),
    lon,
    lat,
    geometry: (rng) => (rng.chance(0.3) ? ring : box(rng)),
    category: (rng) => rng.pick(DISPATCH_CATEGORIES).code,
    subcategory: (rng) => rng.pick(rng.pick(DISPATCH_CATEGORIES).sub ?? [{ code: 'x' }]).code,
    expiresAt: (rng, s) => iso(rng, s, rng.chance(0.8) ? 28 : 60),
    value: (rng) => plate(rng),
    from: (rng, s) => new Date(s.now() - rng.next() * 7 * 86_400_000).toISOString(),
    to: (rng, s) => new Date(s.now() + rng.next() * 86_400_000).toISOString(),
    since: (rng, s) => new Date(s.now() - rng.next() * 86_400_000).toISOString(),
    date: (rng, s) => new Date(s.now() - rng.int(10) * 86_400_000).toISOString().slice(0, 10),
    minutes: (rng) => (rng.chance(0.5) ? String(rng.between(1, 15)) : '1,3,5'),
    thresholds: (rng) => rng.pick(['60,180,300', '120', '30,60']),
    seconds: (rng) => rng.pick(['60,180,300', '120', '30,60']),
    k: (rng) => rng.between(1, 3),
    q: (rng) => rng.pick(['龙岗', '大道', '龙翔', 'Longgang', '派出所', '1']),
    reads: (rng, s) =>
      Array.from({ length: rng.between(1, 5) }, () => ({
        plate: plate(rng),
        at: new Date(s.now() - rng.int(3_600_000)).toISOString(),
        checkpointId: rng.pick(
          rng.chance(0.5) && s.favourites.checkpoints?.length
            ? s.favourites.checkpoints
            : (s.pool.get('checkpoints') ?? ['FZ-none']),
        ),
        direction: rng.pick(['in', 'out']),
        confidence: rng.next(),
      })),
    positions: (rng, s) =>
      Array.from({ length: rng.between(1, 4) }, () => ({
        unitId: rng.pick(
          rng.chance(0.5) && s.favourites.units?.length
            ? s.favourites.units
            : (s.pool.get('units') ?? [rng.uuidv7()]),
        ),
        at: new Date(s.now() - rng.int(60_000)).toISOString(),
        lon: lon(rng),
        lat: lat(rng),
      })),
    password: (rng) => `pw-${rng.hex(12)}`,
    // Map tiles over the city at zoom 14 (the x and y hints assume it).
    z: () => 14,
    x: (rng) => tileX(lon(rng), 14),
    y: (rng) => tileY(lat(rng), 14),
  };
}

const FUZZ_PASSWORD = 'fuzz-password-0123';

/**
 * Gets a test app ready for the fuzzer: the bundled city imported, three accounts of its own
 * (`fuzz.admin` admin, `fuzz.commander` and `fuzz.commander2` commanders, all city-wide;
 * `fuzz.mediator`, a mediator of a police station, the least privileged role) and the OpenAPI document.
 */
export async function prepareFuzzTarget(t: TestApp): Promise<FuzzTarget> {
  await ensureBundledCity(t.ctx, () => {});
  const seedAdmin = await t.login('admin', ADMIN_PASSWORD);
  const orgs = (await t.as(seedAdmin, { method: 'GET', url: '/api/orgs' })).json().items as {
    id: string;
    kind: string;
  }[];
  const city = orgs.find((o) => o.kind === 'city_bureau')!;
  const station = orgs.find((o) => o.kind === 'police_station')!;
  const principal = async (name: string, role: string, orgId: string): Promise<Principal> => {
    const r = await t.as(seedAdmin, {
      method: 'POST',
      url: '/api/users',
      payload: { username: name, displayName: name, password: FUZZ_PASSWORD, orgId, roles: [role] },
    });
    if (r.statusCode !== 201 && r.statusCode !== 200)
      throw new Error(`creating ${name}: ${r.statusCode} ${r.body}`);
    const roles = [role];
    return {
      name,
      userId: r.json().id,
      may: (method, pathTemplate) => {
        const url = pathTemplate.replace(/\{(\w+)\}/g, ':$1');
        const route = t.ctx.routes.find((x) => x.method === method && x.url === url);
        return route ? t.ctx.permissions.grants(roles, route.permission) : false;
      },
      login: async () => {
        // From an address of its own, so the fuzzer's failed logins do not throttle its accounts.
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          remoteAddress: '192.0.2.7',
          payload: { username: name, password: FUZZ_PASSWORD },
        });
        const cookie = res.cookies.find((c) => c.name === 'cw_session');
        if (res.statusCode !== 200 || !cookie)
          throw new Error(`fuzz login ${name}: ${res.statusCode} ${res.body}`);
        return `cw_session=${cookie.value}`;
      },
    };
  };
  const admin = await principal('fuzz.admin', 'admin', city.id);
  const commander = await principal('fuzz.commander', 'commander', city.id);
  const commander2 = await principal('fuzz.commander2', 'commander', city.id);
  const low = await principal('fuzz.mediator', 'mediator', station.id);
  const { principals: devices, favourites } = await fuzzDevices(t, await commander.login(), admin);
  return {
    app: t.app,
    doc: t.app.swagger(),
    privileged: [admin, commander, commander2],
    low,
    devices,
    favourites,
    hints: longgangHints(),
    now: () => t.ctx.now().getTime(),
  };
}

/**
 * A plate camera (on a checkpoint of its own) and an AVL terminal (of a unit of its own), with
 * their tokens. Which operations take which device is found by asking: an operation that refuses
 * a request without credentials (401) but not one with the device's token (neither 401 nor 403)
 * takes that kind of device.
 */
async function fuzzDevices(
  t: TestApp,
  commander: string,
  admin: Principal,
): Promise<{ principals: Principal[]; favourites: Record<string, string[]> }> {
  const ok = (r: LightMyRequestResponse, what: string) => {
    if (r.statusCode >= 300) throw new Error(`fuzz setup, ${what}: ${r.statusCode} ${r.body}`);
    return r.json();
  };
  const checkpoint = ok(
    await t.as(commander, {
      method: 'PUT',
      url: '/api/perimeter/checkpoints/FZ-CAM-1',
      payload: { name: 'fuzz camera checkpoint', kind: 'camera', lon: 114.205, lat: 22.685 },
    }),
    'checkpoint',
  );
  const unit = ok(
    await t.as(commander, {
      method: 'POST',
      url: '/api/dispatch/units',
      payload: { callSign: 'FZ-AVL-1', kind: 'patrol_car' },
    }),
    'unit',
  );
  const issuer = await admin.login();
  const issue = async (payload: Record<string, unknown>) =>
    ok(
      await t.as(issuer, { method: 'POST', url: '/api/devices', payload }),
      `device ${String(payload.kind)}`,
    ) as {
      id: string;
      token: string;
    };
  const camera = await issue({ kind: 'camera', name: 'fuzz camera', checkpointId: checkpoint.id });
  const avl = await issue({ kind: 'avl', name: 'fuzz terminal', unitId: unit.id });
  const operations = operationsOf(t.app.swagger());
  const probe = async (op: Operation, authorization?: string) =>
    (
      await t.app.inject({
        method: op.method as 'POST',
        url: op.path.replace(/\{(\w+)\}/g, '0190d0c4-0000-7000-8000-000000000000'),
        headers: authorization ? { authorization } : {},
      })
    ).statusCode;
  const principals: Principal[] = [];
  for (const [name, device] of [
    ['fuzz camera', camera],
    ['fuzz terminal', avl],
  ] as const) {
    const bearer = `Bearer ${device.token}`;
    const takes = new Set<string>();
    for (const op of operations) {
      if ((await probe(op)) !== 401) continue;
      const status = await probe(op, bearer);
      if (status !== 401 && status !== 403) takes.add(op.id);
    }
    principals.push({
      name,
      userId: device.id,
      may: (method, pathTemplate) => takes.has(`${method} ${pathTemplate}`),
      login: async () => bearer,
    });
  }
  return { principals, favourites: { checkpoints: [checkpoint.id], units: [unit.id] } };
}
