import { RadarChartOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import { definePage } from '../page';
import { coverageMessages } from './messages';

/** 覆盖分析: the 1-3-5 minute response circles of posts and stations, and the placement advisor. */
export const coveragePage = definePage({
  namespace: 'coverage',
  path: 'coverage',
  nav: { icon: <RadarChartOutlined />, order: 20 },
  permission: 'coverage.read',
  element: lazy(() => import('./CoveragePage').then((m) => ({ default: m.CoveragePage }))),
  messages: coverageMessages,
});
