import { identityModule } from '../identity/module.js';
import { liveModule } from '../live/module.js';
import { coverageModule } from './coverage/module.js';
import { dispatchModule } from './dispatch/module.js';
import { perimeterModule } from './perimeter/module.js';
import { placesModule } from './places/module.js';
import { tilesModule } from './tiles/module.js';

/**
 * Every feature of the server, in start order (a module comes after those it `needs`). This is
 * the only list: adding a feature adds one line here.
 */
export const MODULES = [
  identityModule,
  liveModule,
  placesModule,
  tilesModule,
  dispatchModule,
  coverageModule,
  perimeterModule,
] as const;
