import { BellOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import { definePage } from '../page';
import { sensorsMessages } from './messages';

/** 智慧安防小区: community devices on the map with online state and alarms, and crowd areas. */
export const sensorsPage = definePage({
  namespace: 'sensors',
  path: 'sensors',
  nav: { icon: <BellOutlined />, order: 58 },
  permission: 'sensors.read',
  element: lazy(() => import('./SensorsPage').then((m) => ({ default: m.SensorsPage }))),
  messages: sensorsMessages,
});
