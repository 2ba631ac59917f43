import { fileURLToPath } from 'node:url';
import type {} from '@citywatch/core/identity/events';
import { ROLES, STAFF_ROLES } from '@citywatch/core/identity/schemas';
import { defineModule } from '../modules/module.js';
import { identityRoutes } from './routes.js';
import { IdentityService } from './service.js';
import type {} from './tables.js';

declare module '../modules/module.js' {
  interface ModuleServices {
    identity: IdentityService;
  }
}

/** People, the org tree, sessions and the audit chain. */
export const identityModule = defineModule({
  name: 'identity',
  permissions: {
    'session.self': ROLES,
    'users.read': ['admin', 'auditor'],
    'users.write': ['admin'],
    'orgs.read': STAFF_ROLES,
    'orgs.write': ['admin'],
    'audit.read': ['auditor', 'admin'],
  },
  migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
  events: {
    'identity.user_changed': 'users.read',
    'identity.org_changed': 'orgs.read',
    'identity.sessions_ended': 'users.read',
    // 'identity.session_ended' reaches no console: the gateway acts on it (closes that session's sockets).
  },
  create: (deps) =>
    new IdentityService(deps.db.kysely, deps.now, deps.permissions, {
      loginFailuresPerAddress: deps.config.loginFailuresPerAddress,
      transact: deps.transact,
    }),
  routes: (app, deps, identity) => identityRoutes(app, deps, identity),
});
