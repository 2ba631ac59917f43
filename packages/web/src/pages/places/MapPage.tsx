import { useQuery } from '@tanstack/react-query';
import { Alert, App, Card, Empty, Result, Select, Space, Spin, Switch, Typography } from 'antd';
import { type GeoJSONSource, type Map as MapLibreMap, Marker } from 'maplibre-gl';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import {
  defaultCity,
  ISOCHRONE_MINUTES,
  type IsochroneCollection,
  type PlaceSearchHit,
  placesQueries,
} from '../../api/places';
import { CityMap } from '../../map/CityMap';
import { OVERLAY_SOURCE_ISOCHRONES } from '../../map/style';
import { PlaceSearch } from './PlaceSearch';
import { PointCard } from './PointCard';
import { isRoadClassKey } from './roads';

type Point = { lon: number; lat: number };

const EMPTY_COLLECTION: IsochroneCollection = { type: 'FeatureCollection', features: [] };
/** Matches the fill opacities of the style's isochrone layer, for the legend. */
const LEGEND_OPACITY: Record<(typeof ISOCHRONE_MINUTES)[number], number> = { 1: 0.5, 3: 0.32, 5: 0.18 };

/** The areas that reach anywhere (a limit too short to leave the point has no geometry). */
function drawable(areas: IsochroneCollection) {
  return {
    type: 'FeatureCollection' as const,
    features: areas.features.flatMap((f) => (f.geometry ? [{ ...f, geometry: f.geometry }] : [])),
  };
}

/** The city map: search, click for what is there, and how far one gets in 1/3/5 minutes. */
export function MapPage() {
  const { t } = useTranslation('places');
  const { message } = App.useApp();
  const cities = useQuery(placesQueries.cities());
  const [chosenCity, setChosenCity] = useState<string | undefined>();
  const [map, setMap] = useState<MapLibreMap | null>(null);
  const [point, setPoint] = useState<Point | null>(null);
  const [isochroneOn, setIsochroneOn] = useState(false);

  const city = cities.data?.find((c) => c.name === chosenCity) ?? defaultCity(cities.data);
  const cityName = city?.name;

  // What is at the selected point.
  const reverse = useQuery({
    ...placesQueries.reverse(point ?? { lon: 0, lat: 0 }, cityName),
    enabled: point !== null,
  });

  // The 1/3/5-minute areas around the selected point, while the switch is on.
  const isochrone = useQuery({
    ...placesQueries.isochrone(point ?? { lon: 0, lat: 0 }, cityName),
    enabled: isochroneOn && point !== null,
  });

  // The marker on the selected point.
  useEffect(() => {
    if (!map || !point) return;
    const marker = new Marker({ color: '#cf1322' }).setLngLat([point.lon, point.lat]).addTo(map);
    return () => {
      marker.remove();
    };
  }, [map, point]);

  const areas = isochroneOn && point ? isochrone.data : undefined;
  useEffect(() => {
    map?.getSource<GeoJSONSource>(OVERLAY_SOURCE_ISOCHRONES)?.setData(drawable(areas ?? EMPTY_COLLECTION));
  }, [map, areas]);

  const isochroneError = isochroneOn ? isochrone.error : null;
  useEffect(() => {
    if (isochroneError) void message.error(t('map.isochroneFailed', { error: errorText(isochroneError) }));
  }, [isochroneError, message, t]);

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
    (hit: PlaceSearchHit) => {
      setPoint({ lon: hit.lon, lat: hit.lat });
      map?.flyTo({ center: [hit.lon, hit.lat], zoom: Math.max(map.getZoom(), 16) });
    },
    [map],
  );

  const frame = { height: 'calc(100vh - 96px)', minHeight: 480, borderRadius: 8 };

  if (cities.error) {
    return (
      <Card style={frame}>
        <Result status="error" title={t('map.citiesFailed', { error: errorText(cities.error) })} />
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
          {cities.data.length > 1 && (
            <Select
              value={city.name}
              onChange={(name: string) => {
                setMap(null);
                setPoint(null);
                setChosenCity(name);
              }}
              options={cities.data.map((c) => ({ value: c.name, label: c.name }))}
              aria-label={t('map.city')}
            />
          )}
          <PlaceSearch city={city.name} onPick={pick} />
          <Space size={8} wrap>
            <Switch
              size="small"
              checked={isochroneOn}
              loading={isochroneOn && point !== null && isochrone.isFetching}
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
