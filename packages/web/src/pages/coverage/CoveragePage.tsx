import { Alert, App, Card, Empty, Result, Spin, Typography } from 'antd';
import type { Map as MapLibreMap } from 'maplibre-gl';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { hasAnyRole, useCurrentUser } from '../../auth/session';
import { CityMap } from '../../map/CityMap';
import { type CitySummary, placesApi } from '../places/api';
import { type AdviceRequest, AdvisorPanel, DEFAULT_ADVICE_REQUEST } from './AdvisorPanel';
import {
  type Advice,
  BAND_COLORS,
  type CoverageFigures,
  type CoveragePost,
  coverageApi,
  errorText,
  isAbort,
  KIND_COLORS,
  type NewPost,
  PICK_COLOR,
  POST_KINDS,
  THRESHOLDS,
} from './api';
import { bandLabel, FiguresPanel } from './FiguresPanel';
import { installCoverageLayers, setCoverageLayer } from './mapLayers';
import { addPickMarkers, addPostMarkers } from './markers';
import { type PostDraft, PostModal } from './PostModal';
import { PostsPanel } from './PostsPanel';
import { useCoverageT } from './useCoverageT';

type Loaded = { posts: CoveragePost[]; figures: CoverageFigures };
type AdviceState = { advice: Advice; version: number; added: Set<number> };

/**
 * 覆盖分析: the 1-3-5 minute response circles of the city's posts and stations, as banded roads on
 * the map and as shares of addresses and road length; posts are added by a click on the map and
 * moved by dragging; the placement advisor suggests where K new posts would add the most.
 */
export function CoveragePage() {
  const { t } = useCoverageT();
  const { message } = App.useApp();
  const user = useCurrentUser();
  const canEdit = hasAnyRole(user, ['admin', 'commander']);

  const [cities, setCities] = useState<CitySummary[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [map, setMap] = useState<MapLibreMap | null>(null);
  const [data, setData] = useState<Loaded | null>(null);
  const [layerReady, setLayerReady] = useState(false);
  const [loading, setLoading] = useState(false);
  // Bumped by every change to the posts: figures, layer and posts are loaded again.
  const [version, setVersion] = useState(0);
  const [draft, setDraft] = useState<(PostDraft & { pick?: number }) | null>(null);

  const [request, setRequest] = useState<AdviceRequest>(DEFAULT_ADVICE_REQUEST);
  const [adviceState, setAdviceState] = useState<AdviceState | null>(null);
  const [adviceError, setAdviceError] = useState<string | null>(null);
  const [advising, setAdvising] = useState(false);

  const city = useMemo(() => cities?.find((c) => c.isDefault) ?? cities?.[0], [cities]);
  const cityName = city?.name;

  useEffect(() => {
    placesApi
      .cities()
      .then((c) => setCities(c.items))
      .catch((err: unknown) => setLoadError(errorText(err)));
  }, []);

  // Posts and figures, again after every change.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is the reload trigger
  useEffect(() => {
    if (!city) return;
    const controller = new AbortController();
    setLoading(true);
    Promise.all([
      coverageApi.posts(cityName, controller.signal),
      coverageApi.figures(cityName, controller.signal),
    ])
      .then(([posts, figures]) => {
        setData({ posts: posts.items, figures });
        setLoading(false);
      })
      .catch((err: unknown) => {
        if (isAbort(err)) return;
        setLoading(false);
        setLoadError(errorText(err));
      });
    return () => controller.abort();
  }, [city, cityName, version]);

  // The banded road layer, once the map is up and after every change.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is the reload trigger
  useEffect(() => {
    if (!map || !city) return;
    const controller = new AbortController();
    coverageApi
      .layer(cityName, controller.signal)
      .then((layer) => {
        setCoverageLayer(map, layer);
        setLayerReady(true);
      })
      .catch((err: unknown) => {
        if (!isAbort(err)) message.error(t('page.loadFailed', { error: errorText(err) }));
      });
    return () => controller.abort();
  }, [map, city, cityName, version, message, t]);

  const versionRef = useRef(version);
  versionRef.current = version;
  const changed = useCallback(() => setVersion((v) => v + 1), []);

  const onMoved = useCallback(
    (post: CoveragePost, lon: number, lat: number) => {
      coverageApi
        .movePost(post.id, lon, lat)
        .then(() => message.success(t('posts.moved', { name: post.name })))
        .catch((err: unknown) => message.error(t('posts.moveFailed', { error: errorText(err) })))
        // Either way the map follows the server (a refused move puts the post back).
        .finally(changed);
    },
    [changed, message, t],
  );

  // Posts on the map.
  const posts = data?.posts;
  useEffect(() => {
    if (!map || !posts) return;
    return addPostMarkers(map, posts, {
      canEdit,
      title: (p) => `${p.name} · ${t(`kind.${p.kind}`)}`,
      onMoved,
    });
  }, [map, posts, canEdit, onMoved, t]);

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

  const createPost = useCallback(
    async (post: NewPost) => {
      try {
        await coverageApi.createPost(cityName, post);
      } catch (err) {
        message.error(t('add.failed', { error: errorText(err) }));
        throw err;
      }
      message.success(t('add.created', { name: post.name }));
      const pick = draft?.pick;
      setDraft(null);
      const at = versionRef.current;
      setVersion(at + 1);
      // A pick added as suggested leaves the other picks as good as they were.
      if (pick !== undefined) {
        setAdviceState((s) =>
          s && s.version === at ? { ...s, version: at + 1, added: new Set([...s.added, pick]) } : s,
        );
      }
    },
    [cityName, draft, message, t],
  );

  const deletePost = useCallback(
    (post: CoveragePost) => {
      coverageApi
        .deletePost(post.id)
        .then(() => {
          message.success(t('posts.deleted', { name: post.name }));
          changed();
        })
        .catch((err: unknown) => message.error(t('posts.deleteFailed', { error: errorText(err) })));
    },
    [changed, message, t],
  );

  const focusPost = useCallback(
    (post: CoveragePost) => {
      map?.flyTo({ center: [post.lon, post.lat], zoom: Math.max(map.getZoom(), 15) });
    },
    [map],
  );

  const runAdvice = useCallback(() => {
    setAdvising(true);
    setAdviceError(null);
    const at = versionRef.current;
    coverageApi
      .advise(cityName, request)
      .then((advice) => {
        setAdviceState({ advice, version: at, added: new Set() });
        const first = advice.picks[0];
        if (map && first && !map.getBounds().contains([first.lon, first.lat])) {
          map.easeTo({ center: [first.lon, first.lat] });
        }
      })
      .catch((err: unknown) => setAdviceError(errorText(err)))
      .finally(() => setAdvising(false));
  }, [cityName, request, map]);

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
        <FiguresPanel figures={data?.figures ?? null} loading={loading} />
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
          running={advising}
          advice={adviceState?.advice ?? null}
          error={adviceError}
          stale={adviceState !== null && adviceState.version !== version}
          added={adviceState?.added ?? new Set()}
          canEdit={canEdit}
          onAdd={addPick}
        />
        <PostsPanel posts={data?.posts ?? []} canEdit={canEdit} onDelete={deletePost} onFocus={focusPost} />
      </div>

      <PostModal draft={draft} onCancel={() => setDraft(null)} onSubmit={createPost} />
    </div>
  );
}

/** Bands, post kinds and picks, over the map's top-left corner. */
function Legend({ canEdit }: { canEdit: boolean }) {
  const { t } = useCoverageT();
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
