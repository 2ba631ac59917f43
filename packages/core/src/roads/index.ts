export * from './ch';
export * from './dijkstra';
export * from './graph';
export * from './isochrone';
export * from './osm';
export * from './osm-to-graph';
export * from './snap';
export * from './speeds';
