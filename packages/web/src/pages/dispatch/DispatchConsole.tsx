import {
  INCIDENT_STATUSES,
  type IncidentStatus,
  UNIT_STATUSES,
  type UnitStatus,
} from '@citywatch/core/dispatch/incident';
import type { DomainEvent, DomainEventType } from '@citywatch/core/events/events';
import { Alert, Badge, Card, Empty, Result, Spin, Tag, Typography } from 'antd';
import { LngLatBounds, type Map as MapLibreMap, Marker } from 'maplibre-gl';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { CityMap } from '../../map/CityMap';
import { type CitySummary, placesApi } from '../places/api';
import {
  type CreatedIncident,
  dispatchApi,
  errorText,
  type Incident,
  type IncidentCategory,
  PRIORITY_COLORS,
  type Recommendation,
  UNIT_COLORS,
  type Unit,
} from './api';
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
import { useDispatchT } from './useDispatchT';
import { type LiveStatus, useLiveEvents } from './useLiveEvents';

const LIVE_TYPES: readonly DomainEventType[] = [
  'dispatch.incident_changed',
  'dispatch.unit_changed',
  // Not used here, but the gateway only closes a socket with 1012 ("your user changed, reconnect")
  // when that event passes the socket's type filter, so it is asked for to keep the scope fresh.
  'identity.user_changed',
];
/** Live events come in bursts (a dispatch changes the incident and the unit): one reload per burst. */
const REFRESH_DEBOUNCE_MS = 200;

/** Incident statuses whose transition also changes the status of the incident's units. */
const UNIT_MOVING_STATUSES = new Set(['en_route', 'on_scene', 'cleared', 'closed', 'cancelled', 'merged']);

type RefreshPart = 'incidents' | 'units' | 'detail';

const isIncidentStatus = (s: string): s is IncidentStatus =>
  (INCIDENT_STATUSES as readonly string[]).includes(s);
const isUnitStatus = (s: string): s is UnitStatus => (UNIT_STATUSES as readonly string[]).includes(s);

const LIVE_BADGE: Record<LiveStatus, 'success' | 'processing' | 'error'> = {
  open: 'success',
  connecting: 'processing',
  closed: 'error',
};

/**
 * The dispatch console (接处警 / 指挥调度): intake and the pending queue on the left, the live map
 * of incidents and units in the middle, the open incident on the right. Everything follows the
 * live feed, so every dispatcher's screen shows the same room.
 */
