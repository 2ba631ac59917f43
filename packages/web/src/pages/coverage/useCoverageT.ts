import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import i18n from '../../i18n';
import { type CoverageMessages, coverageMessages } from './i18n';

/** Dotted paths of every message, e.g. `figures.title`, `kind.street_post`, `band.180`. */
type Leaves<T, Prefix extends string = ''> = {
  [K in keyof T & (string | number)]: T[K] extends string ? `${Prefix}${K}` : Leaves<T[K], `${Prefix}${K}.`>;
}[keyof T & (string | number)];
export type CoverageKey = Leaves<CoverageMessages>;
export type CoverageT = (key: CoverageKey, options?: Record<string, string | number>) => string;

// Registered here as well as in the shell's resources, so the page never shows raw keys;
// deep-merged without overwriting, so the shell's copy wins when both exist.
for (const [lng, messages] of Object.entries(coverageMessages)) {
  i18n.addResourceBundle(lng, 'translation', { coverage: messages }, true, false);
}

type LooseT = (key: string, options?: Record<string, string | number>) => string;

/** `t` for the coverage messages, keys checked against i18n.ts (`coverage.` is prefixed here). */
export function useCoverageT(): { t: CoverageT; language: string } {
  const { t, i18n: instance } = useTranslation();
  const loose = t as unknown as LooseT;
  const typed = useCallback<CoverageT>((key, options) => loose(`coverage.${key}`, options), [loose]);
  return { t: typed, language: instance.language };
}
