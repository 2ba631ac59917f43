import { EnvironmentOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import { definePage } from '../page';
import { placesMessages } from './messages';

/** 基础防控: the city map with search, click-to-identify and 1/3/5-minute isochrones. */
export const placesPage = definePage({
  namespace: 'places',
  path: 'places',
  nav: { icon: <EnvironmentOutlined />, order: 60 },
  permission: 'places.read',
  element: lazy(() => import('./MapPage').then((m) => ({ default: m.MapPage }))),
  messages: placesMessages,
});
