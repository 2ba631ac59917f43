import { BarChartOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import { definePage } from '../page';
import { metricsMessages } from './messages';

/** 评价指标: every module's indicators per org level, targets, trends, ranking, drill-down. */
export const metricsPage = definePage({
  namespace: 'metrics',
  // Not /metrics: that is the server's Prometheus endpoint.
  path: 'indicators',
  nav: { icon: <BarChartOutlined />, order: 70 },
  permission: 'indicators.read',
  element: lazy(() => import('./MetricsPage').then((m) => ({ default: m.MetricsPage }))),
  messages: metricsMessages,
});
