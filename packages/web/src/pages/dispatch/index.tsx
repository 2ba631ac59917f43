import { AlertOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import { definePage } from '../page';
import { dispatchMessages } from './messages';

/** 指挥调度: 110 intake, the pending queue, the live map of incidents and units, one-click dispatch. */
export const dispatchPage = definePage({
  namespace: 'dispatch',
  path: 'dispatch',
  nav: { icon: <AlertOutlined />, order: 10 },
  permission: 'dispatch.read',
  element: lazy(() => import('./DispatchConsole').then((m) => ({ default: m.DispatchConsole }))),
  messages: dispatchMessages,
});
