import { useQuery } from '@tanstack/react-query';
import { Alert, Card, Empty, Select, Space, Tag, Typography } from 'antd';
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import { LngLatBounds } from 'maplibre-gl';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { defaultCity, placesQueries } from '../../api/places';
import { formatDateTime } from '../../format';
import { CityMap } from '../../map/CityMap';
import { explosivesApi, type TransportView } from './api';

const ROUTE_SOURCE = 'explosives-route';
const TRACK_SOURCE = 'explosives-track';
const ALARM_SOURCE = 'explosives-route-alarms';
const empty = { type: 'FeatureCollection' as const, features: [] };

function installLayers(map: MapLibreMap) {
  for (const id of [ROUTE_SOURCE, TRACK_SOURCE, ALARM_SOURCE])
    if (!map.getSource(id)) map.addSource(id, { type: 'geojson', data: empty });
  if (!map.getLayer('explosives-route-line'))
    map.addLayer({
      id: 'explosives-route-line',
      type: 'line',
      source: ROUTE_SOURCE,
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': '#1677ff', 'line-width': 6, 'line-opacity': 0.55 },
    });
  if (!map.getLayer('explosives-track-line'))
    map.addLayer({
      id: 'explosives-track-line',
      type: 'line',
      source: TRACK_SOURCE,
      filter: ['==', ['geometry-type'], 'LineString'],
      paint: { 'line-color': '#fa8c16', 'line-width': 2, 'line-dasharray': [2, 1] },
    });
  if (!map.getLayer('explosives-track-points'))
    map.addLayer({
      id: 'explosives-track-points',
      type: 'circle',
      source: TRACK_SOURCE,
      filter: ['==', ['geometry-type'], 'Point'],
      paint: {
        'circle-radius': 4,
        'circle-color': '#fa8c16',
        'circle-stroke-color': '#fff',
        'circle-stroke-width': 1,
      },
    });
  if (!map.getLayer('explosives-route-alarms'))
    map.addLayer({
      id: 'explosives-route-alarms',
      type: 'circle',
      source: ALARM_SOURCE,
      paint: {
        'circle-radius': 11,
        'circle-color': '#f5222d',
        'circle-opacity': 0.85,
        'circle-stroke-color': '#fff',
        'circle-stroke-width': 2,
      },
    });
}

function draw(map: MapLibreMap, view: TransportView) {
  const source = (id: string) => map.getSource(id) as GeoJSONSource | undefined;
  source(ROUTE_SOURCE)?.setData({
    type: 'FeatureCollection',
    features:
      view.route.length > 1
        ? [{ type: 'Feature', geometry: { type: 'LineString', coordinates: view.route }, properties: {} }]
        : [],
  });
  const track = view.fixes.map((f) => [f.lon, f.lat]);
  source(TRACK_SOURCE)?.setData({
    type: 'FeatureCollection',
    features: [
      ...(track.length > 1
        ? [
            {
              type: 'Feature' as const,
              geometry: { type: 'LineString' as const, coordinates: track },
              properties: {},
            },
          ]
        : []),
      ...view.fixes.map((f) => ({
        type: 'Feature' as const,
        geometry: { type: 'Point' as const, coordinates: [f.lon, f.lat] },
        properties: { at: f.at },
      })),
    ],
  });
  source(ALARM_SOURCE)?.setData({
    type: 'FeatureCollection',
    features: view.alarms
      .filter((a) => a.lon !== null && a.lat !== null)
      .map((a) => ({
        type: 'Feature' as const,
        geometry: { type: 'Point' as const, coordinates: [a.lon as number, a.lat as number] },
        properties: { kind: a.kind },
      })),
  });
  const all = [...view.route, ...track] as [number, number][];
  if (all.length > 0) {
    const bounds = all.reduce((b, p) => b.extend(p), new LngLatBounds(all[0], all[0]));
    map.fitBounds(bounds, { padding: 48, duration: 0, maxZoom: 16 });
  }
}

/** 运输监控: an approved transport permit's permitted road route, the vehicle's positions and its route alarms. */
export function TransportTab({ enterprise }: { enterprise: string | undefined }) {
  const { t } = useTranslation('explosives');
  const cities = useQuery(placesQueries.cities());
  const city = defaultCity(cities.data);
  const permits = useQuery({ queryKey: ['explosives', 'permits'], queryFn: explosivesApi.permits });
  const transports = (permits.data?.items ?? []).filter(
    (p) =>
      p.kind === 'transport' && p.status === 'approved' && (!enterprise || p.enterpriseId === enterprise),
  );
  const [picked, setPicked] = useState<string | undefined>();
  const permitId = picked ?? transports[0]?.id;
  const view = useQuery({
    queryKey: ['explosives', 'transport', permitId],
    queryFn: () => explosivesApi.transport(permitId as string),
    enabled: !!permitId,
    refetchInterval: 30_000,
  });
  const [map, setMap] = useState<MapLibreMap | null>(null);
  const onReady = useCallback((m: MapLibreMap) => {
    installLayers(m);
    setMap(m);
  }, []);
  useEffect(() => {
    if (map && view.data) draw(map, view.data);
  }, [map, view.data]);

  if (transports.length === 0) return <Empty description={t('transport.none')} />;
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="explosives-transport">
      <Space wrap>
        <Select
          style={{ minWidth: 320 }}
          value={permitId}
          onChange={setPicked}
          aria-label={t('transport.permit')}
          options={transports.map((p) => ({ value: p.id, label: `${p.vehicle} · ${p.route || p.id}` }))}
        />
        {view.data && (
          <>
            <Tag color="blue">{t('transport.route')}</Tag>
            <Tag color="orange">{t('transport.fixes', { n: view.data.fixes.length })}</Tag>
            <Tag color={view.data.alarms.length > 0 ? 'red' : 'green'}>
              {t('transport.alarms', { n: view.data.alarms.length })}
            </Tag>
            {view.data.fixes.length > 0 && (
              <Typography.Text type="secondary">
                {t('transport.last', {
                  at: formatDateTime(view.data.fixes[view.data.fixes.length - 1]?.at ?? ''),
                })}
              </Typography.Text>
            )}
          </>
        )}
      </Space>
      <Card size="small" styles={{ body: { padding: 0 } }}>
        {city ? (
          <CityMap
            key={city.name}
            city={city.name}
            bounds={city.bounds}
            onReady={onReady}
            fallback={<Alert type="error" showIcon title={t('transport.webglUnavailable')} />}
            style={{ height: 520, borderRadius: 8, background: '#eceff2' }}
          />
        ) : (
          <Empty description={t('transport.noCity')} />
        )}
      </Card>
      {view.data && view.data.alarms.length > 0 && (
        <Space wrap>
          {view.data.alarms.map((a) => (
            <Tag key={`${a.kind}${a.raisedAt}`} color="red">
              {t(`alarms.${a.kind}` as 'alarms.variance')} · {formatDateTime(a.raisedAt)}
            </Tag>
          ))}
        </Space>
      )}
    </Space>
  );
}
