import type { DomainEvent, DomainEventType } from '@citywatch/core/events/events';
import {
  Alert,
  App,
  Badge,
  Button,
  Card,
  Empty,
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
import { hasAnyRole, useCurrentUser } from '../../auth/session';
import { CityMap } from '../../map/CityMap';
import { dispatchApi, errorText, minutesSeconds, type Unit } from '../dispatch/api';
import { type LiveStatus, useLiveEvents } from '../dispatch/useLiveEvents';
import { type CitySummary, placesApi } from '../places/api';
import {
  type Checkpoint,
  type ClosurePlan,
  geometryBounds,
  type InterceptResult,
  KIND_COLORS,
  perimeterApi,
  type Ring,
} from './api';
import { CheckpointList, CheckpointModal } from './CheckpointPanel';
import { HitsPanel } from './HitsPanel';
import { HotlistPanel } from './HotlistPanel';
import { InterceptPanel } from './InterceptPanel';
import {
  assignmentState,
  COLORS,
  installPerimeterLayers,
  setDraftData,
  setInterceptData,
  setPlanData,
  setRingData,
  type UnitPosition,
} from './mapLayers';
import { PlanPanel } from './PlanPanel';
import { ReportsPanel } from './ReportsPanel';
import { type AnalysisState, ClosureRate, CreateRingModal, RingList } from './RingPanel';
import { usePerimeterT } from './usePerimeterT';

const LIVE_TYPES: readonly DomainEventType[] = [
  'perimeter.plan_changed',
  'dispatch.unit_changed',
  // Asked for so the gateway can tell this socket to reconnect when the user changes (1012).
  'identity.user_changed',
];
const REFRESH_DEBOUNCE_MS = 250;
const LIVE_BADGE: Record<LiveStatus, 'success' | 'processing' | 'error'> = {
  open: 'success',
  connecting: 'processing',
  closed: 'error',
};

type Mode = 'idle' | 'drawRing' | 'addCheckpoint' | 'pickScene';
type RefreshPart = 'plan' | 'units';

/**
 * 圈层查控 in four tabs: rings and closure (the map view below), the plate hotlist (布控名单), hits
 * (比中预警, mounted at once so new hits pop a notification on any tab) and checkpoint reports.
 */
export function PerimeterPage() {
  const { t } = usePerimeterT();
  const [section, setSection] = useState('map');
  return (
    <Tabs
      activeKey={section}
      onChange={setSection}
      style={{ marginTop: -8 }}
      tabBarStyle={{ marginBottom: 8 }}
      items={[
        { key: 'map', label: t('tabs.map'), children: <PerimeterMapView /> },
        { key: 'hotlist', label: t('tabs.hotlist'), children: <HotlistPanel /> },
        { key: 'hits', label: t('tabs.hits'), forceRender: true, children: <HitsPanel /> },
        {
          key: 'reports',
          label: t('tabs.reports'),
          children: <ReportsPanel active={section === 'reports'} />,
        },
      ]}
    />
  );
}

/**
 * 圈层查控: the rings with their closure rate, a ring's checkpoints, crossings and minimum cut on
 * the map, the closure plan ("10 minutes, city closed") with units on their way to the checkpoints
 * live, and the interception advisor for a fleeing vehicle.
 */
function PerimeterMapView() {
  const { t } = usePerimeterT();
  const { message } = App.useApp();
  const user = useCurrentUser();
  const canWrite = hasAnyRole(user, ['admin', 'commander']);
  const canCommand = hasAnyRole(user, ['commander', 'admin']);

  const [cities, setCities] = useState<CitySummary[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [rings, setRings] = useState<Ring[]>([]);
  const [analyses, setAnalyses] = useState<ReadonlyMap<string, AnalysisState>>(new Map());
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [checkpoints, setCheckpoints] = useState<Checkpoint[]>([]);
  const [plan, setPlan] = useState<ClosurePlan | null>(null);
  const [units, setUnits] = useState<Unit[]>([]);
  const [showCut, setShowCut] = useState(false);
  const [mode, setMode] = useState<Mode>('idle');
  const [draft, setDraft] = useState<[number, number][]>([]);
  const [creatingRing, setCreatingRing] = useState(false);
  const [newCheckpointAt, setNewCheckpointAt] = useState<{ lon: number; lat: number } | null>(null);
  const [scene, setScene] = useState<{ lon: number; lat: number } | null>(null);
  const [intercept, setIntercept] = useState<InterceptResult | null>(null);
  const [tab, setTab] = useState('plan');
  const [map, setMap] = useState<MapLibreMap | null>(null);

  const city = useMemo(() => cities?.find((c) => c.isDefault) ?? cities?.[0], [cities]);
  const ring = rings.find((r) => r.id === selectedId) ?? null;
  const analysisState = selectedId ? analyses.get(selectedId) : undefined;
  const analysis = analysisState?.status === 'ready' ? analysisState.analysis : null;

  const selectedRef = useRef(selectedId);
  selectedRef.current = selectedId;
  const planRef = useRef(plan);
  planRef.current = plan;

  // ---- loading

  const loadAnalysis = useCallback(async (ringId: string) => {
    setAnalyses((m) => (m.has(ringId) ? m : new Map(m).set(ringId, { status: 'loading' })));
    try {
      const a = await perimeterApi.analysis(ringId);
      setAnalyses((m) => new Map(m).set(ringId, { status: 'ready', analysis: a }));
    } catch (err) {
      setAnalyses((m) => new Map(m).set(ringId, { status: 'error', error: errorText(err) }));
    }
  }, []);

  const loadRings = useCallback(async () => {
    const items = await perimeterApi.rings();
    setRings(items);
    setSelectedId((cur) => (cur && items.some((r) => r.id === cur) ? cur : (items[0]?.id ?? null)));
    // One ring at a time: each analysis runs a minimum cut on the city graph.
    for (const r of items) await loadAnalysis(r.id);
  }, [loadAnalysis]);

  const loadUnits = useCallback(async () => {
    try {
      setUnits((await dispatchApi.units()).items);
    } catch {
      // Without the unit board the plan still shows; only the lines on the map are missing.
    }
  }, []);

  /** The ring's active plan, or (after this console ended one) the plan it last showed. */
  const loadPlan = useCallback(async (ringId: string) => {
    const active = await perimeterApi.plans({ ringId, active: true });
    if (selectedRef.current !== ringId) return;
    const current = planRef.current;
    const id = active[0]?.id ?? (current && current.ringId === ringId ? current.id : null);
    const next = id ? await perimeterApi.plan(id) : null;
    if (selectedRef.current === ringId) setPlan(next);
  }, []);

  useEffect(() => {
    Promise.all([placesApi.cities(), loadUnits()])
      .then(([c]) => setCities(c.items))
      .catch((err: unknown) => setLoadError(errorText(err)));
    loadRings().catch((err: unknown) => setLoadError(errorText(err)));
  }, [loadRings, loadUnits]);

  // A ring chosen: its checkpoints and plan.
  useEffect(() => {
    setCheckpoints([]);
    setPlan(null);
    // The advice was for the previous ring's checkpoints.
    setIntercept(null);
    setMode((m) => (m === 'addCheckpoint' ? 'idle' : m));
    if (!selectedId) return;
    const controller = new AbortController();
    perimeterApi
      .checkpoints(selectedId, controller.signal)
      .then(setCheckpoints)
      .catch(() => {});
    loadPlan(selectedId).catch(() => {});
    return () => controller.abort();
  }, [selectedId, loadPlan]);

  // ---- live

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
        const ringId = selectedRef.current;
        if (due.has('units')) void loadUnits();
        if (due.has('plan') && ringId) void loadPlan(ringId).catch(() => {});
      }, REFRESH_DEBOUNCE_MS);
    },
    [loadUnits, loadPlan],
  );
  useEffect(() => () => clearTimeout(timer.current), []);

  const onLiveEvent = useCallback(
    (event: DomainEvent) => {
      if (event.type === 'perimeter.plan_changed') {
        if (event.payload.ringId === selectedRef.current) schedule('plan', 'units');
      } else if (event.type === 'dispatch.unit_changed') {
        const p = event.payload;
        setUnits((list) =>
          list.some((u) => u.id === p.unitId)
            ? list.map((u) => (u.id === p.unitId ? { ...u, lon: p.lon, lat: p.lat, heading: p.heading } : u))
            : list,
        );
        // A plan's unit moved: reading the plan marks it arrived when it is at its checkpoint.
        const current = planRef.current;
        if (current?.status === 'active' && current.assignments.some((a) => a.unitId === p.unitId)) {
          schedule('plan');
        }
      }
    },
    [schedule],
  );
  const live = useLiveEvents(LIVE_TYPES, onLiveEvent, () => schedule('plan', 'units'));

  // ---- map

  const positions = useMemo(() => {
    const m = new Map<string, UnitPosition>();
    for (const u of units) if (u.lon !== null && u.lat !== null) m.set(u.id, { lon: u.lon, lat: u.lat });
    return m;
  }, [units]);

  useEffect(() => {
    if (map) setRingData(map, ring, analysis, checkpoints, showCut);
  }, [map, ring, analysis, checkpoints, showCut]);
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

  // ETA labels (HTML: the map has no glyphs for symbol text): halfway along a unit's line while it
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
        ? new Marker({ element: el, anchor: 'center' }).setLngLat([
            (from.lon + a.lon) / 2,
            (from.lat + a.lat) / 2,
          ])
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
    },
    [map],
  );

  const onPlanChanged = useCallback(
    (p: ClosurePlan) => {
      setPlan(p);
      schedule('units');
    },
    [schedule],
  );

  const frame = { height: 'calc(100vh - 152px)', minHeight: 560 };

  if (loadError) {
    return (
      <Card style={frame}>
        <Result status="error" title={t('page.loadFailed', { error: loadError })} />
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
    <div style={{ ...frame, display: 'flex', gap: 12 }} data-testid="perimeter-page">
      <div
        style={{ width: 310, flex: 'none', display: 'flex', flexDirection: 'column', gap: 12, minHeight: 0 }}
      >
        <RingList
          rings={rings}
          analyses={analyses}
          selectedId={selectedId}
          onSelect={setSelectedId}
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
              cutCount={analysis?.minimumCut.segments ?? null}
              crossings={analysis?.crossings ?? null}
              showCut={showCut}
              onShowCut={setShowCut}
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
              ) : analysisState?.status === 'error' ? (
                <Alert type="error" showIcon title={analysisState.error} />
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
                        onChanged={onPlanChanged}
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
          setRings((list) => [...list, created]);
          setSelectedId(created.id);
          void loadAnalysis(created.id);
        }}
      />
      <CheckpointModal
        position={newCheckpointAt}
        ringId={selectedId}
        city={city?.name}
        existing={checkpoints}
        onCancel={() => setNewCheckpointAt(null)}
        onCreated={(c) => {
          setNewCheckpointAt(null);
          setCheckpoints((list) => [...list.filter((x) => x.id !== c.id), c]);
          if (selectedId) {
            setAnalyses((m) => {
              const next = new Map(m);
              next.delete(selectedId);
              return next;
            });
            void loadAnalysis(selectedId);
          }
        }}
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
  planActive,
}: {
  live: LiveStatus;
  cutCount: number | null;
  crossings: number | null;
  showCut: boolean;
  onShowCut: (on: boolean) => void;
  planActive: boolean;
}) {
  const { t } = usePerimeterT();
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
        {cutCount !== null && crossings !== null ? (
          <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="mincut-count">
            {t('analysis.minCutCount', { count: cutCount, crossings })}
          </Typography.Text>
        ) : null}
      </Card>
    </div>
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
  const { t } = usePerimeterT();
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
