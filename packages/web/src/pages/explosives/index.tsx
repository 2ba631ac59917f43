import { AlertOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import { definePage } from '../page';
import { explosivesMessages } from './messages';

/** 民爆物品: permits with four-eyes approval, magazines, the ledger, daily close and alarms. */
export const explosivesPage = definePage({
  namespace: 'explosives',
  path: 'explosives',
  nav: { icon: <AlertOutlined />, order: 55 },
  permission: 'explosives.read',
  element: lazy(() => import('./ExplosivesPage').then((m) => ({ default: m.ExplosivesPage }))),
  messages: explosivesMessages,
});
