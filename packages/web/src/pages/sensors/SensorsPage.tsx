import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Empty, Progress, Result, Space, Spin, Tabs, Tag, Typography } from 'antd';
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import { defaultCity, placesQueries } from '../../api/places';
import { useCan } from '../../auth/session';
import { Chart } from '../../charts/Chart';
import { formatDateTime, percent } from '../../format';
import { useLiveEvent } from '../../live/LiveProvider';
import { CityMap } from '../../map/CityMap';
import { type Alarm, type CrowdArea, type Sensor, sensorsApi, sensorsKeys, sensorsQueries } from './api';
import { TicketList, TicketsTabLabel } from './TicketList';

const DEVICES_SOURCE = 'sensors-devices';
const AREAS_SOURCE = 'sensors-areas';
const LEVEL_COLORS = { normal: '#52c41a', warning: '#faad14', alarm: '#f5222d' } as const;
const SEVERITY_COLORS: Record<string, string> = {
  critical: 'red',
  major: 'volcano',
  minor: 'orange',
  warning: 'gold',
  indeterminate: 'default',
};

function installLayers(map: MapLibreMap) {
  const empty = { type: 'FeatureCollection' as const, features: [] };
  if (!map.getSource(AREAS_SOURCE)) map.addSource(AREAS_SOURCE, { type: 'geojson', data: empty });
  if (!map.getSource(DEVICES_SOURCE)) map.addSource(DEVICES_SOURCE, { type: 'geojson', data: empty });
  const levelColor = [
    'match',
    ['get', 'level'],
    'alarm',
    LEVEL_COLORS.alarm,
    'warning',
    LEVEL_COLORS.warning,
    LEVEL_COLORS.normal,
  ] as unknown as string;
  if (!map.getLayer('sensors-areas-fill'))
    map.addLayer({
      id: 'sensors-areas-fill',
      type: 'fill',
      source: AREAS_SOURCE,
      paint: { 'fill-color': levelColor, 'fill-opacity': 0.3 },
    });
  if (!map.getLayer('sensors-areas-line'))
    map.addLayer({
      id: 'sensors-areas-line',
      type: 'line',
      source: AREAS_SOURCE,
      paint: { 'line-color': levelColor, 'line-width': 2 },
    });
  if (!map.getLayer('sensors-devices'))
    map.addLayer({
      id: 'sensors-devices',
      type: 'circle',
      source: DEVICES_SOURCE,
      paint: {
        'circle-radius': ['case', ['get', 'alarm'], 9, 6] as unknown as number,
        'circle-color': [
          'case',
          ['get', 'alarm'],
          '#f5222d',
          ['get', 'online'],
          '#52c41a',
          '#8c8c8c',
        ] as unknown as string,
        'circle-stroke-color': '#fff',
        'circle-stroke-width': 1.5,
      },
    });
}

/**
 * 智慧安防小区: every community device one may see on the city map (online, offline, in alarm),
 * the alarms with acknowledge and clear, online rates per community, and crowd areas with their
 * live counts, density level and trend.
 */
