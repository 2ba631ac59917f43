import { VideoCameraOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import { definePage } from '../page';
import { videoMessages } from './messages';

/** 视频巡查: the camera registry on the map as view sectors, cameras near a place, live views. */
export const videoPage = definePage({
  namespace: 'video',
  path: 'video',
  nav: { icon: <VideoCameraOutlined />, order: 45 },
  permission: 'video.read',
  element: lazy(() => import('./VideoPage').then((m) => ({ default: m.VideoPage }))),
  messages: videoMessages,
});
