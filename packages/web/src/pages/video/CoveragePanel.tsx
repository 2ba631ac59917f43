import { useMutation, useQuery } from '@tanstack/react-query';
import { Button, Card, Space, Statistic, Switch, Typography } from 'antd';
import { type GeoJSONSource, type Map as MapLibreMap, Marker } from 'maplibre-gl';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import { videoApi } from '../../video/api';

const GAPS_SOURCE = 'video-gaps';
const GAPS_LAYER = 'video-gaps-line';

/**
 * Coverage of one's cameras (sector model): shares of road length, of checkpoints and of patrol's
 * current hot spots, the longest
 * uncovered stretches as red lines on the map, and the greedy placement advisor's picks as markers.
 */
export function CoveragePanel({ map }: { map: MapLibreMap | null }) {
  const { t } = useTranslation('video', { keyPrefix: 'coverage' });
  const coverage = useQuery({
    queryKey: ['video', 'coverage'],
    queryFn: ({ signal }) => videoApi.coverage(signal),
  });
  const [showGaps, setShowGaps] = useState(true);
  const advise = useMutation({ mutationFn: () => videoApi.advise(5, 90, 80) });

  useEffect(() => {
    if (!map || !coverage.data) return;
    const data = showGaps ? coverage.data.gaps : { type: 'FeatureCollection' as const, features: [] };
    const source = map.getSource(GAPS_SOURCE) as GeoJSONSource | undefined;
    if (source) source.setData(data as GeoJSON.FeatureCollection);
    else {
      map.addSource(GAPS_SOURCE, { type: 'geojson', data: data as GeoJSON.FeatureCollection });
      map.addLayer({
        id: GAPS_LAYER,
        type: 'line',
        source: GAPS_SOURCE,
        paint: { 'line-color': '#f5222d', 'line-width': 2.5, 'line-opacity': 0.7 },
      });
    }
  }, [map, coverage.data, showGaps]);

  useEffect(() => {
    if (!map || !advise.data) return;
    const added = advise.data.picks.map((p) =>
      new Marker({ color: '#52c41a' }).setLngLat([p.lon, p.lat]).addTo(map),
    );
    return () => {
      for (const m of added) m.remove();
    };
  }, [map, advise.data]);

  const c = coverage.data;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return (
    <Card size="small" title={t('title')} data-testid="coverage-panel">
      {coverage.error ? (
        <Typography.Text type="danger">{errorText(coverage.error)}</Typography.Text>
      ) : (
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Space size={24}>
            <Statistic title={t('roads')} value={c ? pct(c.roads.share) : '—'} data-testid="coverage-roads" />
            <Statistic
              title={t('checkpoints')}
              value={c ? `${c.checkpoints.covered}/${c.checkpoints.total}` : '—'}
            />
            <Statistic
              title={t('hotSpots')}
              value={c?.hotSpots ? `${c.hotSpots.covered}/${c.hotSpots.total}` : '—'}
              suffix={c?.hotSpots ? <small>（{pct(c.hotSpots.share)}）</small> : null}
              data-testid="coverage-hotspots"
            />
          </Space>
          {c && !c.hotSpots ? (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('noHotSpots')}
            </Typography.Text>
          ) : null}
          <Space>
            <Switch size="small" checked={showGaps} onChange={setShowGaps} />
            <Typography.Text>{t('gaps')}</Typography.Text>
          </Space>
          <Button
            size="small"
            loading={advise.isPending}
            onClick={() => advise.mutate()}
            data-testid="coverage-advise"
          >
            {t('advise')}
          </Button>
          {advise.data ? (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('advice', {
                count: advise.data.picks.length,
                before: pct(advise.data.before),
                after: pct(advise.data.picks.at(-1)?.shareAfter ?? advise.data.before),
              })}
            </Typography.Text>
          ) : null}
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t('model')}
          </Typography.Text>
        </Space>
      )}
    </Card>
  );
}
