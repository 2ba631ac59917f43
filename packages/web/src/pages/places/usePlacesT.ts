import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import i18n from '../../i18n';
import { type PlacesMessages, placesMessages } from './i18n';

/** Dotted paths of every message, e.g. `map.title`, `point.road`. */
type Leaves<T, Prefix extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${Prefix}${K}` : Leaves<T[K], `${Prefix}${K}.`>;
}[keyof T & string];
export type PlacesKey = Leaves<PlacesMessages>;

// Registered here as well as (once merged) in the shell's resources, so the page never shows raw
// keys; deep-merged without overwriting, so the shell's copy wins when both exist.
for (const [lng, messages] of Object.entries(placesMessages)) {
  i18n.addResourceBundle(lng, 'translation', { places: messages }, true, false);
}

type LooseT = (key: string, options?: Record<string, string | number>) => string;

/** `t` for the places messages, keys checked against i18n.ts (`places.` is prefixed here). */
export function usePlacesT(): (key: PlacesKey, options?: Record<string, string | number>) => string {
  const { t } = useTranslation();
  // i18next types its keys from the shell's zh-CN resources, which may not hold `places` yet;
  // the keys are checked by PlacesKey instead.
  const loose = t as unknown as LooseT;
  return useCallback((key, options) => loose(`places.${key}`, options), [loose]);
}
