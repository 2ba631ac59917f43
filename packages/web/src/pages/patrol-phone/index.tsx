import { MobileOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import { definePage } from '../page';
import { patrolPhoneMessages } from './messages';

/**
 * 巡逻终端: the signed-on patrol officer's phone (installable as an app): sign-on, position as AVL,
 * dispatches with an accept button, status, today's plan with the road route to the next visit.
 * The page frame has no layout without the menu, so the page covers the frame on its own.
 */
export const patrolPhonePage = definePage({
  namespace: 'patrolPhone',
  path: 'patrol-phone',
  nav: { icon: <MobileOutlined />, order: 41 },
  permission: 'units.report',
  element: lazy(() => import('./PhonePage').then((m) => ({ default: m.PhonePage }))),
  messages: patrolPhoneMessages,
});
