import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Card, Empty, Result, Spin, Typography } from 'antd';
import type { Map as MapLibreMap } from 'maplibre-gl';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import { defaultCity, placesQueries } from '../../api/places';
import { useCan } from '../../auth/session';
import { preloadCharts } from '../../charts/Chart';
import { CityMap } from '../../map/CityMap';
import { AdjustPanel } from './AdjustPanel';
import { type HotspotCollection, type HotspotParams, patrolApi, patrolKeys, patrolQueries } from './api';
import { type Controls, ControlsPanel, type WindowChoice } from './ControlsPanel';
import { EvaluationOutcomes } from './EvaluationOutcomes';
import { EvaluationPanel } from './EvaluationPanel';
import { HotspotList } from './HotspotList';
import { installHotspotLayers, RANK_COLORS, setHotspots } from './mapLayers';

const HOUR = 3_600_000;
/** Beijing time has no daylight saving: UTC+8 all year. */
const BEIJING = 8 * HOUR;
const LIST_LIMIT = 100;

/** The window a choice means, from now (to the minute, so the query key holds still). */
function windowOf(choice: WindowChoice, now = Date.now()): { from: string; to: string } {
  const start = Math.floor(now / 60_000) * 60_000;
  if (choice === 'day')
    return { from: new Date(start).toISOString(), to: new Date(start + 24 * HOUR).toISOString() };
  if (choice === 'week')
    return { from: new Date(start).toISOString(), to: new Date(start + 7 * 24 * HOUR).toISOString() };
  // Tonight 20:00–02:00 Beijing time; while it runs, from now.
  const local = start + BEIJING;
  const midnight = Math.floor(local / (24 * HOUR)) * 24 * HOUR;
  const hour = (local - midnight) / HOUR;
  const eveningStart = hour < 2 ? midnight - 4 * HOUR : midnight + 20 * HOUR;
  const from = Math.max(local, eveningStart);
  const to = eveningStart + 6 * HOUR;
  return { from: new Date(from - BEIJING).toISOString(), to: new Date(to - BEIJING).toISOString() };
}

/**
 * 单元防控 — 热点研判: the hot spots of the coming window on H3 cells or street segments, coloured by
 * rank on the city map with the top of the ranking beside it, and the models' evaluation (NIJ hit
 * rate, PAI, PEI), prior counts beside every model, so no model is trusted without its baseline.
 */
