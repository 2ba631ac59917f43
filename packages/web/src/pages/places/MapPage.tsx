import { Alert, App, Card, Empty, Result, Select, Space, Spin, Switch, Typography } from 'antd';
import { type GeoJSONSource, type Map as MapLibreMap, Marker } from 'maplibre-gl';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError } from '../../api/client';
import { CityMap } from '../../map/CityMap';
import { OVERLAY_SOURCE_ISOCHRONES } from '../../map/style';
import {
  type CitySummary,
  ISOCHRONE_MINUTES,
  type IsochroneCollection,
  placesApi,
  type SearchHit,
} from './api';
import { PlaceSearch } from './PlaceSearch';
import { PointCard, type ReverseState } from './PointCard';
import { isRoadClassKey } from './roads';
import { usePlacesT } from './usePlacesT';

type Point = { lon: number; lat: number };

const EMPTY_COLLECTION: IsochroneCollection = { type: 'FeatureCollection', features: [] };
/** Matches the fill opacities of the style's isochrone layer, for the legend. */
const LEGEND_OPACITY: Record<(typeof ISOCHRONE_MINUTES)[number], number> = { 1: 0.5, 3: 0.32, 5: 0.18 };

function errorText(err: unknown): string {
  return err instanceof ApiError ? err.display : String(err);
}

/** The city map: search, click for what is there, and how far one gets in 1/3/5 minutes. */
export function MapPage() {
  const t = usePlacesT();
  const { message } = App.useApp();
  const [cities, setCities] = useState<CitySummary[] | null>(null);
  const [citiesError, setCitiesError] = useState<string | null>(null);
  const [cityName, setCityName] = useState<string | undefined>();
  const [map, setMap] = useState<MapLibreMap | null>(null);
  const [point, setPoint] = useState<Point | null>(null);
  const [reverse, setReverse] = useState<ReverseState>({ status: 'loading' });
  const [isochroneOn, setIsochroneOn] = useState(false);
  const [isochroneLoading, setIsochroneLoading] = useState(false);

  useEffect(() => {
    const controller = new AbortController();
    placesApi
      .cities()
      .then(({ items }) => {
        setCities(items);
        setCityName((items.find((c) => c.isDefault) ?? items[0])?.name);
      })
      .catch((err: unknown) => {
        if (!controller.signal.aborted) setCitiesError(errorText(err));
      });
    return () => controller.abort();
  }, []);

  const city = useMemo(() => cities?.find((c) => c.name === cityName), [cities, cityName]);

  // What is at the selected point.
  useEffect(() => {
    if (!point) return;
    const controller = new AbortController();
    setReverse({ status: 'loading' });
    placesApi
      .reverse(point.lon, point.lat, cityName, controller.signal)
      .then((result) => setReverse({ status: 'done', result }))
      .catch((err: unknown) => {
        if (!controller.signal.aborted) setReverse({ status: 'failed', error: errorText(err) });
      });
    return () => controller.abort();
  }, [point, cityName]);

  // The marker on the selected point.
  useEffect(() => {
    if (!map || !point) return;
    const marker = new Marker({ color: '#cf1322' }).setLngLat([point.lon, point.lat]).addTo(map);
    return () => {
      marker.remove();
    };
  }, [map, point]);

  // The 1/3/5-minute areas around the selected point, while the switch is on.
  useEffect(() => {
    if (!map) return;
    const source = map.getSource<GeoJSONSource>(OVERLAY_SOURCE_ISOCHRONES);
    if (!isochroneOn || !point) {
      source?.setData(EMPTY_COLLECTION);
      return;
    }
    const controller = new AbortController();
    setIsochroneLoading(true);
    placesApi
      .isochrone(point.lon, point.lat, cityName, controller.signal)
      .then((areas) => source?.setData(areas))
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        source?.setData(EMPTY_COLLECTION);
        void message.error(t('map.isochroneFailed', { error: errorText(err) }));
      })
      .finally(() => {
        if (!controller.signal.aborted) setIsochroneLoading(false);
      });
    return () => controller.abort();
  }, [map, point, isochroneOn, cityName, message, t]);

  const describeRoad = useCallback(
    (properties: Record<string, unknown>) => {
      const name =
        typeof properties.name === 'string' && properties.name ? properties.name : t('point.unnamedRoad');
      const cls = isRoadClassKey(properties.class) ? t(`roadClass.${properties.class}`) : '';
      return cls ? `${name} · ${cls}` : name;
    },
    [t],
  );

  const pick = useCallback(
    (hit: SearchHit) => {
      setPoint({ lon: hit.lon, lat: hit.lat });
      map?.flyTo({ center: [hit.lon, hit.lat], zoom: Math.max(map.getZoom(), 16) });
    },
    [map],
  );

  const frame = { height: 'calc(100vh - 96px)', minHeight: 480, borderRadius: 8 };

  if (citiesError) {
    return (
      <Card style={frame}>
        <Result status="error" title={t('map.citiesFailed', { error: citiesError })} />
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
  if (!city) {
    return (
      <Card style={frame}>
        <Empty description={t('map.noCity')} data-testid="map-no-city">
          <Typography.Text type="secondary">{t('map.noCityHint')}</Typography.Text>
        </Empty>
      </Card>
    );
  }

  return (
    <CityMap
      key={city.name}
      city={city.name}
      bounds={city.bounds}
      onReady={setMap}
      onClick={setPoint}
      describeRoad={describeRoad}
      fallback={<Alert type="error" showIcon title={t('map.webglUnavailable')} />}
      style={{ ...frame, background: '#eceff2' }}
    >
      <div
        style={{
          position: 'absolute',
          top: 12,
          left: 12,
          width: 360,
          maxWidth: 'calc(100% - 80px)',
          display: 'flex',
          flexDirection: 'column',
          gap: 8,
          zIndex: 2,
        }}
      >
        <Card size="small" styles={{ body: { display: 'flex', flexDirection: 'column', gap: 10 } }}>
          {cities.length > 1 && (
            <Select
              value={city.name}
              onChange={(name: string) => {
                setMap(null);
                setPoint(null);
                setCityName(name);
              }}
              options={cities.map((c) => ({ value: c.name, label: c.name }))}
              aria-label={t('map.city')}
            />
          )}
          <PlaceSearch city={city.name} onPick={pick} />
          <Space size={8} wrap>
            <Switch
              size="small"
              checked={isochroneOn}
              loading={isochroneLoading}
              onChange={setIsochroneOn}
              data-testid="isochrone-switch"
            />
            <Typography.Text>{t('map.isochrone')}</Typography.Text>
            {isochroneOn && !point && (
              <Typography.Text type="secondary">{t('map.isochroneHint')}</Typography.Text>
            )}
          </Space>
          {isochroneOn && point && (
            <Space size={12} data-testid="isochrone-legend">
              {ISOCHRONE_MINUTES.map((minutes) => (
                <Space key={minutes} size={4}>
                  <span
                    style={{
                      display: 'inline-block',
                      width: 14,
                      height: 14,
                      borderRadius: 3,
                      background: `rgba(114, 46, 209, ${LEGEND_OPACITY[minutes]})`,
                      border: '1px solid rgba(114, 46, 209, 0.7)',
                    }}
                  />
                  <Typography.Text style={{ fontSize: 12 }}>
                    {t('map.isochroneLegend', { minutes })}
                  </Typography.Text>
                </Space>
              ))}
            </Space>
          )}
        </Card>
        {point && <PointCard point={point} state={reverse} onClose={() => setPoint(null)} />}
      </div>
    </CityMap>
  );
}
