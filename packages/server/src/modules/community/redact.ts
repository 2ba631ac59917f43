/**
 * What the retention purge writes where a party's name or a phone number stood in free text
 * (an agreement's facts, a session's notes, a case's summary…).
 */
export const PURGED_MARK = '【已清除】';

/** A phone number somewhere in free text, not part of a longer run of digits. */
const PHONE_PATTERNS = [
  // A mainland mobile number, with or without +86 and with spaces or hyphens between groups
  // (138 0013 8000, 138-0013-8000, +86 13800138000).
  /(?<![\d+])(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)/g,
  // A landline with its area code: 0755-12345678, (0755) 1234567, 010 12345678, 075512345678.
  /(?<!\d)(?:\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3})[\s-]?\d{7,8}(?!\d)/g,
  // A resident ID number (GB 11643: 17 digits and a check digit), personal data of the same kind.
  /(?<!\d)\d{17}[\dXx](?!\d)/g,
];

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The party's own phone as written in any grouping: its digits with optional spaces, hyphens or dots between. */
function phonePattern(phone: string): RegExp[] {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 5) return [];
  const forms = [digits];
  // +86 13800138000 is also written without the country code, and the other way round.
  if (digits.length === 13 && digits.startsWith('86')) forms.push(digits.slice(2));
  // A mobile number may carry the country code in front (+86 138…).
  const prefix = '(?:\\+?86[\\s-]?)?';
  return forms.map((d) => new RegExp(`(?<![\\d+])${prefix}${d.split('').join('[\\s.\\-]*')}(?!\\d)`, 'g'));
}

export interface Scrubbed {
  text: string;
  /** How many occurrences were replaced. */
  replaced: number;
}

/**
 * A function that replaces, in a text, every occurrence of each party's name and phone and every
 * phone-number-like run (and resident ID number) with {@link PURGED_MARK}. A name shorter than two
 * characters is left alone (one character would blank that character everywhere); longer names go
 * first so that 张三丰 is not left as 【已清除】丰.
 */
export function partyScrubber(
  parties: { name: string | null; phone: string | null }[],
): (text: string) => Scrubbed {
  const names = [...new Set(parties.map((p) => p.name?.trim() ?? '').filter((n) => [...n].length >= 2))].sort(
    (a, b) => b.length - a.length,
  );
  const patterns: RegExp[] = [
    ...parties.flatMap((p) => (p.phone ? phonePattern(p.phone) : [])),
    ...(names.length > 0 ? [new RegExp(names.map(escapeRegExp).join('|'), 'g')] : []),
    ...PHONE_PATTERNS,
  ];
  return (text) => {
    let replaced = 0;
    let out = text;
    for (const re of patterns) {
      out = out.replace(re, () => {
        replaced += 1;
        return PURGED_MARK;
      });
    }
    return { text: out, replaced };
  };
}
