import { defineModule } from '../module.js';
import { tilesRoutes } from './routes.js';

/** Offline vector tiles of the city map, drawn from our own road and gazetteer data. */
export const tilesModule = defineModule({
  name: 'tiles',
  needs: ['places'],
  // Tiles are served to every signed-in person (session.self): the basemap of every page.
  permissions: {},
  routes: (app, deps) => tilesRoutes(app, { cities: deps.places.cities }),
});
