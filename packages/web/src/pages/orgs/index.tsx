import { ApartmentOutlined } from '@ant-design/icons';
import { lazy } from 'react';
import { definePage } from '../page';
import { orgsMessages } from './messages';

/** 组织机构: the org tree (city bureau → branch bureaus → police stations → teams). */
export const orgsPage = definePage({
  namespace: 'orgs',
  path: 'admin/orgs',
  nav: { group: 'system', icon: <ApartmentOutlined />, order: 90 },
  // Maintaining the tree (everyone may read it: it names the units they work with).
  permission: 'orgs.write',
  element: lazy(() => import('./OrgsPage').then((m) => ({ default: m.OrgsPage }))),
  messages: orgsMessages,
});
