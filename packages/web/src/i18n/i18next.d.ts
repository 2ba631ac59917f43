import 'i18next';
import type { PageNamespaces } from '../pages';
import type { zhCN } from './zh-CN';

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    /** The common messages, and each page's namespace (from the page list): keys are checked. */
    resources: { translation: typeof zhCN } & PageNamespaces;
  }
}
