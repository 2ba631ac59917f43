import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import i18n from '../../i18n';
import { type DispatchMessages, dispatchMessages } from './i18n';

/** Dotted paths of every message, e.g. `intake.title`, `incidentStatus.received`. */
type Leaves<T, Prefix extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${Prefix}${K}` : Leaves<T[K], `${Prefix}${K}.`>;
}[keyof T & string];
export type DispatchKey = Leaves<DispatchMessages>;
export type DispatchT = (key: DispatchKey, options?: Record<string, string | number>) => string;

// Registered here as well as in the shell's resources, so the console never shows raw keys;
// deep-merged without overwriting, so the shell's copy wins when both exist.
for (const [lng, messages] of Object.entries(dispatchMessages)) {
  i18n.addResourceBundle(lng, 'translation', { dispatch: messages }, true, false);
}

type LooseT = (key: string, options?: Record<string, string | number>) => string;

/** `t` for the dispatch messages, keys checked against i18n.ts (`dispatch.` is prefixed here). */
export function useDispatchT(): { t: DispatchT; language: string } {
  const { t, i18n: instance } = useTranslation();
  const loose = t as unknown as LooseT;
  const typed = useCallback<DispatchT>((key, options) => loose(`dispatch.${key}`, options), [loose]);
  return { t: typed, language: instance.language };
}
