import { useQueries, useQuery } from '@tanstack/react-query';
import {
  Alert,
  App,
  Badge,
  Button,
  Card,
  Empty,
  InputNumber,
  Result,
  Space,
  Spin,
  Switch,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import { LngLatBounds, type Map as MapLibreMap, Marker } from 'maplibre-gl';
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, errorText } from '../../api/client';
import { dispatchQueries, type Unit } from '../../api/dispatch';
import {
  type Checkpoint,
  type ClosurePlan,
  type InterceptResult,
  perimeterQueries,
  type Ring,
} from '../../api/perimeter';
import { defaultCity, placesQueries } from '../../api/places';
import { useCan } from '../../auth/session';
import { minutesSeconds } from '../../format';
import { type LiveStatus, useLiveStatus } from '../../live/LiveProvider';
import { CityMap } from '../../map/CityMap';
import { CameraPanel } from '../../video/CameraPanel';
import { CheckpointList, CheckpointModal } from './CheckpointPanel';
import { HitsPanel } from './HitsPanel';
import { HotlistPanel } from './HotlistPanel';
import { InterceptPanel } from './InterceptPanel';
import {
  assignmentLine,
  assignmentState,
  COLORS,
  halfway,
  installPerimeterLayers,
  setDraftData,
  setInterceptData,
  setPlanData,
  setRingData,
  type UnitPosition,
} from './mapLayers';
import { PlanPanel } from './PlanPanel';
import { geometryBounds, KIND_COLORS } from './presentation';
import { ReportsPanel } from './ReportsPanel';
import { type AnalysisState, ClosureRate, CreateRingModal, RingList } from './RingPanel';

const LIVE_BADGE: Record<LiveStatus, 'success' | 'processing' | 'error'> = {
  open: 'success',
  connecting: 'processing',
  closed: 'error',
};
const NO_RINGS: Ring[] = [];
const NO_CHECKPOINTS: Checkpoint[] = [];
const NO_UNITS: Unit[] = [];
/**
 * The minimum cut is computed in a corridor of this many metres on each side of the ring unless
 * the user changes it: without one the cut is exactly the crossings, which tells nothing.
 */
export const DEFAULT_CORRIDOR_M = 300;

type Mode = 'idle' | 'drawRing' | 'addCheckpoint' | 'pickScene';

/**
 * 圈层查控 in four tabs: rings and closure (the map view below), the plate hotlist (布控名单), hits
 * (比中预警, mounted at once so new hits pop a notification on any tab) and checkpoint reports.
 * The hotlist tabs are there for those granted the hotlist.
 */
export function PerimeterPage() {
  const { t } = useTranslation('perimeter');
  const can = useCan();
  const [section, setSection] = useState('map');
  const hotlist = can('hotlist.read');
  return (
    <Tabs
      activeKey={section}
      onChange={setSection}
      style={{ marginTop: -8 }}
      tabBarStyle={{ marginBottom: 8 }}
      items={[
        { key: 'map', label: t('tabs.map'), children: <PerimeterMapView /> },
        ...(hotlist
          ? [
              { key: 'hotlist', label: t('tabs.hotlist'), children: <HotlistPanel /> },
              { key: 'hits', label: t('tabs.hits'), forceRender: true, children: <HitsPanel /> },
              {
                key: 'reports',
                label: t('tabs.reports'),
                children: <ReportsPanel active={section === 'reports'} />,
              },
            ]
          : []),
      ]}
    />
  );
}

/**
 * The ring's plan: its active plan, or (after it ended while shown here) the plan it last showed,
 * so an ended plan stays on the screen with who got where.
 */
function useRingPlan(ringId: string | null): ClosurePlan | null {
  const active = useQuery({ ...perimeterQueries.activePlans(ringId ?? ''), enabled: ringId !== null });
  const activeId = ringId ? active.data?.[0]?.id : undefined;
  const [shown, setShown] = useState<{ ringId: string; planId: string } | null>(null);
  useEffect(() => {
    if (ringId && activeId) setShown({ ringId, planId: activeId });
  }, [ringId, activeId]);
  const planId = activeId ?? (shown && shown.ringId === ringId ? shown.planId : null);
  const plan = useQuery({ ...perimeterQueries.plan(planId ?? ''), enabled: planId !== null });
  return planId ? (plan.data ?? null) : null;
}

