import { TeamOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import { definePage } from '../page';
import { communityMessages } from './messages';

/** 基础防控 · 社区: the intake queue of citizen reports, dispute mediation and its results. */
export const communityPage = definePage({
  namespace: 'community',
  path: 'community',
  nav: { icon: <TeamOutlined />, order: 62 },
  permission: 'community.read',
  element: lazy(() => import('./CommunityPage').then((m) => ({ default: m.CommunityPage }))),
  messages: communityMessages,
});
