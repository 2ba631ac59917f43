import { BlockOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import { definePage } from '../page';
import { patrolMessages } from './messages';

/** 单元防控: hot spots for the coming window, and the honest evaluation of the models behind them. */
export const patrolPage = definePage({
  namespace: 'patrol',
  path: 'patrol',
  nav: { icon: <BlockOutlined />, order: 40 },
  permission: 'patrol.read',
  element: lazy(() => import('./PlansTabs').then((m) => ({ default: m.PlansTabs }))),
  messages: patrolMessages,
});
