import { NotificationOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import { definePage } from '../page';
import { capMessages } from './messages';

/** 预警发布: public notices (CAP 1.2) drafted by one officer and approved by a second (four eyes). */
export const capPage = definePage({
  namespace: 'cap',
  // Not /cap: the server's CAP feed and alerts live under /api/cap; the page is the notices.
  path: 'notices',
  nav: { icon: <NotificationOutlined />, order: 72 },
  permission: 'cap.notices.read',
  element: lazy(() => import('./NoticesPage').then((m) => ({ default: m.NoticesPage }))),
  messages: capMessages,
});
