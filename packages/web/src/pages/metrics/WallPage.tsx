import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type Map as MapLibreMap, Marker } from 'maplibre-gl';
import { type CSSProperties, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { dispatchQueries } from '../../api/dispatch';
import { defaultCity, placesQueries } from '../../api/places';
import { useLiveEvent, useLiveStatus } from '../../live/LiveProvider';
import { CityMap } from '../../map/CityMap';
import { MAP_LAYERS } from '../../map/style';
import { indicatorKeys, indicatorQueries } from './api';
import { shanghaiToday, showValue } from './presentation';

/** The figures the wall shows for today (the page has them all). */
const WALL_INDICATORS = [
  'dispatch.validity_rate',
  'dispatch.call_to_dispatch.median.P1',
  'dispatch.call_to_arrival.median.P1',
  'dispatch.p1_arrived_within_3min',
  'dispatch.p1_arrived_within_5min',
  'perimeter.hotlist_hits',
  'devices.online_rate',
  'community.mediation_resolution_rate',
];
const OPEN: ReadonlySet<string> = new Set(['received', 'dispatched', 'en_route', 'on_scene']);
const PRIORITY_COLORS: Record<string, string> = {
  P1: '#ff4d4f',
  P2: '#fa8c16',
  P3: '#40a9ff',
  P4: '#8c8c8c',
};
const UNIT_COLORS: Record<string, string> = {
  available: '#73d13d',
  dispatched: '#ffc53d',
  en_route: '#ffc53d',
  on_scene: '#ff7875',
  out_of_service: '#595959',
};

// Sizes follow the viewport so 1920 × 1080 and 3840 × 2160 read the same from the back of the room.
const vw = (n: number) => `${n}vw`;
const panel: CSSProperties = {
  background: 'rgba(13, 31, 56, 0.88)',
  border: '1px solid #1d3b63',
  borderRadius: vw(0.4),
  padding: vw(0.8),
  minHeight: 0,
  overflow: 'hidden',
};

/**
 * 指挥大屏: the command-centre wall, full screen and dark. The live map of open incidents and units,
 * today's figures and the open incidents as alarms; it never reloads: incidents and units follow
 * the live socket (the app's cache sync), today's figures are fetched again on each incident event
 * (at most every 10 s) and every minute.
 */
export function WallPage() {
  const { t, i18n } = useTranslation('metrics');
  const lang = i18n.language;
  const cache = useQueryClient();
  const live = useLiveStatus();
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(timer);
  }, []);
  const today = shanghaiToday(now);
  const cities = useQuery(placesQueries.cities());
  const city = defaultCity(cities.data);
  const incidents = useQuery({ ...dispatchQueries.incidents() });
  const units = useQuery({ ...dispatchQueries.units() });
  const figures = useQuery({
    ...indicatorQueries.values({ from: today, to: today }),
    refetchInterval: 60_000,
  });
  const [lastRefresh, setLastRefresh] = useState(0);
  useLiveEvent('dispatch.incident_changed', () => {
    if (Date.now() - lastRefresh < 10_000) return;
    setLastRefresh(Date.now());
    void cache.invalidateQueries({ queryKey: [...indicatorKeys.all, 'values'] });
  });

  const open = useMemo(
    () =>
      (incidents.data ?? [])
        .filter((i) => OPEN.has(i.status))
        .sort((a, b) => a.priority.localeCompare(b.priority) || b.receivedAt.localeCompare(a.receivedAt)),
    [incidents.data],
  );
  const unitList = units.data ?? [];
  const [map, setMap] = useState<MapLibreMap | null>(null);
  // DOM markers, not canvas layers: the dark look inverts the map's canvas only, so the markers
  // keep their true colours (red is P1, green an available unit).
  const markers = useRef(new Map<string, Marker>());
  useEffect(() => {
    if (!map) return;
    const wanted = new Map<
      string,
      { lon: number; lat: number; color: string; size: number; title: string }
    >();
    for (const i of open)
      wanted.set(`i:${i.id}`, {
        lon: i.lon,
        lat: i.lat,
        color: PRIORITY_COLORS[i.priority] ?? '#40a9ff',
        size: 1.1,
        title: `${i.priority} ${i.number}`,
      });
    for (const u of unitList)
      if (u.lon !== null && u.lat !== null)
        wanted.set(`u:${u.id}`, {
          lon: u.lon,
          lat: u.lat,
          color: UNIT_COLORS[u.status] ?? '#73d13d',
          size: 0.7,
          title: u.callSign,
        });
    for (const [key, marker] of markers.current)
      if (!wanted.has(key)) {
        marker.remove();
        markers.current.delete(key);
      }
    for (const [key, w] of wanted) {
      const existing = markers.current.get(key);
      if (existing) {
        existing.setLngLat([w.lon, w.lat]);
        (existing.getElement().firstChild as HTMLElement).style.background = w.color;
        continue;
      }
      const el = document.createElement('div');
      const dot = document.createElement('div');
      dot.title = w.title;
      dot.dataset.marker = key;
      Object.assign(dot.style, {
        width: vw(w.size),
        height: vw(w.size),
        borderRadius: '50%',
        background: w.color,
        border: `${vw(0.12)} solid ${key.startsWith('i:') ? '#fff' : '#001529'}`,
        boxShadow: key.startsWith('i:') ? `0 0 ${vw(0.8)} ${w.color}` : 'none',
      });
      el.appendChild(dot);
      markers.current.set(key, new Marker({ element: el }).setLngLat([w.lon, w.lat]).addTo(map));
    }
  }, [map, open, unitList]);
  useEffect(
    () => () => {
      for (const marker of markers.current.values()) marker.remove();
      markers.current.clear();
    },
    [],
  );

  const figureById = new Map((figures.data?.items ?? []).map((f) => [f.id, f]));
  const calls = figureById.get('dispatch.validity_rate')?.denominator ?? 0;
  const available = unitList.filter((u) => u.status === 'available').length;
  const busy = unitList.filter((u) => ['dispatched', 'en_route', 'on_scene'].includes(u.status)).length;
  const clock = now.toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', {
    timeZone: 'Asia/Shanghai',
    hour12: false,
  });

  return (
    <div
      data-testid="wall"
      style={{
        position: 'fixed',
        inset: 0,
        background: 'radial-gradient(ellipse at top, #0b2447 0%, #050d1a 70%)',
        color: '#d6e4ff',
        display: 'grid',
        gridTemplateRows: `${vw(4)} 1fr`,
        gridTemplateColumns: `${vw(22)} 1fr ${vw(24)}`,
        gap: vw(0.6),
        padding: vw(0.6),
        fontSize: vw(0.9),
        boxSizing: 'border-box',
      }}
    >
      <header
        style={{
          gridColumn: '1 / 4',
          display: 'flex',
          alignItems: 'center',
          justifyContent: 'space-between',
          borderBottom: '2px solid #1d5fa8',
        }}
      >
        <span style={{ fontSize: vw(1.8), fontWeight: 700, letterSpacing: '0.1em', color: '#e6f4ff' }}>
          {t('wall.title')}
        </span>
        <span style={{ fontSize: vw(1.1) }}>
          <span
            data-testid="wall-live"
            style={{ color: live === 'open' ? '#73d13d' : '#ff7875', marginRight: vw(1) }}
          >
            ● {live === 'open' ? t('wall.live') : t('wall.offline')}
          </span>
          <span style={{ fontVariantNumeric: 'tabular-nums' }}>{clock}</span>
        </span>
      </header>

      <section style={{ ...panel, display: 'flex', flexDirection: 'column', gap: vw(0.6) }}>
        <h2 style={{ margin: 0, fontSize: vw(1.2), color: '#69b1ff' }}>{t('wall.today')}</h2>
        <div style={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: vw(0.5) }}>
          {[
            [t('wall.calls'), String(calls), 'wall-calls'],
            [t('wall.open'), String(open.length), 'wall-open'],
            [t('wall.unitsAvailable'), String(available), 'wall-available'],
            [t('wall.unitsBusy'), String(busy), 'wall-busy'],
          ].map(([label, value, id]) => (
            <div key={id} style={{ background: '#0e2a4d', borderRadius: vw(0.3), padding: vw(0.5) }}>
              <div style={{ fontSize: vw(0.8), color: '#91caff' }}>{label}</div>
              <div data-testid={id} style={{ fontSize: vw(2.2), fontWeight: 700, color: '#fff' }}>
                {value}
              </div>
            </div>
          ))}
        </div>
        <div style={{ display: 'flex', flexDirection: 'column', gap: vw(0.35), overflow: 'hidden' }}>
          {WALL_INDICATORS.flatMap((id) => {
            const f = figureById.get(id);
            if (!f) return [];
            return [
              <div
                key={id}
                data-testid={`wall-figure-${id}`}
                style={{
                  display: 'flex',
                  justifyContent: 'space-between',
                  borderBottom: '1px dashed #1d3b63',
                }}
              >
                <span>{lang === 'en' ? f.name.en : f.name.zh}</span>
                <span
                  style={{
                    fontWeight: 700,
                    color: f.status === 'missed' ? '#ff7875' : f.status === 'met' ? '#95de64' : '#d6e4ff',
                  }}
                >
                  {showValue(f.value, f.unit, lang)}
                </span>
              </div>,
            ];
          })}
        </div>
      </section>

      <section style={{ ...panel, padding: 0 }} className="wall-map">
        {city && (
          <CityMap
            key={city.name}
            city={city.name}
            bounds={city.bounds}
            onReady={(m) => {
              darkBasemap(m);
              setMap(m);
            }}
            fallback={<div style={{ padding: vw(1) }}>{t('wall.noMap')}</div>}
            style={{ height: '100%', width: '100%', background: DARK.background }}
          />
        )}
      </section>

      <section style={{ ...panel, display: 'flex', flexDirection: 'column', gap: vw(0.4) }}>
        <h2 style={{ margin: 0, fontSize: vw(1.2), color: '#ff9c6e' }}>
          {t('wall.alarms')} · {open.length}
        </h2>
        {open.length === 0 && <div style={{ color: '#8c8c8c' }}>{t('wall.noAlarms')}</div>}
        <ol
          data-testid="wall-alarms"
          style={{ listStyle: 'none', margin: 0, padding: 0, overflow: 'hidden' }}
        >
          {open.slice(0, 14).map((i) => (
            <li
              key={i.id}
              data-testid={`wall-alarm-${i.number}`}
              style={{
                borderLeft: `${vw(0.3)} solid ${PRIORITY_COLORS[i.priority] ?? '#40a9ff'}`,
                background: '#0e2a4d',
                marginBottom: vw(0.35),
                padding: `${vw(0.3)} ${vw(0.5)}`,
              }}
            >
              <div style={{ display: 'flex', justifyContent: 'space-between', fontWeight: 600 }}>
                <span>
                  {i.priority} {i.number}
                </span>
                <span style={{ fontVariantNumeric: 'tabular-nums' }}>
                  {new Date(i.receivedAt).toLocaleTimeString('zh-CN', {
                    timeZone: 'Asia/Shanghai',
                    hour12: false,
                  })}
                </span>
              </div>
              <div
                style={{
                  color: '#91caff',
                  whiteSpace: 'nowrap',
                  overflow: 'hidden',
                  textOverflow: 'ellipsis',
                }}
              >
                {i.addressLabel ?? `${i.lon.toFixed(4)}, ${i.lat.toFixed(4)}`}
              </div>
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}

/**
 * The wall's dark basemap: the city style's own layers repainted (navy ground, dim buildings,
 * roads in muted blues and ambers), instead of a CSS filter over the canvas, which turned the
 * light style grey rather than dark. The DOM markers keep their true colours either way.
 */
const DARK = {
  background: '#08121f',
  building: '#142436',
  buildingOutline: '#1d3249',
  casing: '#0b1a2b',
  motorway: '#c77d2e',
  primary: '#9a7f35',
  secondary: '#3c5a7a',
  minor: '#2a4361',
  service: '#1f3550',
  jurisdiction: '#3c89e8',
} as const;

function darkBasemap(m: MapLibreMap) {
  type Paint = Parameters<MapLibreMap['setPaintProperty']>;
  const paint = (layer: string, property: Paint[1], value: Paint[2]) => {
    if (m.getLayer(layer)) m.setPaintProperty(layer, property, value);
  };
  paint('background', 'background-color', DARK.background);
  paint(MAP_LAYERS.buildings, 'fill-color', DARK.building);
  paint(MAP_LAYERS.buildings, 'fill-outline-color', DARK.buildingOutline);
  paint(MAP_LAYERS.roadsCasing, 'line-color', DARK.casing);
  paint(MAP_LAYERS.roads, 'line-color', [
    'match',
    ['get', 'class'],
    ['motorway', 'trunk'],
    DARK.motorway,
    'primary',
    DARK.primary,
    ['secondary', 'tertiary', 'link'],
    DARK.secondary,
    'minor',
    DARK.minor,
    DARK.service,
  ]);
  paint(MAP_LAYERS.jurisdictionsFill, 'fill-color', DARK.jurisdiction);
  paint(MAP_LAYERS.jurisdictionsFill, 'fill-opacity', 0.06);
  paint(MAP_LAYERS.jurisdictionsLine, 'line-color', DARK.jurisdiction);
}
