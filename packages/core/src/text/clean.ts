/**
 * One text rule for everything that enters citywatch (request bodies, query strings, path
 * parameters, stored headers, MQTT payloads, imported files):
 * - C0 control characters other than tab, newline and carriage return are refused, NUL above all
 *   (PostgreSQL cannot store it);
 * - lone UTF-16 surrogates are refused (the database would store U+FFFD in their place, so what
 *   was hashed for the audit chain would differ from what is stored);
 * - text is normalised to NFC before it is validated, so lengths and comparisons count what is
 *   stored, and "é" typed two ways is one value.
 */

export type TextRule = 'control_character' | 'lone_surrogate';

export interface TextProblem {
  path: (string | number)[];
  rule: TextRule;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the very characters this rule refuses
const FORBIDDEN_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The rule a string breaks, if any. */
export function textRuleBroken(s: string): TextRule | null {
  if (FORBIDDEN_CONTROL.test(s)) return 'control_character';
  if (LONE_SURROGATE.test(s)) return 'lone_surrogate';
  return null;
}

/** Deepest nesting walked; deeper input is left to the schema (which refuses it by shape). */
const MAX_DEPTH = 64;

/**
 * Checks every string (keys included) in a JSON-like value and returns it with each string in NFC,
 * or the places where the rule is broken. Plain objects and arrays are copied, other values kept.
 */
export function cleanText(value: unknown): { value: unknown; problems: TextProblem[] } {
  const problems: TextProblem[] = [];
  const walk = (v: unknown, path: (string | number)[], depth: number): unknown => {
    if (typeof v === 'string') {
      const rule = textRuleBroken(v);
      if (rule) {
        problems.push({ path, rule });
        return v;
      }
      return v.normalize('NFC');
    }
    if (depth >= MAX_DEPTH || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...path, i], depth + 1));
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return v;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(v)) {
      const rule = textRuleBroken(key);
      if (rule) problems.push({ path: [...path, key], rule });
      out[key.normalize('NFC')] = walk(item, [...path, key], depth + 1);
    }
    return out;
  };
  const cleaned = walk(value, [], 0);
  return { value: cleaned, problems };
}
