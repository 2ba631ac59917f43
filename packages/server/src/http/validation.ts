import { cleanText, type TextRule } from '@citywatch/core/text/clean';
import type { FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';
import type { FieldError, Lang } from './problem.js';

type Issue = z.core.$ZodIssue;

/** A request part failed its zod schema; carries the raw issues so the answer can be localised. */
export class RequestValidationError extends Error {
  constructor(readonly issues: Issue[]) {
    super('request validation failed');
    this.name = 'RequestValidationError';
  }
}

/**
 * Fastify validator for zod schemas that keeps zod's issues (fastify-type-provider-zod's flattens
 * them). Every request part passes the one text rule first (core/text/clean.ts): control
 * characters and lone surrogates are refused with the field named, and text reaches the schema,
 * and the database, in NFC.
 */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema }) =>
  (data) => {
    const cleaned = cleanText(data);
    if (cleaned.problems.length > 0) {
      return {
        error: new RequestValidationError(
          cleaned.problems.map((p) => ({
            code: 'custom',
            path: p.path,
            message: p.rule,
            params: { rule: p.rule },
            input: undefined,
          })),
        ),
      };
    }
    const result = schema.safeParse(cleaned.value);
    if (result.success) return { value: result.data };
    return { error: new RequestValidationError(result.error.issues) };
  };

const TYPE_NAMES: Record<string, { zh: string; en: string }> = {
  string: { zh: '字符串', en: 'a string' },
  number: { zh: '数字', en: 'a number' },
  int: { zh: '整数', en: 'an integer' },
  boolean: { zh: '布尔值', en: 'a boolean' },
  array: { zh: '数组', en: 'an array' },
  object: { zh: '对象', en: 'an object' },
};

function sizeUnit(origin: string | undefined, lang: Lang): string {
  if (origin === 'string') return lang === 'en' ? ' characters' : ' 个字符';
  if (origin === 'array' || origin === 'set') return lang === 'en' ? ' items' : ' 项';
  return '';
}

/** One field error per zod issue, named by path, rule and a message in the user's language. */
export function describeIssues(issues: readonly Issue[], lang: Lang, prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  const en = lang === 'en';
  for (const issue of issues) {
    const base = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          out.push({
            field: base ? `${base}.${key}` : key,
            rule: 'unrecognized_key',
            message: en ? 'This field is not allowed' : '不允许的字段',
          });
        }
        break;
      case 'invalid_type': {
        const missing = / received undefined$/.test(issue.message);
        const t = TYPE_NAMES[issue.expected] ?? { zh: issue.expected, en: issue.expected };
        out.push({
          field: base || '(body)',
          rule: missing ? 'required' : 'invalid_type',
          message: missing ? (en ? 'Required' : '必填') : en ? `Must be ${t.en}` : `应为${t.zh}`,
        });
        break;
      }
      case 'too_small': {
        const unit = sizeUnit(issue.origin, lang);
        const min = String(issue.minimum);
        out.push({
          field: base,
          rule: 'too_small',
          message:
            issue.origin === 'string' || issue.origin === 'array'
              ? en
                ? `At least ${min}${unit}`
                : `至少 ${min}${unit}`
              : en
                ? `Must be ${issue.inclusive ? 'at least' : 'greater than'} ${min}`
                : `不能${issue.inclusive ? '小于' : '小于或等于'} ${min}`,
        });
        break;
      }
      case 'too_big': {
        const unit = sizeUnit(issue.origin, lang);
        const max = String(issue.maximum);
        out.push({
          field: base,
          rule: 'too_big',
          message:
            issue.origin === 'string' || issue.origin === 'array'
              ? en
                ? `At most ${max}${unit}`
                : `最多 ${max}${unit}`
              : en
                ? `Must be ${issue.inclusive ? 'at most' : 'less than'} ${max}`
                : `不能${issue.inclusive ? '大于' : '大于或等于'} ${max}`,
        });
        break;
      }
      case 'invalid_format':
        out.push({
          field: base,
          rule: 'invalid_format',
          message: en ? `Wrong format (${issue.format})` : `格式不正确（${issue.format}）`,
        });
        break;
      case 'invalid_value':
        out.push({
          field: base,
          rule: 'invalid_value',
          message: en
            ? `Must be one of: ${issue.values.map(String).join(', ')}`
            : `取值必须是以下之一：${issue.values.map(String).join('、')}`,
        });
        break;
      case 'invalid_union':
        out.push({ field: base, rule: 'invalid_value', message: en ? 'Invalid value' : '取值不合法' });
        break;
      case 'not_multiple_of':
        out.push({
          field: base,
          rule: 'not_multiple_of',
          message: en ? `Must be a multiple of ${issue.divisor}` : `必须是 ${issue.divisor} 的倍数`,
        });
        break;
      case 'custom': {
        // Refusals that name their rule (the text rule, the GeoJSON area readers): worded by their
        // rule in problem.ts (zh-CN), in English by their own message when it says more than the rule.
        const rule = (issue.params as { rule?: TextRule | string } | undefined)?.rule;
        const own = en && issue.message && issue.message !== rule ? issue.message : '';
        out.push(
          rule
            ? { field: base || '(body)', rule, message: own }
            : { field: base, rule: 'custom', message: issue.message },
        );
        break;
      }
      default:
        out.push({ field: base, rule: issue.code, message: issue.message });
    }
  }
  return out;
}
