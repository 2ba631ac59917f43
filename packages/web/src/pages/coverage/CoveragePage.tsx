import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Card, Empty, Result, Spin, Typography } from 'antd';
import type { Map as MapLibreMap } from 'maplibre-gl';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import {
  type CoverageAdvice,
  type CoveragePost,
  coverageApi,
  coverageKeys,
  coverageQueries,
  type NewCoveragePost,
  THRESHOLDS,
} from '../../api/coverage';
import { defaultCity, placesQueries } from '../../api/places';
import { useCan } from '../../auth/session';
import { preloadCharts } from '../../charts/Chart';
import { CityMap } from '../../map/CityMap';
import { type AdviceRequest, AdvisorPanel, DEFAULT_ADVICE_REQUEST } from './AdvisorPanel';
import { EtaAccuracyPanel } from './EtaAccuracyPanel';
import { bandLabel, FiguresPanel } from './FiguresPanel';
import { installCoverageLayers, setCoverageLayer } from './mapLayers';
import { addPickMarkers, addPostMarkers } from './markers';
import { type PostDraft, PostModal } from './PostModal';
import { PostsPanel } from './PostsPanel';
import { BAND_COLORS, KIND_COLORS, PICK_COLOR, POST_KINDS } from './presentation';

type AdviceState = { advice: CoverageAdvice; version: number; added: Set<number> };
const NO_POSTS: CoveragePost[] = [];

/**
 * 覆盖分析: the 1-3-5 minute response circles of the city's posts and stations, as banded roads on
 * the map and as shares of addresses and road length; posts are added by a click on the map and
 * moved by dragging; the placement advisor suggests where K new posts would add the most.
 */
