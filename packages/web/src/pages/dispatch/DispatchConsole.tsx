import { useQuery } from '@tanstack/react-query';
import { Alert, Badge, Card, Empty, Result, Spin, Tag, Typography } from 'antd';
import { LngLatBounds, type Map as MapLibreMap, Marker } from 'maplibre-gl';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import {
  type CreatedIncident,
  dispatchQueries,
  type Incident,
  type Recommendation,
  type Unit,
} from '../../api/dispatch';
import { defaultCity, placesApi, placesQueries } from '../../api/places';
import { type LiveStatus, useLiveStatus } from '../../live/LiveProvider';
import { CityMap } from '../../map/CityMap';
import { CameraPanel } from '../../video/CameraPanel';
import { EidoImport } from './EidoImport';
import { HelpPanel } from './HelpPanel';
import { IncidentDetail } from './IncidentDetail';
import { IncidentQueue } from './IncidentQueue';
import { type CallLocation, IntakeForm } from './IntakeForm';
import {
  DISPATCH_LAYERS,
  incidentsCollection,
  installDispatchLayers,
  setDispatchData,
  unitsCollection,
} from './mapLayers';
import { PRIORITY_COLORS, UNIT_COLORS } from './presentation';
import { type RouteEnds, useRecommendedRoute } from './recommendedRoute';

const LIVE_BADGE: Record<LiveStatus, 'success' | 'processing' | 'error'> = {
  open: 'success',
  connecting: 'processing',
  closed: 'error',
};
const NO_INCIDENTS: Incident[] = [];
const NO_UNITS: Unit[] = [];

/**
 * The dispatch console (接处警 / 指挥调度): intake and the pending queue on the left, the live map
 * of incidents and units in the middle, the open incident on the right. Everything is read through
 * the query cache, which the live feed keeps current, so every dispatcher's screen shows the same room.
 */
