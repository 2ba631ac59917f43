import { Badge, Card, Empty, Space, Tag, Typography } from 'antd';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { Incident, IncidentCategory } from '../../api/dispatch';
import { formatDateTime } from '../../format';
import { categoryLabel, PRIORITY_COLORS, STATUS_TAG_COLORS } from './presentation';

/** Most urgent first, then the oldest call first. */
export function sortQueue(items: readonly Incident[]): Incident[] {
  return [...items].sort(
    (a, b) => a.priority.localeCompare(b.priority) || a.receivedAt.localeCompare(b.receivedAt),
  );
}

/** The pending queue (待处置警情): open incidents, coloured by priority. */
export function IncidentQueue({
  incidents,
  categories,
  selectedId,
  onSelect,
}: {
  incidents: readonly Incident[];
  categories: readonly IncidentCategory[];
  selectedId: string | null;
  onSelect: (id: string) => void;
}) {
  const { t, i18n } = useTranslation('dispatch');
  const language = i18n.language;
  const sorted = useMemo(() => sortQueue(incidents), [incidents]);
  return (
    <Card
      size="small"
      title={
        <Space size={8}>
          {t('queue.title')}
          <Badge count={sorted.length} showZero color="#cf1322" />
        </Space>
      }
      style={{ flex: 1, minHeight: 0, display: 'flex', flexDirection: 'column' }}
      styles={{ body: { flex: 1, minHeight: 0, overflow: 'auto', padding: 8 } }}
      data-testid="queue"
    >
      {sorted.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('queue.empty')} />
      ) : (
        <div style={{ display: 'flex', flexDirection: 'column', gap: 6 }}>
          {sorted.map((i) => {
            const selected = i.id === selectedId;
            return (
              <button
                type="button"
                key={i.id}
                onClick={() => onSelect(i.id)}
                data-testid={`queue-item-${i.number}`}
                data-status={i.status}
                className="cw-queue-item"
                style={{
                  all: 'unset',
                  boxSizing: 'border-box',
                  cursor: 'pointer',
                  display: 'block',
                  width: '100%',
                  padding: '6px 10px',
                  borderRadius: 6,
                  borderLeft: `4px solid ${PRIORITY_COLORS[i.priority]}`,
                  background: selected ? '#e6f4ff' : i.priority === 'P1' ? '#fff1f0' : '#fafafa',
                  outline: selected ? '1px solid #1677ff' : undefined,
                }}
              >
                <div style={{ display: 'flex', alignItems: 'center', gap: 6 }}>
                  <Typography.Text strong style={{ color: PRIORITY_COLORS[i.priority] }}>
                    {i.priority}
                  </Typography.Text>
                  <Typography.Text strong style={{ fontVariantNumeric: 'tabular-nums' }}>
                    {i.number}
                  </Typography.Text>
                  <span style={{ flex: 1 }} />
                  <Tag
                    color={STATUS_TAG_COLORS[i.status]}
                    style={{ marginInlineEnd: 0 }}
                    data-testid="queue-status"
                  >
                    {t(`incidentStatus.${i.status}`)}
                  </Tag>
                </div>
                <div style={{ fontSize: 12, marginTop: 2 }}>
                  <Typography.Text>
                    {categoryLabel(categories, i.category, i.subcategory, language)}
                  </Typography.Text>
                  <Typography.Text type="secondary">
                    {' '}
                    · {formatDateTime(i.receivedAt).slice(11)}
                  </Typography.Text>
                </div>
                <Typography.Text
                  type="secondary"
                  ellipsis
                  style={{ fontSize: 12, display: 'block', maxWidth: '100%' }}
                >
                  {i.addressLabel ?? i.jurisdiction?.name ?? `${i.lon.toFixed(4)}, ${i.lat.toFixed(4)}`}
                  {i.units.length > 0 &&
                    ` · ${t('queue.units', { units: i.units.map((u) => u.callSign).join('、') })}`}
                </Typography.Text>
              </button>
            );
          })}
        </div>
      )}
    </Card>
  );
}
