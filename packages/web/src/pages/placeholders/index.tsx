import { BarChartOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import { definePage } from '../page';

/** A feature still to come: its menu entry and a page that says so. Its feature work replaces it. */
function placeholder<const NS extends 'metrics'>(
  namespace: NS,
  path: string,
  order: number,
  icon: React.ReactNode,
  menu: { 'zh-CN': string; en: string },
) {
  return definePage({
    namespace,
    path,
    nav: { icon, order },
    permission: null,
    element: lazy(() =>
      import('./PlaceholderPage').then((m) => ({
        default: () => <m.PlaceholderPage namespace={namespace} />,
      })),
    ),
    messages: { 'zh-CN': { menu: menu['zh-CN'] }, en: { menu: menu.en } },
  });
}

export const metricsPage = placeholder('metrics', 'metrics', 70, <BarChartOutlined />, {
  'zh-CN': '评价指标',
  en: 'Indicators',
});