export function CoveragePage() {
  const { t } = useTranslation('coverage');
  const { message } = App.useApp();
  const can = useCan();
  const canEdit = can('coverage.write');
  const cache = useQueryClient();

  const cities = useQuery(placesQueries.cities());
  const city = defaultCity(cities.data);
  const cityName = city?.name;
  const posts = useQuery({ ...coverageQueries.posts(cityName), enabled: city !== undefined });
  const figures = useQuery({ ...coverageQueries.figures(cityName), enabled: city !== undefined });
  const [map, setMap] = useState<MapLibreMap | null>(null);
  const layer = useQuery({ ...coverageQueries.layer(cityName), enabled: city !== undefined && map !== null });
  const [layerReady, setLayerReady] = useState(false);
  // Bumped by every change to the posts made here: the advice given before may be stale.
  const [version, setVersion] = useState(0);
  const [draft, setDraft] = useState<(PostDraft & { pick?: number }) | null>(null);

  const [request, setRequest] = useState<AdviceRequest>(DEFAULT_ADVICE_REQUEST);
  const [adviceState, setAdviceState] = useState<AdviceState | null>(null);

  const loadError = cities.error ?? posts.error ?? figures.error;
  const loading = posts.isFetching || figures.isFetching;

  // The chart's library comes while the figures are computed.
  useEffect(() => {
    void preloadCharts();
  }, []);

  // The banded road layer, once the map is up and after every change.
  useEffect(() => {
    if (!map || !layer.data) return;
    setCoverageLayer(map, layer.data);
    setLayerReady(true);
  }, [map, layer.data]);
  const layerError = layer.error;
  useEffect(() => {
    if (layerError) void message.error(t('page.loadFailed', { error: errorText(layerError) }));
  }, [layerError, message, t]);

  const versionRef = useRef(version);
  versionRef.current = version;
  /** The posts changed: figures, layer and posts are read again, and the advice may be stale. */
  const changed = useCallback(() => {
    setVersion((v) => v + 1);
    void cache.invalidateQueries({ queryKey: coverageKeys.city(cityName) });
  }, [cache, cityName]);

  const move = useMutation({
    mutationFn: ({ post, lon, lat }: { post: CoveragePost; lon: number; lat: number }) =>
      coverageApi.movePost(post.id, lon, lat),
    onSuccess: (_, { post }) => void message.success(t('posts.moved', { name: post.name })),
    onError: (err) => void message.error(t('posts.moveFailed', { error: errorText(err) })),
    // Either way the map follows the server (a refused move puts the post back).
    onSettled: changed,
  });
  const onMoved = useCallback(
    (post: CoveragePost, lon: number, lat: number) => move.mutate({ post, lon, lat }),
    [move.mutate],
  );

  // Posts on the map.
  const postList = posts.data;
  useEffect(() => {
    if (!map || !postList) return;
    return addPostMarkers(map, postList, {
      canEdit,
      title: (p) => `${p.name} · ${t(`kind.${p.kind}`)}`,
      onMoved,
    });
  }, [map, postList, canEdit, onMoved, t]);

  // The advisor's picks on the map.
  useEffect(() => {
    if (!map || !adviceState) return;
    return addPickMarkers(map, adviceState.advice.picks, adviceState.added, (n) =>
      t('advisor.pickName', { n }),
    );
  }, [map, adviceState, t]);

  const onMapReady = useCallback((m: MapLibreMap) => {
    installCoverageLayers(m);
    setMap(m);
  }, []);

  const onMapClick = useCallback(
    ({ lon, lat }: { lon: number; lat: number }) => {
      if (!canEdit) return;
      setDraft({ lon, lat, kind: 'street_post', name: '' });
    },
    [canEdit],
  );

  const create = useMutation({
    mutationFn: (post: NewCoveragePost) => coverageApi.createPost(cityName, post),
    onError: (err) => void message.error(t('add.failed', { error: errorText(err) })),
  });
  const createPost = useCallback(
    async (post: NewCoveragePost) => {
      await create.mutateAsync(post);
      message.success(t('add.created', { name: post.name }));
      const pick = draft?.pick;
      setDraft(null);
      const at = versionRef.current;
      changed();
      // A pick added as suggested leaves the other picks as good as they were.
      if (pick !== undefined) {
        setAdviceState((s) =>
          s && s.version === at ? { ...s, version: at + 1, added: new Set([...s.added, pick]) } : s,
        );
      }
    },
    [create.mutateAsync, changed, draft, message, t],
  );

  const remove = useMutation({
    mutationFn: (post: CoveragePost) => coverageApi.deletePost(post.id),
    onSuccess: (_, post) => {
      void message.success(t('posts.deleted', { name: post.name }));
      changed();
    },
    onError: (err) => void message.error(t('posts.deleteFailed', { error: errorText(err) })),
  });
  const deletePost = useCallback((post: CoveragePost) => remove.mutate(post), [remove.mutate]);

  const focusPost = useCallback(
    (post: CoveragePost) => {
      map?.flyTo({ center: [post.lon, post.lat], zoom: Math.max(map.getZoom(), 15) });
    },
    [map],
  );

  const advise = useMutation({
    mutationFn: ({ request }: { request: AdviceRequest; version: number }) =>
      coverageApi.advise(cityName, request),
    onSuccess: (advice, { version: at }) => {
      setAdviceState({ advice, version: at, added: new Set() });
      const first = advice.picks[0];
      if (map && first && !map.getBounds().contains([first.lon, first.lat])) {
        map.easeTo({ center: [first.lon, first.lat] });
      }
    },
  });
  const runAdvice = useCallback(
    () => advise.mutate({ request, version: versionRef.current }),
    [advise.mutate, request],
  );

  const addPick = useCallback(
    (pick: { lon: number; lat: number }, n: number) => {
      setDraft({
        lon: pick.lon,
        lat: pick.lat,
        kind: 'street_post',
        name: t('advisor.pickName', { n }),
        pick: n,
      });
    },
    [t],
  );

  const frame = { height: 'calc(100vh - 96px)', minHeight: 600 };

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
    overflowY: 'auto' as const,
  };

  return (
    <div
      style={{ ...frame, display: 'flex', gap: 12 }}
      data-testid="coverage-page"
      data-layer-ready={layerReady && !loading ? 'true' : 'false'}
      data-version={version}
    >
      <div style={{ ...column, width: 340 }}>
        <FiguresPanel figures={figures.data ?? null} loading={loading} />
        {can('dispatch.read') && <EtaAccuracyPanel />}
      </div>

      <div style={{ flex: 1, minWidth: 0, position: 'relative' }}>
        <CityMap
          key={city.name}
          city={city.name}
          bounds={city.bounds}
          onReady={onMapReady}
          onClick={onMapClick}
          fallback={<Alert type="error" showIcon title={t('page.webglUnavailable')} />}
          style={{ height: '100%', borderRadius: 8, background: '#eceff2' }}
        >
          <Legend canEdit={canEdit} />
        </CityMap>
      </div>

      <div style={{ ...column, width: 440 }}>
        <AdvisorPanel
          request={request}
          onRequest={setRequest}
          onRun={runAdvice}
          running={advise.isPending}
          advice={adviceState?.advice ?? null}
          error={advise.error ? errorText(advise.error) : null}
          stale={adviceState !== null && adviceState.version !== version}
          added={adviceState?.added ?? new Set()}
          canEdit={canEdit}
          onAdd={addPick}
        />
        <PostsPanel
          posts={posts.data ?? NO_POSTS}
          canEdit={canEdit}
          onDelete={deletePost}
          onFocus={focusPost}
        />
      </div>

      <PostModal draft={draft} onCancel={() => setDraft(null)} onSubmit={createPost} />
    </div>
  );
}