export function DispatchConsole() {
  const { t } = useTranslation('dispatch');
  const cities = useQuery(placesQueries.cities());
  const categories = useQuery(dispatchQueries.categories());
  const incidentsQuery = useQuery(dispatchQueries.incidents());
  const unitsQuery = useQuery(dispatchQueries.units());
  const live = useLiveStatus();
  const incidents = incidentsQuery.data ?? NO_INCIDENTS;
  const units = unitsQuery.data ?? NO_UNITS;
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedIncident | null>(null);
  const [location, setLocation] = useState<CallLocation | null>(null);
  const [map, setMap] = useState<MapLibreMap | null>(null);
  const [routeEnds, setRouteEnds] = useState<RouteEnds | null>(null);

  const unitsRef = useRef(units);
  unitsRef.current = units;

  const city = defaultCity(cities.data);
  const loadError = cities.error ?? categories.error ?? incidentsQuery.error ?? unitsQuery.error;

  // The map follows the data.
  useEffect(() => {
    if (map) setDispatchData(map, incidentsCollection(incidents, selectedId), unitsCollection(units));
  }, [map, incidents, units, selectedId]);

  // The call's location, while it is being taken.
  useEffect(() => {
    if (!map || !location) return;
    const marker = new Marker({ color: '#722ed1' }).setLngLat([location.lon, location.lat]).addTo(map);
    return () => {
      marker.remove();
    };
  }, [map, location]);

  // Once per selection: show the incident with the units recommended for it.
  const fitPending = useRef<string | null>(null);
  const onRecommendations = useCallback(
    (incident: Incident, recs: readonly Recommendation[]) => {
      // The first recommended unit's road route (positions to ~10 m, so a moving unit does not
      // ask for a new route every second).
      const top = recs[0] ? unitsRef.current.find((u) => u.id === recs[0].unitId) : undefined;
      const near = (x: number) => Math.round(x * 1e4) / 1e4;
      // Moving (≥ 3 m/s, as the ranking counts it): heading to 15°, so a turning unit asks again
      // only when it has really turned.
      const moving = top && top.heading !== null && top.speed !== null && top.speed >= 3;
      setRouteEnds(
        top && top.lon !== null && top.lat !== null
          ? {
              incidentId: incident.id,
              unitId: top.id,
              from: [near(top.lon), near(top.lat)],
              to: [incident.lon, incident.lat],
              motion: moving
                ? {
                    heading: (Math.round((top.heading as number) / 15) * 15) % 360,
                    speed: Math.round(top.speed as number),
                  }
                : null,
            }
          : null,
      );
      if (!map || fitPending.current !== incident.id) return;
      fitPending.current = null;
      const bounds = new LngLatBounds([incident.lon, incident.lat], [incident.lon, incident.lat]);
      const ids = [...incident.units.map((u) => u.id), ...recs.slice(0, 3).map((r) => r.unitId)];
      for (const id of ids) {
        const u = unitsRef.current.find((x) => x.id === id);
        if (u && u.lon !== null && u.lat !== null) bounds.extend([u.lon, u.lat]);
      }
      map.fitBounds(bounds, { padding: { top: 60, bottom: 40, left: 260, right: 60 }, maxZoom: 16 });
    },
    [map],
  );

  const select = useCallback(
    (id: string | null) => {
      fitPending.current = id;
      setSelectedId(id);
      const incident = id ? incidents.find((i) => i.id === id) : undefined;
      if (map && incident && !map.getBounds().contains([incident.lon, incident.lat])) {
        map.easeTo({ center: [incident.lon, incident.lat] });
      }
    },
    [incidents, map],
  );

  const onMapReady = useCallback((m: MapLibreMap) => {
    installDispatchLayers(m);
    setMap(m);
  }, []);

  const cityName = city?.name;
  const onMapClick = useCallback(
    ({ lon, lat }: { lon: number; lat: number }) => {
      if (map) {
        const hit = map.queryRenderedFeatures(map.project([lon, lat]), {
          layers: [DISPATCH_LAYERS.incidents, DISPATCH_LAYERS.incidentsHalo],
        })[0];
        const id = hit?.properties?.id;
        if (typeof id === 'string') {
          fitPending.current = null;
          setSelectedId(id);
          return;
        }
      }
      setLocation({ lon, lat, label: null, source: 'map' });
      placesApi
        .reverse(lon, lat, cityName)
        .then((r) => {
          const label = r.address?.label ?? r.road?.name ?? null;
          setLocation((cur) =>
            cur && cur.source === 'map' && cur.lon === lon && cur.lat === lat ? { ...cur, label } : cur,
          );
        })
        .catch(() => {});
    },
    [map, cityName],
  );

  const onLocation = useCallback(
    (loc: CallLocation | null) => {
      setLocation(loc);
      if (loc && loc.source === 'search' && map) {
        map.flyTo({ center: [loc.lon, loc.lat], zoom: Math.max(map.getZoom(), 14) });
      }
    },
    [map],
  );

  const onCreated = useCallback((c: CreatedIncident) => {
    setCreated(c);
    fitPending.current = c.incident.id;
    setSelectedId(c.incident.id);
  }, []);

  useRecommendedRoute(map, city?.name, routeEnds && routeEnds.incidentId === selectedId ? routeEnds : null);

  const selectedIncident = selectedId ? incidents.find((i) => i.id === selectedId) : undefined;
  const frame = { height: 'calc(100vh - 96px)', minHeight: 600 };

  if (loadError) {
    return (
      <Card style={frame}>
        <Result status="error" title={t('console.loadFailed', { error: errorText(loadError) })} />
      </Card>
    );
  }
  if (!cities.data) {
    return (
      <div style={{ ...frame, display: 'grid', placeItems: 'center' }}>
        <Spin size="large" />
      </div>
    );
  }

  return (
    <div style={{ ...frame, display: 'flex', gap: 12 }} data-testid="dispatch-console">
      <div
        style={{ width: 340, flex: 'none', display: 'flex', flexDirection: 'column', gap: 12, minHeight: 0 }}
      >
        <IntakeForm
          city={city?.name}
          categories={categories.data ?? []}
          location={location}
          onLocation={onLocation}
          onCreated={onCreated}
        />
        <EidoImport location={location} onCreated={onCreated} />
        <IncidentQueue
          incidents={incidents}
          categories={categories.data ?? []}
          selectedId={selectedId}
          onSelect={select}
        />
      </div>

      <div style={{ flex: 1, minWidth: 0, position: 'relative' }}>
        {city ? (
          <CityMap
            key={city.name}
            city={city.name}
            bounds={city.bounds}
            onReady={onMapReady}
            onClick={onMapClick}
            fallback={<Alert type="error" showIcon title={t('console.webglUnavailable')} />}
            style={{ height: '100%', borderRadius: 8, background: '#eceff2' }}
          >
            <MapOverlay live={live} units={units} />
          </CityMap>
        ) : (
          <Card style={{ height: '100%' }}>
            <Empty description={t('console.noCity')} />
          </Card>
        )}
      </div>

      <div
        style={{ width: 420, flex: 'none', minHeight: 0, display: 'flex', flexDirection: 'column', gap: 12 }}
      >
        {selectedIncident ? (
          <CameraPanel key={selectedIncident.id} lon={selectedIncident.lon} lat={selectedIncident.lat} />
        ) : null}
        <HelpPanel incidentId={selectedId} units={units} />
        {selectedId ? (
          <IncidentDetail
            key={selectedId}
            incidentId={selectedId}
            categories={categories.data ?? []}
            created={created}
            onClose={() => setSelectedId(null)}
            onSelect={select}
            onRecommendations={onRecommendations}
          />
        ) : (
          <Card size="small" style={{ height: '100%' }}>
            <Empty
              image={Empty.PRESENTED_IMAGE_SIMPLE}
              description={t('console.noSelection')}
              style={{ marginTop: 80 }}
            />
          </Card>
        )}
      </div>
    </div>
  );
}

