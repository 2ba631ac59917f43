import type { Adjustment, AdjustmentScan } from '@citywatch/core/patrol/adjust';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Empty, List, Space, Tag, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, errorText } from '../../api/client';
import { formatDateTime } from '../../format';

const base = '/api/patrol/adjustments';
const adjustKeys = { list: (city: string | undefined) => ['patrol', 'adjustments', city ?? ''] as const };

const adjustApi = {
  list: (city: string | undefined, signal?: AbortSignal) =>
    api<{ items: Adjustment[] }>(base, { query: { city }, signal }).then((r) => r.items),
  scan: (city: string | undefined) =>
    api<AdjustmentScan>(`${base}/scan`, { method: 'POST', body: city ? { city } : {} }),
  decide: (id: string, decision: 'accept' | 'dismiss') =>
    api<Adjustment>(`${base}/${encodeURIComponent(id)}/decision`, { method: 'POST', body: { decision } }),
};

const STATUS_COLOR = { proposed: 'orange', accepted: 'green', dismissed: 'default' } as const;

/** p as people read it: "< 0.001" rather than 3.2e-7. */
function pText(p: number): string {
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

/**
 * 智能调整: places where incidents clustered beyond what the same hours of past weeks expected (a
 * Poisson test per H3 cell), each proposed for the current shift's plan with the nearest
 * available patrol unit by road time; the commander accepts or dismisses, and the outcome stays.
 */
export function AdjustPanel({
  city,
  canDecide,
  onFocus,
}: {
  city: string | undefined;
  canDecide: boolean;
  onFocus: (lon: number, lat: number) => void;
}) {
  const { t } = useTranslation('patrol', { keyPrefix: 'adjust' });
  const cache = useQueryClient();
  const list = useQuery({
    queryKey: adjustKeys.list(city),
    queryFn: ({ signal }) => adjustApi.list(city, signal),
    refetchInterval: 60_000,
  });
  const scan = useMutation({
    mutationFn: () => adjustApi.scan(city),
    onSuccess: () => void cache.invalidateQueries({ queryKey: adjustKeys.list(city) }),
  });
  const decide = useMutation({
    mutationFn: (v: { id: string; decision: 'accept' | 'dismiss' }) => adjustApi.decide(v.id, v.decision),
    onSuccess: () => void cache.invalidateQueries({ queryKey: adjustKeys.list(city) }),
  });
  const items = list.data ?? [];
  const error = list.error ?? scan.error ?? decide.error;
  return (
    <Card
      size="small"
      title={t('title')}
      data-testid="adjust-panel"
      data-count={items.length}
      extra={
        canDecide ? (
          <Button
            size="small"
            loading={scan.isPending}
            onClick={() => scan.mutate()}
            data-testid="adjust-scan"
          >
            {t('scan')}
          </Button>
        ) : null
      }
    >
      <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginBottom: 6 }}>
        {t('rule')}
      </Typography.Paragraph>
      {scan.data && (
        <Typography.Paragraph style={{ fontSize: 12, marginBottom: 6 }} data-testid="adjust-scan-result">
          {t('scanned', {
            at: formatDateTime(scan.data.at),
            tested: scan.data.tested,
            flagged: scan.data.flagged,
            created: scan.data.created.length,
          })}
        </Typography.Paragraph>
      )}
      {error && <Alert type="error" showIcon title={errorText(error)} style={{ marginBottom: 6 }} />}
      {items.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('none')} />
      ) : (
        <List
          size="small"
          dataSource={items}
          renderItem={(a) => (
            <List.Item
              data-testid="adjust-item"
              data-status={a.status}
              data-id={a.id}
              style={{ display: 'block', padding: '6px 0' }}
            >
              <Space style={{ width: '100%', justifyContent: 'space-between' }}>
                <Typography.Link onClick={() => onFocus(a.lon, a.lat)} strong>
                  {a.place ?? t('unnamed')}
                </Typography.Link>
                <Tag color={STATUS_COLOR[a.status]}>{t(`status.${a.status}`)}</Tag>
              </Space>
              <div style={{ fontSize: 12 }}>
                <Tooltip title={t('testHint', { weeks: a.weeks })}>
                  {t('counts', {
                    observed: a.observed,
                    hours: Math.round((Date.parse(a.windowEnd) - Date.parse(a.windowStart)) / 3_600_000),
                    expected: a.expected.toFixed(2),
                    p: pText(a.pValue),
                  })}
                </Tooltip>
              </div>
              <div style={{ fontSize: 12, color: '#555' }} data-testid="adjust-unit">
                {a.unit
                  ? t('unit', {
                      callSign: a.unit.callSign,
                      min: a.unit.etaSeconds === null ? '—' : Math.max(1, Math.round(a.unit.etaSeconds / 60)),
                    })
                  : t('noUnit')}
              </div>
              {a.status !== 'proposed' && (
                <div style={{ fontSize: 12, color: '#888' }}>
                  {t('decided', { who: a.decidedBy ?? '', at: formatDateTime(a.decidedAt) })}
                  {a.status === 'accepted' &&
                    (a.plan.id ? ` · ${t('planChanged', { version: a.plan.version })}` : ` · ${t('noPlan')}`)}
                </div>
              )}
              {a.status === 'proposed' && canDecide && (
                <Space style={{ marginTop: 4 }}>
                  <Button
                    size="small"
                    type="primary"
                    loading={decide.isPending && decide.variables?.id === a.id}
                    onClick={() => decide.mutate({ id: a.id, decision: 'accept' })}
                    data-testid="adjust-accept"
                  >
                    {t('accept')}
                  </Button>
                  <Button
                    size="small"
                    onClick={() => decide.mutate({ id: a.id, decision: 'dismiss' })}
                    data-testid="adjust-dismiss"
                  >
                    {t('dismiss')}
                  </Button>
                </Space>
              )}
            </List.Item>
          )}
        />
      )}
    </Card>
  );
}
