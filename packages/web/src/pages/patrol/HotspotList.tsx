import { Card, Empty, Spin, Table, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import type { HotspotCollection } from './api';
import { RANK_COLORS, rankBand } from './mapLayers';

type Feature = HotspotCollection['features'][number];

/** The top-ranked units: rank, place, expected incidents in the window, training count. */
export function HotspotList({
  hotspots,
  loading,
  onFocus,
}: {
  hotspots: HotspotCollection | null;
  loading: boolean;
  onFocus: (feature: Feature) => void;
}) {
  const { t } = useTranslation('patrol', { keyPrefix: 'list' });
  const features = hotspots?.features ?? [];
  const place = (f: Feature) =>
    f.geometry.type === 'Polygon'
      ? t('cell', { id: f.id.slice(0, 9) })
      : (f.properties.label ?? t('unnamed'));

  return (
    <Card
      size="small"
      title={
        <Tooltip title={t('byDensity')}>
          <span>{t('title')}</span>
        </Tooltip>
      }
      extra={loading ? <Spin size="small" /> : null}
      data-testid="hotspot-list"
      styles={{ body: { padding: 0, minHeight: 0, overflow: 'auto' } }}
      style={{ flex: 1, minHeight: 0, display: 'flex', flexDirection: 'column' }}
    >
      {features.length === 0 && !loading ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('empty')} />
      ) : (
        <Table
          size="small"
          pagination={false}
          rowKey="id"
          dataSource={features}
          onRow={(f) =>
            ({
              onClick: () => onFocus(f),
              style: { cursor: 'pointer' },
              'data-testid': 'hotspot-row',
              'data-rank': f.properties.rank,
              'data-expected': f.properties.expected,
              'data-flagged': f.properties.flagged ? 'true' : 'false',
            }) as React.HTMLAttributes<HTMLElement>
          }
          columns={[
            {
              title: t('rank'),
              key: 'rank',
              width: 52,
              render: (_, f) => (
                <span
                  style={{
                    display: 'inline-block',
                    minWidth: 24,
                    padding: '0 4px',
                    borderRadius: 4,
                    textAlign: 'center',
                    color: rankBand(f.properties.rank) < 2 ? '#fff' : '#262626',
                    background: RANK_COLORS[rankBand(f.properties.rank)],
                    fontWeight: f.properties.flagged ? 600 : 400,
                  }}
                >
                  {f.properties.rank}
                </span>
              ),
            },
            {
              title: t('place'),
              key: 'place',
              ellipsis: true,
              render: (_, f) => (
                <span title={f.id}>
                  {place(f)}
                  {f.geometry.type === 'Polygon' ? (
                    <span style={{ color: '#8c8c8c', fontSize: 11, marginInlineStart: 4 }}>
                      {f.id.slice(-9, -3)}
                    </span>
                  ) : null}
                </span>
              ),
            },
            {
              title: t('expected'),
              key: 'expected',
              width: 76,
              align: 'right',
              render: (_, f) => t('expectedValue', { value: f.properties.expected.toFixed(1) }),
            },
            {
              title: t('past'),
              key: 'past',
              width: 60,
              align: 'right',
              render: (_, f) => f.properties.trainCount,
            },
          ]}
        />
      )}
    </Card>
  );
}
