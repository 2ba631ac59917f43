import { ApiOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import { definePage } from '../page';
import { devicesMessages } from './messages';

/** 设备管理: device tokens of checkpoint cameras and AVL terminals (issue once, re-issue, revoke). */
export const devicesPage = definePage({
  namespace: 'devices',
  path: 'admin/devices',
  nav: { group: 'system', icon: <ApiOutlined />, order: 85 },
  permission: 'devices.read',
  element: lazy(() => import('./DevicesPage').then((m) => ({ default: m.DevicesPage }))),
  messages: devicesMessages,
});
