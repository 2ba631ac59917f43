import { type Map as MapLibreMap, Marker } from 'maplibre-gl';
import type { CoveragePost } from '../../api/coverage';
import { KIND_COLORS, PICK_COLOR } from './presentation';

/** A post on the map: a dot in its kind's colour; police stations a little bigger, and square. */
function postElement(post: CoveragePost, title: string, editable: boolean): HTMLDivElement {
  const el = document.createElement('div');
  const station = post.kind === 'police_station';
  const size = station ? 18 : 15;
  Object.assign(el.style, {
    width: `${size}px`,
    height: `${size}px`,
    borderRadius: station ? '4px' : '50%',
    background: KIND_COLORS[post.kind],
    border: '2.5px solid #fff',
    boxShadow: '0 0 0 1px rgba(0,0,0,0.45), 0 1px 4px rgba(0,0,0,0.35)',
    cursor: editable ? 'grab' : 'default',
    boxSizing: 'content-box',
  });
  el.title = title;
  el.dataset.testid = 'post-marker';
  el.dataset.source = post.source;
  el.dataset.kind = post.kind;
  el.dataset.name = post.name;
  // A click on a post is not a click on the map (which would start a new post there).
  el.addEventListener('click', (e) => e.stopPropagation());
  return el;
}

/** Puts the posts on the map; editable ones can be dragged. Returns a function that removes them. */
export function addPostMarkers(
  map: MapLibreMap,
  posts: readonly CoveragePost[],
  options: {
    canEdit: boolean;
    title: (post: CoveragePost) => string;
    onMoved: (post: CoveragePost, lon: number, lat: number) => void;
  },
): () => void {
  const markers = posts.map((post) => {
    const editable = options.canEdit && post.source === 'post';
    const marker = new Marker({
      element: postElement(post, options.title(post), editable),
      draggable: editable,
    })
      .setLngLat([post.lon, post.lat])
      .addTo(map);
    if (editable) {
      marker.on('dragend', () => {
        const { lng, lat } = marker.getLngLat();
        options.onMoved(post, lng, lat);
      });
    }
    return marker;
  });
  return () => {
    for (const m of markers) m.remove();
  };
}

/** The advisor's picks as numbered markers. */
export function addPickMarkers(
  map: MapLibreMap,
  picks: readonly { lon: number; lat: number }[],
  added: ReadonlySet<number>,
  title: (n: number) => string,
): () => void {
  const markers = picks.map((pick, i) => {
    const n = i + 1;
    const el = document.createElement('div');
    Object.assign(el.style, {
      width: '22px',
      height: '22px',
      borderRadius: '50%',
      background: added.has(n) ? '#8c8c8c' : PICK_COLOR,
      color: '#fff',
      font: '600 12px/22px system-ui, sans-serif',
      textAlign: 'center',
      border: '2px dashed #fff',
      boxShadow: '0 0 0 1px rgba(0,0,0,0.45), 0 1px 4px rgba(0,0,0,0.35)',
      boxSizing: 'content-box',
    });
    el.textContent = String(n);
    el.title = title(n);
    el.dataset.testid = `pick-marker-${n}`;
    el.addEventListener('click', (e) => e.stopPropagation());
    return new Marker({ element: el }).setLngLat([pick.lon, pick.lat]).addTo(map);
  });
  return () => {
    for (const m of markers) m.remove();
  };
}
