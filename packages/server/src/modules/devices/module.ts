import { fileURLToPath } from 'node:url';
import { defineModule } from '../module.js';
import { devicesRoutes } from './routes.js';
import { DevicesService } from './service.js';
import type {} from './tables.js';

declare module '../module.js' {
  interface ModuleServices {
    devices: DevicesService;
  }
}

/**
 * Devices as principals: API tokens for plate cameras (one checkpoint each) and AVL terminals (one
 * unit each), which the HTTP auth hook and the MQTT broker accept in place of a person's session.
 */
export const devicesModule = defineModule({
  name: 'devices',
  needs: ['dispatch', 'perimeter'],
  permissions: {
    'devices.read': ['admin', 'auditor'],
    'devices.write': ['admin'],
  },
  migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
  create: (deps) => new DevicesService(deps),
  routes: (app, _deps, devices) => devicesRoutes(app, devices),
});
