import type { OrgKind, Role } from '@citywatch/core/identity/schemas';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en';
import { zhCN } from './zh-CN';

export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

const STORAGE_KEY = 'citywatch.lang';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

function storedLanguage(): Language {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    if (isLanguage(value)) return value;
  } catch {
    // storage unavailable (private mode): fall through to the default
  }
  return 'zh-CN';
}

function applyLanguage(lng: Language): void {
  dayjs.locale(lng === 'zh-CN' ? 'zh-cn' : 'en');
  document.documentElement.lang = lng;
  document.title = (lng === 'zh-CN' ? zhCN : en).app.name;
}

/** The common messages (namespace `translation`); each page brings its own namespace. */
export const resources = {
  'zh-CN': { translation: zhCN },
  en: { translation: en },
} as const;

const initial = storedLanguage();
void i18n.use(initReactI18next).init({
  resources,
  lng: initial,
  fallbackLng: 'zh-CN',
  supportedLngs: [...LANGUAGES],
  interpolation: { escapeValue: false },
  returnNull: false,
});
applyLanguage(initial);

/** A namespace of messages in every language (a page's, from the page list). */
export type MessageBundle = { namespace: string; messages: Record<Language, object> };

/** Registers each page's namespace, in every language, before anything renders. */
export function addNamespaces(bundles: readonly MessageBundle[]): void {
  for (const { namespace, messages } of bundles) {
    for (const lng of LANGUAGES) i18n.addResourceBundle(lng, namespace, messages[lng], true, true);
  }
}

/** The language now in use, always one of LANGUAGES. */
export function currentLanguage(): Language {
  return isLanguage(i18n.language) ? i18n.language : 'zh-CN';
}

/** Switches the UI language and remembers it for the next visit. */
export async function setLanguage(lng: Language): Promise<void> {
  try {
    localStorage.setItem(STORAGE_KEY, lng);
  } catch {
    // not remembered, still switched
  }
  applyLanguage(lng);
  await i18n.changeLanguage(lng);
}

// Compile-time guards: every role and org level has a label in the primary language.
type Covers<K extends string, T> = [K] extends [keyof T] ? true : never;
const _roles: Covers<Role, typeof zhCN.roles> = true;
const _kinds: Covers<OrgKind, typeof zhCN.orgKinds> = true;
void [_roles, _kinds];

export default i18n;