/**
 * 圈层查控: the rings with their closure rate, a ring's checkpoints, crossings and minimum cut on
 * the map, the closure plan ("10 minutes, city closed") with units on their way to the checkpoints
 * live, and the interception advisor for a fleeing vehicle.
 */
function PerimeterMapView() {
  const { t } = useTranslation('perimeter');
  const { message } = App.useApp();
  const can = useCan();
  const canWrite = can('perimeter.write');
  const canCommand = can('perimeter.command');
  const live = useLiveStatus();

  const cities = useQuery(placesQueries.cities());
  const city = defaultCity(cities.data);
  const ringsQuery = useQuery({ ...perimeterQueries.rings(city?.name), enabled: cities.data !== undefined });
  const rings = ringsQuery.data ?? NO_RINGS;
  // Without the unit board the plan still shows; only the lines on the map are missing.
  const units = useQuery({ ...dispatchQueries.units(), enabled: can('dispatch.read') }).data ?? NO_UNITS;

  const [chosenId, setChosenId] = useState<string | null>(null);
  const [showCut, setShowCut] = useState(false);
  const [corridorM, setCorridorM] = useState(DEFAULT_CORRIDOR_M);
  const [mode, setMode] = useState<Mode>('idle');
  const [draft, setDraft] = useState<[number, number][]>([]);
  const [creatingRing, setCreatingRing] = useState(false);
  const [newCheckpointAt, setNewCheckpointAt] = useState<{ lon: number; lat: number } | null>(null);
  const [scene, setScene] = useState<{ lon: number; lat: number } | null>(null);
  const [intercept, setIntercept] = useState<InterceptResult | null>(null);
  const [tab, setTab] = useState('plan');
  const [map, setMap] = useState<MapLibreMap | null>(null);
  // The checkpoint whose cameras the 周边视频 tab lists (the one last picked in the list).
  const [cameraAt, setCameraAt] = useState<Checkpoint | null>(null);

  // The chosen ring, or the first one.
  const selectedId = rings.some((r) => r.id === chosenId) ? chosenId : (rings[0]?.id ?? null);
  const ring = rings.find((r) => r.id === selectedId) ?? null;

  // Every ring's closure analysis (the API asks for them one at a time: each runs a minimum cut).
  const analysisResults = useQueries({ queries: rings.map((r) => perimeterQueries.analysis(r.id)) });
  const analyses = useMemo(() => {
    const m = new Map<string, AnalysisState>();
    rings.forEach((r, i) => {
      const result = analysisResults[i];
      if (result) m.set(r.id, { data: result.data, error: result.error ?? undefined });
    });
    return m;
  }, [rings, analysisResults]);
  const analysisState = selectedId ? analyses.get(selectedId) : undefined;
  const analysis = analysisState?.data ?? null;

  // The minimum cut in the corridor (the list's analyses above are without one: the closure rate
  // does not depend on it). 0 m: the cut of the plain analysis, i.e. the crossings.
  const cutQuery = useQuery({
    ...perimeterQueries.analysis(selectedId ?? '', corridorM),
    enabled: selectedId !== null && corridorM > 0,
  });
  const minimumCut = corridorM > 0 ? (cutQuery.data?.minimumCut ?? null) : (analysis?.minimumCut ?? null);
  const cutError = corridorM > 0 ? cutQuery.error : null;

  const checkpointsQuery = useQuery({
    ...perimeterQueries.ringCheckpoints(selectedId ?? ''),
    enabled: selectedId !== null,
  });
  const checkpoints = checkpointsQuery.data ?? NO_CHECKPOINTS;
  const plan = useRingPlan(selectedId);

  // Another ring chosen: the advice was for the previous ring's checkpoints.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset per ring only
  useEffect(() => {
    setIntercept(null);
    setMode((m) => (m === 'addCheckpoint' ? 'idle' : m));
  }, [selectedId]);

  // ---- map

  const positions = useMemo(() => {
    const m = new Map<string, UnitPosition>();
    for (const u of units) if (u.lon !== null && u.lat !== null) m.set(u.id, { lon: u.lon, lat: u.lat });
    return m;
  }, [units]);

  useEffect(() => {
    if (map) setRingData(map, ring, analysis, checkpoints, showCut, minimumCut);
  }, [map, ring, analysis, checkpoints, showCut, minimumCut]);
  useEffect(() => {
    if (map) setPlanData(map, plan, positions);
  }, [map, plan, positions]);
  useEffect(() => {
    if (map) setDraftData(map, mode === 'drawRing' ? draft : []);
  }, [map, draft, mode]);
  useEffect(() => {
    if (map) setInterceptData(map, intercept, scene);
  }, [map, intercept, scene]);

  // Fit the chosen ring.
  const ringGeometry = ring?.geometry;
  useEffect(() => {
    if (!map || !ringGeometry) return;
    const b = geometryBounds(ringGeometry);
    if (!b) return;
    map.fitBounds(new LngLatBounds([b.minLon, b.minLat], [b.maxLon, b.maxLat]), {
      padding: { top: 60, bottom: 40, left: 250, right: 40 },
      animate: false,
    });
  }, [map, ringGeometry]);

  // ETA labels (HTML: the map has no glyphs for symbol text): halfway along a unit's road while it
  // is on its way, at the checkpoint once it is there (or when its position is unknown).
  useEffect(() => {
    if (!map || !plan || plan.status !== 'active') return;
    const markers: Marker[] = [];
    for (const a of plan.assignments) {
      if (a.lon === null || a.lat === null) continue;
      const state = assignmentState(a);
      const el = document.createElement('div');
      el.className = 'cw-perimeter-eta';
      el.dataset.testid = 'eta-label';
      el.dataset.checkpoint = a.checkpointId;
      el.dataset.state = state;
      const color =
        state === 'arrived'
          ? COLORS.routeArrived
          : state === 'late'
            ? COLORS.routeLate
            : state === 'enRoute'
              ? COLORS.route
              : '#8c8c8c';
      Object.assign(el.style, {
        background: '#fff',
        border: `1.5px solid ${color}`,
        color: '#1f1f1f',
        borderRadius: '4px',
        padding: '1px 6px',
        fontSize: '12px',
        lineHeight: '18px',
        whiteSpace: 'nowrap',
        boxShadow: '0 1px 3px rgba(0,0,0,.25)',
        pointerEvents: 'none',
      });
      const strong = document.createElement('b');
      strong.textContent = a.callSign ?? t('plan.unassigned');
      el.append(strong);
      const detail =
        state === 'arrived' ? t('plan.arrived') : a.etaSeconds !== null ? minutesSeconds(a.etaSeconds) : '';
      if (detail) {
        const span = document.createElement('span');
        span.textContent = ` ${detail}`;
        span.style.color = color;
        span.style.fontWeight = '600';
        el.append(span);
      }
      const from = a.unitId && state !== 'arrived' ? positions.get(a.unitId) : undefined;
      const marker = from
        ? new Marker({ element: el, anchor: 'center' }).setLngLat(
            halfway(assignmentLine(a, from).coordinates),
          )
        : new Marker({ element: el, anchor: 'bottom', offset: [0, -12] }).setLngLat([a.lon, a.lat]);
      markers.push(marker.addTo(map));
    }
    return () => {
      for (const m of markers) m.remove();
    };
  }, [map, plan, positions, t]);

  const onMapReady = useCallback((m: MapLibreMap) => {
    installPerimeterLayers(m);
    setMap(m);
  }, []);

  const modeRef = useRef(mode);
  modeRef.current = mode;
  const onMapClick = useCallback(({ lon, lat }: { lon: number; lat: number }) => {
    switch (modeRef.current) {
      case 'drawRing':
        setDraft((d) => [...d, [lon, lat]]);
        break;
      case 'addCheckpoint':
        setNewCheckpointAt({ lon, lat });
        setMode('idle');
        break;
      case 'pickScene':
        setScene({ lon, lat });
        setIntercept(null);
        setMode('idle');
        break;
      default:
        break;
    }
  }, []);

  useEffect(() => {
    if (!map) return;
    map.getCanvas().style.cursor = mode === 'idle' ? '' : 'crosshair';
  }, [map, mode]);

  const focusCheckpoint = useCallback(
    (c: Checkpoint) => {
      if (map && c.lon !== null && c.lat !== null)
        map.easeTo({ center: [c.lon, c.lat], zoom: Math.max(map.getZoom(), 15) });
      setCameraAt(c);
    },
    [map],
  );

  const frame = { height: 'calc(100vh - 152px)', minHeight: 560 };

  const loadError = cities.error ?? ringsQuery.error;
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

  return (
    <div style={{ ...frame, display: 'flex', gap: 12 }} data-testid="perimeter-page">
      <div
        style={{ width: 310, flex: 'none', display: 'flex', flexDirection: 'column', gap: 12, minHeight: 0 }}
      >
        <RingList
          rings={rings}
          analyses={analyses}
          selectedId={selectedId}
          onSelect={setChosenId}
          canWrite={canWrite}
          onCreate={() => {
            setDraft([]);
            setCreatingRing(true);
          }}
        />
        {ring ? (
          <CheckpointList
            checkpoints={checkpoints}
            canWrite={canWrite}
            adding={mode === 'addCheckpoint'}
            onAdd={() => setMode('addCheckpoint')}
            onCancelAdd={() => setMode('idle')}
            onFocus={focusCheckpoint}
          />
        ) : null}
      </div>

      <div style={{ flex: 1, minWidth: 0, position: 'relative' }}>
        {city ? (
          <CityMap
            key={city.name}
            city={city.name}
            bounds={city.bounds}
            onReady={onMapReady}
            onClick={onMapClick}
            fallback={<Alert type="error" showIcon title={t('page.webglUnavailable')} />}
            style={{ height: '100%', borderRadius: 8, background: '#eceff2' }}
          >
            <MapOverlay
              live={live}
              cutCount={minimumCut?.segments ?? null}
              crossings={analysis?.crossings ?? null}
              showCut={showCut}
              onShowCut={setShowCut}
              corridorM={corridorM}
              onCorridorM={setCorridorM}
              cutLoading={corridorM > 0 && cutQuery.isFetching}
              cutError={cutError ? cutErrorText(cutError) : null}
              planActive={plan?.status === 'active'}
            />
            {mode === 'drawRing' ? (
              <DrawBar
                count={draft.length}
                onUndo={() => setDraft((d) => d.slice(0, -1))}
                onCancel={() => {
                  setDraft([]);
                  setMode('idle');
                  setCreatingRing(true);
                }}
                onFinish={() => {
                  setMode('idle');
                  setCreatingRing(true);
                }}
              />
            ) : null}
          </CityMap>
        ) : (
          <Card style={{ height: '100%' }}>
            <Empty description={t('page.noCity')} />
          </Card>
        )}
      </div>

      <div
        style={{ width: 430, flex: 'none', minHeight: 0, display: 'flex', flexDirection: 'column', gap: 12 }}
      >
        {ring ? (
          <>
            <Card size="small" data-testid="ring-summary">
              <Space size={6} style={{ marginBottom: 4 }}>
                <Tag color="blue" style={{ marginInlineEnd: 0 }}>
                  {t(`levelLong.${ring.level}`)}
                </Tag>
                <Typography.Text strong data-testid="ring-summary-name">
                  {ring.name}
                </Typography.Text>
              </Space>
              {analysis ? (
                <>
                  <ClosureRate analysis={analysis} />
                  <Space size={16} style={{ fontSize: 12 }}>
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {t('analysis.weighted')}：{Math.round(analysis.weightedClosureRate * 1000) / 10}%
                    </Typography.Text>
                    <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="gap-count">
                      {t('analysis.gaps')}：{analysis.gaps.length}
                    </Typography.Text>
                  </Space>
                </>
              ) : analysisState?.error ? (
                <Alert type="error" showIcon title={errorText(analysisState.error)} />
              ) : (
                <Spin size="small" />
              )}
            </Card>
            <Card
              size="small"
              style={{ flex: 1, minHeight: 0 }}
              styles={{ body: { height: '100%', overflow: 'auto', paddingTop: 0 } }}
            >
              <Tabs
                activeKey={tab}
                onChange={setTab}
                items={[
                  {
                    key: 'plan',
                    label: t('plan.title'),
                    children: (
                      <PlanPanel
                        ring={ring}
                        plan={plan}
                        checkpointCount={checkpoints.length}
                        canCommand={canCommand}
                      />
                    ),
                  },
                  {
                    key: 'intercept',
                    label: t('intercept.title'),
                    children: (
                      <InterceptPanel
                        ringId={selectedId}
                        scene={scene}
                        picking={mode === 'pickScene'}
                        result={intercept}
                        onPick={() => setMode((m) => (m === 'pickScene' ? 'idle' : 'pickScene'))}
                        onScene={setScene}
                        onResult={setIntercept}
                      />
                    ),
                  },
                  ...(can('video.read')
                    ? [
                        {
                          key: 'cameras',
                          label: t('cameras.title'),
                          children: <CheckpointCameras at={cameraAt} />,
                        },
                      ]
                    : []),
                ]}
              />
            </Card>
          </>
        ) : (
          <Card size="small" style={{ height: '100%' }}>
            <Empty
              image={Empty.PRESENTED_IMAGE_SIMPLE}
              description={t('page.noRing')}
              style={{ marginTop: 80 }}
            />
          </Card>
        )}
      </div>

      <CreateRingModal
        open={creatingRing}
        city={city?.name}
        drawn={draft}
        onStartDrawing={() => {
          setDraft([]);
          setCreatingRing(false);
          setMode('drawRing');
        }}
        onCancel={() => {
          setCreatingRing(false);
          setDraft([]);
        }}
        onCreated={(created) => {
          setCreatingRing(false);
          setDraft([]);
          message.success(t('createRing.created', { name: created.name }));
          setChosenId(created.id);
        }}
      />
      <CheckpointModal
        position={newCheckpointAt}
        ringId={selectedId}
        city={city?.name}
        existing={checkpoints}
        onCancel={() => setNewCheckpointAt(null)}
        onCreated={() => setNewCheckpointAt(null)}
      />
    </div>
  );
}

