import { SafetyOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import { definePage } from '../page';
import { oversightMessages } from './messages';

/** 要素管控: regulated units, inspection calendar, rectification cases, risk board, internal security. */
export const oversightPage = definePage({
  namespace: 'oversight',
  path: 'oversight',
  nav: { icon: <SafetyOutlined />, order: 50 },
  permission: 'oversight.read',
  element: lazy(() => import('./OversightPage').then((m) => ({ default: m.OversightPage }))),
  messages: oversightMessages,
});
