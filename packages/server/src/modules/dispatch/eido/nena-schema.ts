import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

/**
 * NENA's EIDO schema (NENA-STA-021.1b, `Schema/openapi.yaml` and the NIEM components it refers
 * to; see nena/SOURCE.md) as a JSON-Schema validator, for tests. The OpenAPI 3.0 documents are
 * converted, not edited: each file's `components.schemas` becomes a schema with `definitions`,
 * `$ref`s to `#/components/schemas/X` and to `other.yaml#/components/schemas/X` point at those
 * definitions, and OpenAPI's `nullable: true` becomes a `null` type. Nothing else changes: the
 * schema stays as open (extra members allowed) as NENA wrote it.
 */
export const NENA_DIR = join(fileURLToPath(new URL('.', import.meta.url)), 'nena');
const SCHEMA_DIR = join(NENA_DIR, 'Schema');
const BASE = 'https://eido.nena.test/';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** `NIEMComponents//nc.yaml#/components/schemas/X` → `https://…/NIEMComponents/nc.yaml#/definitions/X`. */
function convertRef(ref: string, file: string): string {
  const [target, pointer = ''] = ref.split('#');
  const fragment = `#${pointer.replace(/^\/components\/schemas\//, '/definitions/')}`;
  if (!target) return `${BASE}${file}${fragment}`;
  const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
  const path = target.startsWith('NIEMComponents') ? target.replace(/\/+/g, '/') : `${dir}${target}`;
  return `${BASE}${path}${fragment}`;
}

/** Walks schema positions only: under `properties` every key is a member name, not a keyword. */
function convert(node: Json, file: string, namesMap = false): Json {
  if (Array.isArray(node)) return node.map((n) => convert(n, file));
  if (!node || typeof node !== 'object') return node;
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(node)) {
    if (namesMap) out[k] = convert(v, file);
    else if (k === '$ref' && typeof v === 'string') out.$ref = convertRef(v, file);
    else if (k === 'nullable' || k === 'example') continue;
    else if (k === 'properties') out[k] = convert(v, file, true);
    else if (k === 'enum' || k === 'required') out[k] = v;
    else out[k] = convert(v, file);
  }
  if (!namesMap && node.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
  }
  return out;
}

function schemaFile(file: string) {
  const doc = parse(readFileSync(join(SCHEMA_DIR, file), 'utf8')) as { components: { schemas: Json } };
  return { $id: `${BASE}${file}`, definitions: convert(doc.components.schemas, file, true) };
}

let validator: ValidateFunction | undefined;

/** The validator for `EmergencyIncidentDataObjectType` (compiled once, ~2 s). */
export function eidoValidator(): ValidateFunction {
  if (validator) return validator;
  const ajv = new Ajv({ allErrors: true, strict: false });
  // ajv-formats is CommonJS with a default export.
  const addFormats =
    (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
  addFormats(ajv);
  for (const f of ['int32', 'int64', 'float', 'double']) ajv.addFormat(f, true);
  ajv.addSchema(schemaFile('openapi.yaml'));
  for (const f of readdirSync(join(SCHEMA_DIR, 'NIEMComponents'))) {
    if (f.endsWith('.yaml')) ajv.addSchema(schemaFile(`NIEMComponents/${f}`));
  }
  validator = ajv.compile({ $ref: `${BASE}openapi.yaml#/definitions/EmergencyIncidentDataObjectType` });
  return validator;
}

/** Errors of `value` against NENA's EIDO schema, as `path: message` lines (empty: valid). */
export function eidoErrors(value: unknown): string[] {
  const validate = eidoValidator();
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'}: ${e.message}`);
}

/** The NENA registries the EIDO fields draw from (from the standard's section 3; see SOURCE.md). */
export const NENA_REGISTRIES = JSON.parse(readFileSync(join(NENA_DIR, 'registries.json'), 'utf8')) as Record<
  string,
  Record<string, string>
>;