function Dot({ color, ring = '#fff', square = false }: { color: string; ring?: string; square?: boolean }) {
  return (
    <span
      style={{
        display: 'inline-block',
        width: 10,
        height: 10,
        borderRadius: square ? 2 : '50%',
        background: color,
        border: `1.5px solid ${ring}`,
        marginInlineEnd: 4,
        verticalAlign: 'middle',
      }}
    />
  );
}

/** Live state, legend and the minimum-cut switch over the map. */
function MapOverlay({
  live,
  cutCount,
  crossings,
  showCut,
  onShowCut,
  corridorM,
  onCorridorM,
  cutLoading,
  cutError,
  planActive,
}: {
  live: LiveStatus;
  cutCount: number | null;
  crossings: number | null;
  showCut: boolean;
  onShowCut: (on: boolean) => void;
  corridorM: number;
  onCorridorM: (metres: number) => void;
  cutLoading: boolean;
  cutError: string | null;
  planActive: boolean;
}) {
  const { t } = useTranslation('perimeter');
  const item = (node: ReactNode, label: string) => (
    <span style={{ marginInlineEnd: 8, whiteSpace: 'nowrap' }}>
      {node}
      {label}
    </span>
  );
  return (
    <div style={{ position: 'absolute', top: 10, left: 10, zIndex: 2, width: 240 }}>
      <Card size="small" styles={{ body: { padding: '8px 10px' } }}>
        <Badge
          status={LIVE_BADGE[live]}
          text={t(`page.live.${live}`)}
          data-testid="live-status"
          data-live={live}
        />
        <div style={{ marginTop: 6, fontSize: 12, lineHeight: '20px' }}>
          {item(<Dot color={COLORS.gap} />, t('analysis.legendGap'))}
          {item(<Dot color={COLORS.covered} />, t('analysis.legendCovered'))}
          {item(<Dot color="rgba(212,56,13,.25)" ring={COLORS.cut} />, t('analysis.legendCut'))}
          {corridorM > 0
            ? item(
                <span
                  style={{
                    display: 'inline-block',
                    width: 18,
                    borderTop: `2px dashed ${COLORS.corridor}`,
                    marginInlineEnd: 4,
                    verticalAlign: 'middle',
                  }}
                />,
                t('analysis.legendCorridor'),
              )
            : null}
          <br />
          {(['station', 'post', 'camera'] as const).map((k) => (
            <span key={k}>{item(<Dot color={KIND_COLORS[k]} />, t(`kind.${k}`))}</span>
          ))}
          {planActive ? (
            <>
              <br />
              {item(
                <span
                  style={{
                    display: 'inline-block',
                    width: 18,
                    borderTop: `3px dashed ${COLORS.route}`,
                    marginInlineEnd: 4,
                    verticalAlign: 'middle',
                  }}
                />,
                t('analysis.legendRoute'),
              )}
            </>
          ) : null}
        </div>
        <div style={{ marginTop: 6, display: 'flex', alignItems: 'center', gap: 6 }}>
          <Switch
            size="small"
            checked={showCut}
            onChange={onShowCut}
            data-testid="mincut-toggle"
            disabled={cutCount === null}
          />
          <Typography.Text style={{ fontSize: 12 }}>{t('analysis.minCut')}</Typography.Text>
        </div>
        <div
          style={{ marginTop: 6, display: 'flex', alignItems: 'center', gap: 6 }}
          title={t('analysis.corridorHint')}
        >
          <Typography.Text style={{ fontSize: 12, whiteSpace: 'nowrap' }}>
            {t('analysis.corridor')}
          </Typography.Text>
          <CorridorInput value={corridorM} onChange={onCorridorM} />
          <Typography.Text type="secondary" style={{ fontSize: 11 }}>
            {t('analysis.corridorUnit')}
          </Typography.Text>
        </div>
        {cutError ? (
          <Alert
            type="warning"
            showIcon
            style={{ marginTop: 6, fontSize: 12, padding: '2px 8px' }}
            title={t('analysis.cutFailed')}
            description={cutError}
            data-testid="mincut-error"
          />
        ) : cutLoading ? (
          <Spin size="small" />
        ) : cutCount !== null && crossings !== null ? (
          <Typography.Text
            type="secondary"
            style={{ fontSize: 12 }}
            data-testid="mincut-count"
            data-count={cutCount}
            data-crossings={crossings}
            data-corridor={corridorM}
          >
            {t('analysis.minCutCount', { count: cutCount, crossings })}
          </Typography.Text>
        ) : null}
      </Card>
    </div>
  );
}

