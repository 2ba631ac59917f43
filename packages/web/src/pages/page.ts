import type { ComponentType, LazyExoticComponent, ReactNode } from 'react';

/** The same nesting of keys with a string at each leaf: what a second language must provide. */
export type Shape<T> = { [K in keyof T]: T[K] extends string ? string : Shape<T[K]> };

/** A page's messages: the primary language (Simplified Chinese) first, English second. */
export type PageMessages<M> = { 'zh-CN': M; en: Shape<M> };

/** Menu groups pages may sit in (their label and icon belong to the shell). */
export type NavGroup = 'system';

export interface PageNav {
  /** A submenu to sit in; top level when absent. */
  group?: NavGroup;
  icon: ReactNode;
  /** Position in the menu (a group sits where its first page would). */
  order: number;
}

/**
 * One page of the app, as its folder exports it (DESIGN.md "Modules"). The list in ./index.ts
 * builds the routes, the menu and the i18n bundles from these; adding a page adds one line there.
 */
export interface PageDefinition<NS extends string = string, M extends { menu: string } = { menu: string }> {
  /** The page's i18n namespace: its components call `useTranslation(namespace)`. */
  namespace: NS;
  /** Route under the app frame, without the leading slash (e.g. `dispatch`, `admin/users`). */
  path: string;
  /** Where it sits in the menu; its label is the `menu` message of its namespace. */
  nav: PageNav;
  /** The server permission needed to see it (from the session); null: anyone signed in. */
  permission: string | null;
  /** Loaded on demand: each page is its own chunk. */
  element: LazyExoticComponent<ComponentType>;
  messages: PageMessages<M>;
}

/** Checks a page definition and keeps its literal namespace and message types. */
export function definePage<const NS extends string, M extends { menu: string }>(
  page: PageDefinition<NS, M>,
): PageDefinition<NS, M> {
  return page;
}
