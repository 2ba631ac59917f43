import { AuditOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import { definePage } from '../page';
import { auditMessages } from './messages';

/** 审计日志: the append-only, hash-chained audit log, with a check of the chain. */
export const auditPage = definePage({
  namespace: 'audit',
  path: 'audit',
  nav: { icon: <AuditOutlined />, order: 100 },
  permission: 'audit.read',
  element: lazy(() => import('./AuditPage').then((m) => ({ default: m.AuditPage }))),
  messages: auditMessages,
});