/** Why no cut: the server's detail and, per field, the rule's message (it names the road that jumps the band). */
function cutErrorText(error: Error): string {
  const details = error instanceof ApiError ? error.errors.map((e) => e.message).filter(Boolean) : [];
  return [errorText(error), ...details].join('：');
}

/** The corridor width, applied when the user leaves the field or presses Enter (each change reruns the cut). */
function CorridorInput({ value, onChange }: { value: number; onChange: (metres: number) => void }) {
  const [draft, setDraft] = useState<number | null>(value);
  useEffect(() => setDraft(value), [value]);
  const apply = () => {
    const metres = Math.round(Math.min(5000, Math.max(0, draft ?? 0)));
    setDraft(metres);
    if (metres !== value) onChange(metres);
  };
  return (
    <InputNumber
      size="small"
      min={0}
      max={5000}
      step={50}
      value={draft}
      onChange={(v) => setDraft(typeof v === 'number' ? v : null)}
      onBlur={apply}
      onPressEnter={apply}
      style={{ width: 76 }}
      data-testid="corridor-band"
    />
  );
}

function DrawBar({
  count,
  onUndo,
  onCancel,
  onFinish,
}: {
  count: number;
  onUndo: () => void;
  onCancel: () => void;
  onFinish: () => void;
}) {
  const { t } = useTranslation('perimeter');
  return (
    <div style={{ position: 'absolute', top: 10, left: '50%', transform: 'translateX(-50%)', zIndex: 3 }}>
      <Card size="small" styles={{ body: { padding: '6px 10px' } }}>
        <Space>
          <Typography.Text>{t('createRing.drawHint')}</Typography.Text>
          <Tag color="magenta">{t('createRing.drawPoints', { count })}</Tag>
          <Button size="small" onClick={onUndo} disabled={count === 0}>
            {t('createRing.undo')}
          </Button>
          <Button size="small" onClick={onCancel}>
            {t('createRing.cancel')}
          </Button>
          <Button size="small" type="primary" onClick={onFinish} disabled={count < 3}>
            {t('createRing.finish')}
          </Button>
        </Space>
      </Card>
    </div>
  );
}

/** The cameras covering or nearest (by road) to the picked checkpoint, in the video module's panel. */
function CheckpointCameras({ at }: { at: Checkpoint | null }) {
  const { t } = useTranslation('perimeter');
  if (!at || at.lon === null || at.lat === null)
    return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('cameras.pick')} />;
  return (
    <div data-testid="checkpoint-cameras">
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t('cameras.at', { name: at.name })}
      </Typography.Text>
      <CameraPanel
        key={at.id}
        lon={at.lon}
        lat={at.lat}
        defaultPurpose={t('cameras.purpose', { name: at.name })}
      />
    </div>
  );
}
