import { findCategory } from './categories';

/**
 * Suggests police vs non-police for a call from its category and the words of its Chinese
 * narrative. Words are cut with Intl.Segmenter (ICU's dictionary-based Chinese word breaker,
 * built into Node and browsers), so rules match whole words rather than stray substrings.
 */
export interface TriageRule {
  /** Words that point to the 12345 government hotline. */
  nonPoliceWords: readonly string[];
  /** Words that keep a call with the police whatever else it says (danger to people). */
  policeWords: readonly string[];
}

export const DEFAULT_TRIAGE_RULE: TriageRule = {
  nonPoliceWords: [
    '停水',
    '停电',
    '漏水',
    '燃气',
    '路灯',
    '噪音',
    '扰民',
    '垃圾',
    '井盖',
    '物业',
    '退款',
    '投诉',
    '欠费',
    '供暖',
    '占道',
  ],
  policeWords: [
    '打人',
    '抢劫',
    '持刀',
    '杀人',
    '着火',
    '火灾',
    '被困',
    '盗窃',
    '偷',
    '绑架',
    '威胁',
    '受伤',
    '车祸',
    '撞',
    '打架',
    '救命',
    '失踪',
    '走失',
    '酒驾',
  ],
};

export interface TriageSuggestion {
  police: boolean;
  /** Words that decided it (for the dispatcher to see why). */
  matched: string[];
  reason: 'category' | 'police_words' | 'non_police_words' | 'default';
}

export function segmentWords(text: string): string[] {
  const segmenter = new Intl.Segmenter('zh-CN', { granularity: 'word' });
  const words: string[] = [];
  for (const s of segmenter.segment(text)) if (s.isWordLike) words.push(s.segment);
  return words;
}

export function triage(
  category: string,
  narrative: string,
  rule: TriageRule = DEFAULT_TRIAGE_RULE,
): TriageSuggestion {
  const words = segmentWords(narrative);
  // A rule word may be cut into pieces by the segmenter or span two words: match either way.
  const has = (w: string) => words.includes(w) || narrative.includes(w);
  const police = rule.policeWords.filter(has);
  if (police.length) return { police: true, matched: police, reason: 'police_words' };
  const cat = findCategory(category);
  if (cat && !cat.police) return { police: false, matched: [], reason: 'category' };
  const nonPolice = rule.nonPoliceWords.filter(has);
  if (nonPolice.length) return { police: false, matched: nonPolice, reason: 'non_police_words' };
  return { police: cat?.police ?? true, matched: [], reason: cat ? 'category' : 'default' };
}

/** 有效警情率: police incidents ÷ all calls received. */
export function validityRate(policeIncidents: number, allCalls: number): number {
  return allCalls === 0 ? 0 : policeIncidents / allCalls;
}