export function DispatchConsole() {
  const { t } = useDispatchT();
  const [cities, setCities] = useState<CitySummary[] | null>(null);
  const [categories, setCategories] = useState<IncidentCategory[]>([]);
  const [incidents, setIncidents] = useState<Incident[]>([]);
  const [units, setUnits] = useState<Unit[]>([]);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedIncident | null>(null);
  const [location, setLocation] = useState<CallLocation | null>(null);
  const [detailKey, setDetailKey] = useState(0);
  const [map, setMap] = useState<MapLibreMap | null>(null);

  const selectedRef = useRef(selectedId);
  selectedRef.current = selectedId;
  const unitsRef = useRef(units);
  unitsRef.current = units;

  const city = useMemo(() => cities?.find((c) => c.isDefault) ?? cities?.[0], [cities]);

  const loadIncidents = useCallback(async () => {
    setIncidents((await dispatchApi.incidents()).items);
  }, []);
  const loadUnits = useCallback(async () => {
    setUnits((await dispatchApi.units()).items);
  }, []);

  useEffect(() => {
    Promise.all([placesApi.cities(), dispatchApi.categories(), loadIncidents(), loadUnits()])
      .then(([c, cats]) => {
        setCities(c.items);
        setCategories(cats.items);
      })
      .catch((err: unknown) => setLoadError(errorText(err)));
  }, [loadIncidents, loadUnits]);

  // Debounced reloads, asked for by live events and by this console's own actions.
  const pending = useRef(new Set<RefreshPart>());
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const schedule = useCallback(
    (...parts: RefreshPart[]) => {
      for (const p of parts) pending.current.add(p);
      if (timer.current) return;
      timer.current = setTimeout(() => {
        timer.current = undefined;
        const due = new Set(pending.current);
        pending.current.clear();
        if (due.has('incidents')) void loadIncidents().catch(() => {});
        if (due.has('units')) void loadUnits().catch(() => {});
        if (due.has('detail')) setDetailKey((k) => k + 1);
      }, REFRESH_DEBOUNCE_MS);
    },
    [loadIncidents, loadUnits],
  );
  useEffect(() => () => clearTimeout(timer.current), []);

  const onLiveEvent = useCallback(
    (event: DomainEvent) => {
      if (event.type === 'dispatch.incident_changed') {
        const p = event.payload;
        // Shown at once; the full record follows with the reload.
        if (isIncidentStatus(p.status)) {
          const status = p.status;
          setIncidents((list) => list.map((i) => (i.id === p.incidentId ? { ...i, status } : i)));
        }
        schedule('incidents');
        if (p.incidentId === selectedRef.current) schedule('detail');
        // The server moves the incident's units along with it (on scene, freed when cleared) without
        // a unit event of their own, so the unit board is reloaded for those steps.
        if (UNIT_MOVING_STATUSES.has(p.status)) schedule('units', 'detail');
      } else if (event.type === 'dispatch.unit_changed') {
        const p = event.payload;
        const known = unitsRef.current.find((u) => u.id === p.unitId);
        if (!known) {
          schedule('units');
          return;
        }
        const statusChanged = known.status !== p.status || known.incidentId !== p.incidentId;
        setUnits((list) =>
          list.map((u) =>
            u.id === p.unitId
              ? {
                  ...u,
                  status: isUnitStatus(p.status) ? p.status : u.status,
                  incidentId: p.incidentId,
                  lon: p.lon,
                  lat: p.lat,
                  heading: p.heading,
                }
              : u,
          ),
        );
        // A unit taken or freed changes the recommendations and the queue's unit lists.
        if (statusChanged) schedule('units', 'incidents', 'detail');
      }
    },
    [schedule],
  );
  const live = useLiveEvents(LIVE_TYPES, onLiveEvent, () => schedule('incidents', 'units', 'detail'));

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
        .reverse(lon, lat, city?.name)
        .then((r) => {
          const label = r.address?.label ?? r.road?.name ?? null;
          setLocation((cur) =>
            cur && cur.source === 'map' && cur.lon === lon && cur.lat === lat ? { ...cur, label } : cur,
          );
        })
        .catch(() => {});
    },
    [map, city],
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

  const onCreated = useCallback(
    (c: CreatedIncident) => {
      setCreated(c);
      fitPending.current = c.incident.id;
      setIncidents((list) => (list.some((i) => i.id === c.incident.id) ? list : [...list, c.incident]));
      setSelectedId(c.incident.id);
      schedule('incidents');
    },
    [schedule],
  );

  const frame = { height: 'calc(100vh - 96px)', minHeight: 600 };

  if (loadError) {
    return (
      <Card style={frame}>
        <Result status="error" title={t('console.loadFailed', { error: loadError })} />
      </Card>
    );
  }
  if (!cities) {
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
          categories={categories}
          location={location}
          onLocation={onLocation}
          onCreated={onCreated}
        />
        <IncidentQueue
          incidents={incidents}
          categories={categories}
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

      <div style={{ width: 420, flex: 'none', minHeight: 0 }}>
        {selectedId ? (
          <IncidentDetail
            incidentId={selectedId}
            categories={categories}
            created={created}
            refreshKey={detailKey}
            onClose={() => setSelectedId(null)}
            onChanged={() => schedule('incidents', 'units')}
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
  const { t } = useDispatchT();
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