export function SensorsPage() {
  const { t } = useTranslation('sensors');
  const cache = useQueryClient();
  const cities = useQuery(placesQueries.cities());
  const devices = useQuery(sensorsQueries.devices());
  const alarms = useQuery(sensorsQueries.alarms());
  const areas = useQuery(sensorsQueries.areas());
  const communities = useQuery(sensorsQueries.communities());
  const city = defaultCity(cities.data);
  const [map, setMap] = useState<MapLibreMap | null>(null);
  const [areaId, setAreaId] = useState<string | null>(null);

  // Live: any sensors event reloads the page's lists (alarms, states, counts).
  const reload = useCallback(() => void cache.invalidateQueries({ queryKey: sensorsKeys.all }), [cache]);
  useLiveEvent('sensors.alarm_changed', reload);
  useLiveEvent('sensors.device_changed', reload);
  useLiveEvent('sensors.crowd_changed', reload);

  const alarmed = useMemo(
    () =>
      new Set((alarms.data?.items ?? []).map((a) => a.deviceId).filter((id): id is string => id !== null)),
    [alarms.data],
  );
  useEffect(() => {
    if (!map || !devices.data) return;
    (map.getSource(DEVICES_SOURCE) as GeoJSONSource | undefined)?.setData({
      type: 'FeatureCollection',
      features: devices.data.items.map((d) => ({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [d.lon, d.lat] },
        properties: { id: d.id, name: d.name, online: d.online, alarm: alarmed.has(d.id) },
      })),
    });
  }, [map, devices.data, alarmed]);
  useEffect(() => {
    if (!map || !areas.data) return;
    (map.getSource(AREAS_SOURCE) as GeoJSONSource | undefined)?.setData({
      type: 'FeatureCollection',
      features: areas.data.items.map((a) => ({
        type: 'Feature',
        geometry: { type: 'Polygon', coordinates: [a.ring] },
        properties: { id: a.id, level: a.level },
      })),
    });
  }, [map, areas.data]);

  const onReady = useCallback((m: MapLibreMap) => {
    installLayers(m);
    setMap(m);
  }, []);

  const frame = { height: 'calc(100vh - 96px)', minHeight: 600 };
  const error = cities.error ?? devices.error ?? alarms.error ?? areas.error;
  if (error) {
    return (
      <Card style={frame}>
        <Result status="error" title={t('page.loadFailed', { error: errorText(error) })} />
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
  const deviceName = new Map((devices.data?.items ?? []).map((d) => [d.id, d]));
  return (
    <div style={{ ...frame, display: 'flex', gap: 12 }} data-testid="sensors-page">
      <div style={{ flex: 1, minWidth: 0, position: 'relative' }}>
        {city ? (
          <CityMap
            key={city.name}
            city={city.name}
            bounds={city.bounds}
            onReady={onReady}
            fallback={<Alert type="error" showIcon title={t('page.webglUnavailable')} />}
            style={{ height: '100%', borderRadius: 8, background: '#eceff2' }}
          />
        ) : (
          <Card style={{ height: '100%' }}>
            <Empty description={t('page.noCity')} />
          </Card>
        )}
      </div>
      <div
        style={{
          width: 420,
          flex: 'none',
          display: 'flex',
          flexDirection: 'column',
          gap: 12,
          overflow: 'auto',
        }}
      >
        <Tabs
          size="small"
          data-testid="sensors-tabs"
          items={[
            {
              key: 'overview',
              label: t('tabs.overview'),
              children: (
                <div style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
                  <AlarmList alarms={alarms.data?.items ?? []} devices={deviceName} />
                  <Card size="small" title={t('communities.title')} data-testid="sensors-communities">
                    {(communities.data?.items ?? []).length === 0 ? (
                      <Typography.Text type="secondary">{t('communities.empty')}</Typography.Text>
                    ) : (
                      <Space orientation="vertical" style={{ width: '100%' }}>
                        {communities.data?.items.map((c) => (
                          <div key={c.id}>
                            <Space style={{ justifyContent: 'space-between', width: '100%' }}>
                              <Typography.Text strong>{c.name}</Typography.Text>
                              <Typography.Text type="secondary">
                                {t('communities.rate', {
                                  online: c.online,
                                  devices: c.devices,
                                  rate: c.onlineRate === null ? '—' : percent(c.onlineRate),
                                })}
                              </Typography.Text>
                              {c.activeAlarms > 0 ? (
                                <Tag color="red">{t('communities.alarms', { count: c.activeAlarms })}</Tag>
                              ) : null}
                            </Space>
                            <Progress
                              percent={Math.round((c.onlineRate ?? 0) * 100)}
                              size="small"
                              showInfo={false}
                            />
                          </div>
                        ))}
                      </Space>
                    )}
                  </Card>
                  <CrowdList areas={areas.data?.items ?? []} selected={areaId} onSelect={setAreaId} />
                </div>
              ),
            },
            { key: 'tickets', label: <TicketsTabLabel />, children: <TicketList /> },
          ]}
        />
        <Card size="small">
          <Space orientation="vertical" size={2}>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('page.legend')}
            </Typography.Text>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('page.attribution')}
            </Typography.Text>
          </Space>
        </Card>
      </div>
    </div>
  );
}