/** Live state, legend and the unit board over the map. */
function MapOverlay({ live, units }: { live: LiveStatus; units: readonly Unit[] }) {
  const { t } = useTranslation('dispatch');
  const legendDot = (color: string, ring = '#fff') => (
    <span
      style={{
        display: 'inline-block',
        width: 10,
        height: 10,
        borderRadius: '50%',
        background: color,
        border: `1.5px solid ${ring}`,
        marginInlineEnd: 4,
        verticalAlign: 'middle',
      }}
    />
  );
  return (
    <div
      style={{
        position: 'absolute',
        top: 10,
        left: 10,
        zIndex: 2,
        width: 230,
        display: 'flex',
        flexDirection: 'column',
        gap: 8,
        pointerEvents: 'none',
      }}
    >
      <Card size="small" style={{ pointerEvents: 'auto' }} styles={{ body: { padding: '8px 10px' } }}>
        <Badge
          status={LIVE_BADGE[live]}
          text={t(`console.live.${live}`)}
          data-testid="live-status"
          data-live={live}
        />
        <div style={{ marginTop: 6, fontSize: 12, lineHeight: '20px' }}>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t('map.legendIncidents')}：
          </Typography.Text>
          {(['P1', 'P2', 'P3', 'P4'] as const).map((p) => (
            <span key={p} style={{ marginInlineEnd: 6 }}>
              {legendDot(PRIORITY_COLORS[p])}
              {p}
            </span>
          ))}
          <br />
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t('map.legendUnits')}：
          </Typography.Text>
          {(['available', 'dispatched', 'on_scene', 'out_of_service'] as const).map((s) => (
            <span key={s} style={{ marginInlineEnd: 6, whiteSpace: 'nowrap' }}>
              {legendDot(UNIT_COLORS[s], '#1f1f1f')}
              {t(`unitStatus.${s}`)}
            </span>
          ))}
        </div>
      </Card>
      <Card
        size="small"
        title={t('map.units')}
        style={{ pointerEvents: 'auto' }}
        styles={{ body: { padding: '6px 10px', maxHeight: 220, overflow: 'auto' } }}
        data-testid="unit-board"
      >
        {units.length === 0 ? (
          <Typography.Text type="secondary">{t('map.unitsEmpty')}</Typography.Text>
        ) : (
          units.map((u) => (
            <div
              key={u.id}
              style={{ display: 'flex', alignItems: 'center', gap: 6, padding: '2px 0' }}
              data-testid={`unit-${u.callSign}`}
              data-status={u.status}
            >
              {legendDot(UNIT_COLORS[u.status], '#1f1f1f')}
              <Typography.Text style={{ flex: 1 }}>{u.callSign}</Typography.Text>
              <Tag color={UNIT_COLORS[u.status]} style={{ marginInlineEnd: 0 }}>
                {t(`unitStatus.${u.status}`)}
              </Tag>
            </div>
          ))
        )}
      </Card>
    </div>
  );
}
