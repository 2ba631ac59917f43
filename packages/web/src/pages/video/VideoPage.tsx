import { useQuery } from '@tanstack/react-query';
import { Alert, Card, Empty, Result, Space, Spin, Typography } from 'antd';
import { type Map as MapLibreMap, Marker } from 'maplibre-gl';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import { defaultCity, placesQueries } from '../../api/places';
import { CityMap } from '../../map/CityMap';
import { videoQueries } from '../../video/api';
import { CameraPanel } from '../../video/CameraPanel';
import { installSectorLayers, STATUS_COLORS, setSectors } from '../../video/sectorLayer';
import { CoveragePanel } from './CoveragePanel';
import { PlaybackPanel } from './PlaybackPanel';
import { TourReportPanel } from './TourReportPanel';
import { ToursPanel } from './ToursPanel';

/**
 * 视频资源: every camera one may see drawn as its view sector (coloured by the probe's status); a
 * click on the map lists the cameras whose view covers that place or that stand nearest by road,
 * and opens a live view with a stated purpose.
 */
export function VideoPage() {
  const { t } = useTranslation('video');
  const cities = useQuery(placesQueries.cities());
  const cameras = useQuery(videoQueries.cameras());
  const city = defaultCity(cities.data);
  const [map, setMap] = useState<MapLibreMap | null>(null);
  const [point, setPoint] = useState<{ lon: number; lat: number } | null>(null);

  useEffect(() => {
    if (map && cameras.data) setSectors(map, cameras.data.items);
  }, [map, cameras.data]);

  useEffect(() => {
    if (!map || !point) return;
    const marker = new Marker({ color: '#722ed1' }).setLngLat([point.lon, point.lat]).addTo(map);
    return () => {
      marker.remove();
    };
  }, [map, point]);

  const onReady = useCallback((m: MapLibreMap) => {
    installSectorLayers(m);
    setMap(m);
  }, []);

  const frame = { height: 'calc(100vh - 96px)', minHeight: 600 };
  const error = cities.error ?? cameras.error;
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
  return (
    <div style={{ ...frame, display: 'flex', gap: 12 }} data-testid="video-page">
      <div style={{ flex: 1, minWidth: 0, position: 'relative' }}>
        {city ? (
          <CityMap
            key={city.name}
            city={city.name}
            bounds={city.bounds}
            onReady={onReady}
            onClick={setPoint}
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
          width: 400,
          flex: 'none',
          display: 'flex',
          flexDirection: 'column',
          gap: 12,
          overflow: 'auto',
        }}
      >
        <Card size="small" title={t('page.title')}>
          <Space orientation="vertical" size={4}>
            <Typography.Text>{t('page.count', { count: cameras.data?.items.length ?? 0 })}</Typography.Text>
            <Space size={12} wrap>
              {(['online', 'offline', 'fault', 'unknown'] as const).map((s) => (
                <span key={s}>
                  <span
                    style={{
                      display: 'inline-block',
                      width: 10,
                      height: 10,
                      borderRadius: 2,
                      background: STATUS_COLORS[s],
                      marginInlineEnd: 4,
                    }}
                  />
                  {t(`panel.status.${s}`)}
                </span>
              ))}
            </Space>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('page.legend')}
            </Typography.Text>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('page.attribution')}
            </Typography.Text>
          </Space>
        </Card>
        <CoveragePanel map={map} />
        <ToursPanel />
        <TourReportPanel />
        <PlaybackPanel cameras={cameras.data?.items ?? []} />
        {point ? (
          <CameraPanel key={`${point.lon},${point.lat}`} lon={point.lon} lat={point.lat} />
        ) : (
          <Card size="small">
            <Typography.Text type="secondary">{t('page.clickHint')}</Typography.Text>
          </Card>
        )}
      </div>
    </div>
  );
}
