import { AimOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import { definePage } from '../page';
import { perimeterMessages } from './messages';

/** 圈层查控: rings and closure plans, the plate hotlist, live hits and checkpoint reports. */
export const perimeterPage = definePage({
  namespace: 'perimeter',
  path: 'perimeter',
  nav: { icon: <AimOutlined />, order: 30 },
  permission: 'perimeter.read',
  element: lazy(() => import('./PerimeterPage').then((m) => ({ default: m.PerimeterPage }))),
  messages: perimeterMessages,
});
