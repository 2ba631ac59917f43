import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import i18n from '../../i18n';
import { type PerimeterMessages, perimeterMessages } from './i18n';

/** Dotted paths of every message, e.g. `plan.title`, `kind.station`. */
type Leaves<T, Prefix extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${Prefix}${K}` : Leaves<T[K], `${Prefix}${K}.`>;
}[keyof T & string];
export type PerimeterKey = Leaves<PerimeterMessages>;
export type PerimeterT = (key: PerimeterKey, options?: Record<string, string | number>) => string;

// Registered here as well as in the shell's resources, so the page never shows raw keys;
// deep-merged without overwriting, so the shell's copy wins when both exist.
for (const [lng, messages] of Object.entries(perimeterMessages)) {
  i18n.addResourceBundle(lng, 'translation', { perimeter: messages }, true, false);
}

type LooseT = (key: string, options?: Record<string, string | number>) => string;

/** `t` for the perimeter messages, keys checked against i18n.ts (`perimeter.` is prefixed here). */
export function usePerimeterT(): { t: PerimeterT; language: string } {
  const { t, i18n: instance } = useTranslation();
  const loose = t as unknown as LooseT;
  const typed = useCallback<PerimeterT>((key, options) => loose(`perimeter.${key}`, options), [loose]);
  return { t: typed, language: instance.language };
}
