import { UserOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import { definePage } from '../page';
import { usersMessages } from './messages';

/** 用户管理: accounts, their org and roles; deactivation and forced sign-out. */
export const usersPage = definePage({
  namespace: 'users',
  path: 'admin/users',
  nav: { group: 'system', icon: <UserOutlined />, order: 80 },
  // Managing accounts (reading them alone is also granted to auditors, who have the audit log).
  permission: 'users.write',
  element: lazy(() => import('./UsersPage').then((m) => ({ default: m.UsersPage }))),
  messages: usersMessages,
});
