import { fileURLToPath } from 'node:url';
import { defineModule } from '../module.js';
import { oversightRoutes } from './routes.js';
import { OversightService } from './service.js';
import type {} from './tables.js';

declare module '../module.js' {
  interface ModuleServices {
    oversight: OversightService;
  }
}

/**
 * 要素管控 (oversight): regulated units by industry with licences, people (read with a purpose) and
 * cameras; enterprise users bound to exactly one unit (`oversight_unit_users`) see and do only
 * their own unit's work.
 */
export const oversightModule = defineModule({
  name: 'oversight',
  needs: ['places'],
  permissions: {
    'oversight.read': [
      'admin',
      'commander',
      'industry_inspector',
      'community_officer',
      'auditor',
      'enterprise',
    ],
    'oversight.write': ['admin', 'industry_inspector'],
    'oversight.bind': ['admin'],
  },
  migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
  create: (deps) => new OversightService(deps),
  routes: (app, deps, oversight) => oversightRoutes(app, deps, oversight),
});
