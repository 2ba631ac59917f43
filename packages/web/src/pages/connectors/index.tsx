import { DatabaseOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import { definePage } from '../page';
import { connectorsMessages } from './messages';

/** 数据融合: data connectors (file, HTTP pull, MQTT) into a module's data, with a quality report per run. */
export const connectorsPage = definePage({
  namespace: 'connectors',
  path: 'connectors',
  nav: { icon: <DatabaseOutlined />, order: 75 },
  permission: 'connectors.read',
  element: lazy(() => import('./ConnectorsPage').then((m) => ({ default: m.ConnectorsPage }))),
  messages: connectorsMessages,
});