function AlarmList({ alarms, devices }: { alarms: Alarm[]; devices: Map<string, Sensor> }) {
  const { t } = useTranslation('sensors');
  const can = useCan();
  const cache = useQueryClient();
  const { message } = App.useApp();
  const respond = useMutation({
    mutationFn: ({ id, action }: { id: string; action: 'acknowledge' | 'clear' }) =>
      sensorsApi.respond(id, action),
    onSuccess: () => void cache.invalidateQueries({ queryKey: sensorsKeys.all }),
    onError: (error) => void message.error(errorText(error)),
  });
  const typeText = (type: string) =>
    t(`alarms.type.${type}` as 'alarms.type.offline', { defaultValue: type });
  return (
    <Card size="small" title={t('alarms.title')} data-testid="sensors-alarms">
      {alarms.length === 0 ? (
        <Typography.Text type="secondary">{t('alarms.empty')}</Typography.Text>
      ) : (
        <Space orientation="vertical" style={{ width: '100%' }}>
          {alarms.map((a) => {
            const device = a.deviceId ? devices.get(a.deviceId) : undefined;
            return (
              <div
                key={a.id}
                data-testid={`alarm-${a.id}`}
                style={{ borderBottom: '1px solid #f0f0f0', paddingBottom: 6 }}
              >
                <Space wrap size={4}>
                  <Tag color={SEVERITY_COLORS[a.severity]}>{t(`alarms.severity.${a.severity}`)}</Tag>
                  <Typography.Text strong>{typeText(a.type)}</Typography.Text>
                  <Tag>{t(`alarms.status.${a.status}`)}</Tag>
                  {a.escalated ? <Tag color="magenta">{t('alarms.escalated')}</Tag> : null}
                </Space>
                <div>
                  <Typography.Text>
                    {device ? `${device.name} · ${device.address}` : ((a.detail.area as string) ?? '')}
                  </Typography.Text>
                </div>
                <Space wrap size={8}>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {formatDateTime(a.startedAt)}
                  </Typography.Text>
                  {a.repeats > 0 ? (
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {t('alarms.repeats', { count: a.repeats })}
                    </Typography.Text>
                  ) : null}
                  {a.incidentId ? <Tag color="blue">{t('alarms.incident')}</Tag> : null}
                  {a.ticketId ? <Tag color="purple">{t('alarms.ticket')}</Tag> : null}
                </Space>
                {can('sensors.respond') ? (
                  <Space style={{ marginTop: 4 }}>
                    <Button
                      size="small"
                      disabled={a.status !== 'active_unack'}
                      loading={
                        respond.isPending &&
                        respond.variables?.id === a.id &&
                        respond.variables.action === 'acknowledge'
                      }
                      onClick={() => respond.mutate({ id: a.id, action: 'acknowledge' })}
                    >
                      {t('alarms.acknowledge')}
                    </Button>
                    <Button
                      size="small"
                      danger
                      onClick={() => respond.mutate({ id: a.id, action: 'clear' })}
                      loading={
                        respond.isPending &&
                        respond.variables?.id === a.id &&
                        respond.variables.action === 'clear'
                      }
                    >
                      {t('alarms.clear')}
                    </Button>
                  </Space>
                ) : null}
              </div>
            );
          })}
        </Space>
      )}
    </Card>
  );
}

function CrowdList({
  areas,
  selected,
  onSelect,
}: {
  areas: CrowdArea[];
  selected: string | null;
  onSelect: (id: string) => void;
}) {
  const { t } = useTranslation('sensors');
  const id = selected ?? areas[0]?.id ?? null;
  return (
    <Card size="small" title={t('crowd.title')} data-testid="sensors-crowd">
      {areas.length === 0 ? (
        <Typography.Text type="secondary">{t('crowd.empty')}</Typography.Text>
      ) : (
        <Space orientation="vertical" style={{ width: '100%' }}>
          {areas.map((a) => (
            <button
              type="button"
              key={a.id}
              onClick={() => onSelect(a.id)}
              style={{
                all: 'unset',
                cursor: 'pointer',
                display: 'block',
                width: '100%',
                padding: 4,
                borderRadius: 4,
                background: a.id === id ? '#f0f5ff' : undefined,
              }}
            >
              <Space wrap size={6}>
                <Typography.Text strong>{a.name}</Typography.Text>
                <Tag color={LEVEL_COLORS[a.level]}>{t(`crowd.level.${a.level}`)}</Tag>
                <Typography.Text>
                  {a.count === null ? '—' : t('crowd.count', { count: a.count })}
                </Typography.Text>
                <Typography.Text type="secondary">
                  {a.density === null ? '' : t('crowd.density', { density: a.density.toFixed(2) })}
                </Typography.Text>
              </Space>
              <div>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {t('crowd.expires', { at: formatDateTime(a.expiresAt) })}
                </Typography.Text>
              </div>
            </button>
          ))}
          {id ? <CrowdTrend areaId={id} /> : null}
        </Space>
      )}
    </Card>
  );
}

function CrowdTrend({ areaId }: { areaId: string }) {
  const { t } = useTranslation('sensors');
  const counts = useQuery(sensorsQueries.counts(areaId));
  const items = (counts.data?.items ?? []).filter((c) => c.flag === null);
  return (
    <div data-testid="sensors-trend">
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t('crowd.chart')}
        {counts.data?.trendPerMinute == null
          ? ''
          : ` · ${t('crowd.trend', { trend: Math.round(counts.data.trendPerMinute) })}`}
      </Typography.Text>
      <Chart
        height={140}
        option={{
          grid: { left: 48, right: 8, top: 8, bottom: 24 },
          tooltip: { trigger: 'axis' },
          xAxis: { type: 'category', data: items.map((c) => formatDateTime(c.at).slice(-8)) },
          yAxis: { type: 'value' },
          series: [{ type: 'bar', data: items.map((c) => c.count), itemStyle: { color: '#1677ff' } }],
        }}
      />
    </div>
  );
}