/** Bands, post kinds and picks, over the map's top-left corner. */
function Legend({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation('coverage');
  const swatch = (color: string) => (
    <span
      style={{
        display: 'inline-block',
        width: 16,
        height: 5,
        borderRadius: 3,
        background: color,
        marginInlineEnd: 4,
        verticalAlign: 'middle',
      }}
    />
  );
  const dot = (color: string, square = false) => (
    <span
      style={{
        display: 'inline-block',
        width: 10,
        height: 10,
        borderRadius: square ? 2 : '50%',
        background: color,
        border: '1.5px solid #fff',
        boxShadow: '0 0 0 1px rgba(0,0,0,0.35)',
        marginInlineEnd: 4,
        verticalAlign: 'middle',
      }}
    />
  );
  return (
    <Card
      size="small"
      style={{ position: 'absolute', top: 10, left: 10, zIndex: 2, maxWidth: 300 }}
      styles={{ body: { padding: '8px 10px', fontSize: 12, lineHeight: '20px' } }}
      data-testid="coverage-legend"
    >
      <Typography.Text strong style={{ fontSize: 13 }}>
        {t('page.title')}
      </Typography.Text>
      <div>
        {THRESHOLDS.map((s) => (
          <span key={s} style={{ marginInlineEnd: 10, whiteSpace: 'nowrap' }}>
            {swatch(BAND_COLORS[s])}
            {bandLabel(t, s)}
          </span>
        ))}
        <span style={{ whiteSpace: 'nowrap' }}>
          <span
            style={{
              display: 'inline-block',
              width: 16,
              height: 5,
              borderRadius: 3,
              background: '#ffffff',
              boxShadow: '0 0 0 1px #b9bec6',
              marginInlineEnd: 4,
              verticalAlign: 'middle',
            }}
          />
          {t('band.uncovered')}
        </span>
      </div>
      <div>
        {POST_KINDS.map((k) => (
          <span key={k} style={{ marginInlineEnd: 10, whiteSpace: 'nowrap' }}>
            {dot(KIND_COLORS[k], k === 'police_station')}
            {t(`kind.${k}`)}
          </span>
        ))}
        <span style={{ whiteSpace: 'nowrap' }}>
          {dot(PICK_COLOR)}
          {t('page.legendPick')}
        </span>
      </div>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {canEdit ? t('page.clickToAdd') : t('page.readOnly')}
      </Typography.Text>
    </Card>
  );
}
