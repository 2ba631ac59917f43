import { addNamespaces } from '../i18n';
import { auditPage } from './audit';
import { capPage } from './cap';
import { communityPage } from './community';
import { connectorsPage } from './connectors';
import { coveragePage } from './coverage';
import { devicesPage } from './devices';
import { dispatchPage } from './dispatch';
import { explosivesPage } from './explosives';
import { metricsPage } from './metrics';
import { orgsPage } from './orgs';
import { oversightPage } from './oversight';
import { patrolPage } from './patrol';
import { patrolPhonePage } from './patrol-phone';
import { perimeterPage } from './perimeter';
import { placesPage } from './places';
import { sensorsPage } from './sensors';
import { usersPage } from './users';
import { videoPage } from './video';

/**
 * Every page of the app, once: the routes (App.tsx), the menu (shell/AppFrame.tsx) and the i18n
 * namespaces are built from this list. A page folder exports its definition (pages/page.ts) and
 * imports nothing from another page folder; adding a page adds one line here.
 */
export const PAGES = [
  dispatchPage,
  coveragePage,
  perimeterPage,
  patrolPage,
  videoPage,
  patrolPhonePage,
  oversightPage,
  explosivesPage,
  sensorsPage,
  communityPage,
  placesPage,
  metricsPage,
  capPage,
  connectorsPage,
  usersPage,
  devicesPage,
  orgsPage,
  auditPage,
] as const;

export type AppPage = (typeof PAGES)[number];

/** Each page's namespace with its messages in the primary language (types i18next's keys). */
export type PageNamespaces = { [P in AppPage as P['namespace']]: P['messages']['zh-CN'] };

addNamespaces(PAGES);