export function PatrolPage() {
  const { t } = useTranslation('patrol');
  const { message } = App.useApp();
  const can = useCan();
  const canWrite = can('patrol.write');
  const cache = useQueryClient();

  const cities = useQuery(placesQueries.cities());
  const city = defaultCity(cities.data);
  const cityName = city?.name;
  const [controls, setControls] = useState<Controls>({
    model: 'prior_counts',
    unit: 'h3:9',
    coverage: 0.05,
    window: 'week',
    categories: [],
  });
  const [window, setWindow] = useState(() => windowOf('week'));
  const onControls = useCallback(
    (next: Controls) => {
      if (next.window !== controls.window) setWindow(windowOf(next.window));
      setControls(next);
    },
    [controls.window],
  );
  const params: HotspotParams = useMemo(
    () => ({
      model: controls.model,
      unit: controls.unit,
      coverage: controls.coverage,
      categories: controls.categories,
      limit: LIST_LIMIT,
      ...window,
    }),
    [controls, window],
  );

  const enabled = city !== undefined;
  const history = useQuery({ ...patrolQueries.history(cityName), enabled });
  const hasHistory = (history.data?.count ?? 0) > 0;
  const hotspots = useQuery({
    ...patrolQueries.hotspots(cityName, params),
    enabled: enabled && hasHistory,
    placeholderData: keepPreviousData,
  });
  const evaluation = useQuery({
    ...patrolQueries.evaluation(cityName, controls.unit),
    enabled: enabled && hasHistory,
  });

  const [map, setMap] = useState<MapLibreMap | null>(null);
  const [drawn, setDrawn] = useState<HotspotCollection | null>(null);

  useEffect(() => {
    void preloadCharts();
  }, []);

  useEffect(() => {
    if (!map || !hotspots.data) return;
    setHotspots(map, hotspots.data);
    setDrawn(hotspots.data);
  }, [map, hotspots.data]);

  const onMapReady = useCallback((m: MapLibreMap) => {
    installHotspotLayers(m);
    setMap(m);
  }, []);

  const focus = useCallback(
    (f: HotspotCollection['features'][number]) => {
      if (!map) return;
      const coords = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates;
      const lon = coords.reduce((s, c) => s + c[0], 0) / coords.length;
      const lat = coords.reduce((s, c) => s + c[1], 0) / coords.length;
      map.flyTo({ center: [lon, lat], zoom: Math.max(map.getZoom(), 15) });
    },
    [map],
  );

  const evaluate = useMutation({
    mutationFn: () => patrolApi.evaluate(cityName, controls.unit, controls.categories),
    onSuccess: (result) =>
      cache.setQueryData(patrolQueries.evaluation(cityName, controls.unit).queryKey, result),
  });

  const importFile = useMutation({
    mutationFn: async (file: File) => patrolApi.importFile(cityName, file.name, await file.text()),
    onSuccess: (report) => {
      void message.success(
        t('controls.imported', { imported: report.imported, rejected: report.rejected_total }),
      );
      void cache.invalidateQueries({ queryKey: patrolKeys.city(cityName) });
    },
    onError: (err) => void message.error(t('controls.importFailed', { error: errorText(err) })),
  });

  const frame = { height: 'calc(100vh - 96px)', minHeight: 600 };
  const loadError = cities.error ?? history.error ?? hotspots.error ?? evaluation.error;
  if (loadError) {
    return (
      <Card style={frame}>
        <Result status="error" title={t('page.loadFailed', { error: errorText(loadError) })} />
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
        <Empty description={t('page.noCity')} />
      </Card>
    );
  }
  const column = {
    flex: 'none',
    display: 'flex',
    flexDirection: 'column' as const,
    gap: 12,
    minHeight: 0,
  };
  const ready = drawn !== null && drawn === hotspots.data && !hotspots.isFetching;

  return (
    <div
      style={{ ...frame, display: 'flex', gap: 12 }}
      data-testid="patrol-page"
      data-ready={ready ? 'true' : 'false'}
      data-features={drawn?.features.length ?? 0}
    >
      <div style={{ ...column, width: 340 }}>
        <ControlsPanel
          controls={controls}
          onChange={onControls}
          history={history.data ?? null}
          hotspots={hotspots.data ?? null}
          canImport={canWrite}
          importing={importFile.isPending}
          onImport={(file) => importFile.mutate(file)}
        />
        {hasHistory ? (
          <HotspotList hotspots={hotspots.data ?? null} loading={hotspots.isFetching} onFocus={focus} />
        ) : history.data ? (
          <Alert type="info" showIcon title={t('page.noHistory')} data-testid="patrol-no-history" />
        ) : null}
      </div>

      <div style={{ flex: 1, minWidth: 0, position: 'relative' }}>
        <CityMap
          key={city.name}
          city={city.name}
          bounds={city.bounds}
          onReady={onMapReady}
          fallback={<Alert type="error" showIcon title={t('page.webglUnavailable')} />}
          style={{ height: '100%', borderRadius: 8, background: '#eceff2' }}
        >
          <Legend />
        </CityMap>
      </div>

      <div style={{ ...column, width: 490, overflowY: 'auto' }}>
        <AdjustPanel
          city={cityName}
          canDecide={canWrite}
          onFocus={(lon, lat) => map?.flyTo({ center: [lon, lat], zoom: 16 })}
        />
        <EvaluationPanel
          evaluation={evaluation.data ?? null}
          loading={evaluation.isFetching}
          canRun={canWrite && hasHistory}
          running={evaluate.isPending}
          error={evaluate.error ? errorText(evaluate.error) : null}
          onRun={() => evaluate.mutate()}
        />
        <EvaluationOutcomes city={cityName} />
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('page.attribution')}
        </Typography.Text>
      </div>
    </div>
  );
}

/** Rank bands over the map's top-left corner. */
function Legend() {
  const { t } = useTranslation('patrol', { keyPrefix: 'legend' });
  const labels = [t('top5'), t('top10'), t('top20'), t('rest')];
  return (
    <Card
      size="small"
      style={{ position: 'absolute', top: 10, left: 10, zIndex: 2, maxWidth: 300 }}
      styles={{ body: { padding: '8px 10px', fontSize: 12, lineHeight: '20px' } }}
      data-testid="patrol-legend"
    >
      <Typography.Text strong style={{ fontSize: 13 }}>
        {t('title')}
      </Typography.Text>
      <div>
        {RANK_COLORS.map((color, i) => (
          <span key={color} style={{ marginInlineEnd: 10, whiteSpace: 'nowrap' }}>
            <span
              style={{
                display: 'inline-block',
                width: 12,
                height: 12,
                borderRadius: 2,
                background: color,
                opacity: 0.75,
                marginInlineEnd: 4,
                verticalAlign: 'middle',
              }}
            />
            {labels[i]}
          </span>
        ))}
      </div>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t('flagged')}
      </Typography.Text>
    </Card>
  );
}
