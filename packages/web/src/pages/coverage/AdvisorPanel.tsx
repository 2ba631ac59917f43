import { PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Empty, Form, InputNumber, Select, Space, Table, Tag, Typography } from 'antd';
import type { HTMLAttributes } from 'react';
import { useTranslation } from 'react-i18next';
import { type CoverageAdvice, type DemandKind, THRESHOLDS, type Threshold } from '../../api/coverage';
import { percent } from '../../format';
import { bandLabel } from './FiguresPanel';
import { PICK_COLOR } from './presentation';

export type AdviceRequest = { k: number; demand: DemandKind; thresholdSeconds: Threshold };
export const DEFAULT_ADVICE_REQUEST: AdviceRequest = { k: 3, demand: 'incidents', thresholdSeconds: 180 };

type Pick = CoverageAdvice['picks'][number];
type Row = Pick & { n: number };

/** 选址建议: where K new posts would add the most coverage within the time limit. */
export function AdvisorPanel({
  request,
  onRequest,
  onRun,
  running,
  advice,
  error,
  stale,
  added,
  canEdit,
  onAdd,
}: {
  request: AdviceRequest;
  onRequest: (r: AdviceRequest) => void;
  onRun: () => void;
  running: boolean;
  advice: CoverageAdvice | null;
  error: string | null;
  stale: boolean;
  /** 1-based numbers of the picks already added as posts. */
  added: ReadonlySet<number>;
  canEdit: boolean;
  onAdd: (pick: Pick, n: number) => void;
}) {
  const { t } = useTranslation('coverage');

  const rows: Row[] = advice ? advice.picks.map((p, i) => ({ ...p, n: i + 1 })) : [];

  return (
    <Card size="small" title={t('advisor.title')} data-testid="advisor">
      <Form layout="vertical" size="small" onFinish={onRun} style={{ marginBottom: 8 }}>
        <Space align="end" wrap size={8}>
          <Form.Item label={t('advisor.k')} style={{ marginBottom: 0 }}>
            <InputNumber
              min={1}
              max={10}
              precision={0}
              value={request.k}
              onChange={(v) => onRequest({ ...request, k: typeof v === 'number' ? v : 1 })}
              style={{ width: 72 }}
              data-testid="advisor-k"
            />
          </Form.Item>
          <Form.Item label={t('advisor.demand')} style={{ marginBottom: 0 }}>
            <Select<DemandKind>
              value={request.demand}
              onChange={(demand) => onRequest({ ...request, demand })}
              style={{ width: 120 }}
              data-testid="advisor-demand"
              options={[
                { value: 'incidents', label: t('advisor.demandIncidents') },
                { value: 'addresses', label: t('advisor.demandAddresses') },
              ]}
            />
          </Form.Item>
          <Form.Item label={t('advisor.threshold')} style={{ marginBottom: 0 }}>
            <Select<Threshold>
              value={request.thresholdSeconds}
              onChange={(thresholdSeconds) => onRequest({ ...request, thresholdSeconds })}
              style={{ width: 88 }}
              data-testid="advisor-threshold"
              options={THRESHOLDS.map((s) => ({ value: s, label: bandLabel(t, s) }))}
            />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={running} data-testid="advisor-run">
            {t('advisor.run')}
          </Button>
        </Space>
      </Form>

      {error && (
        <Alert type="error" showIcon title={t('advisor.failed', { error })} style={{ marginBottom: 8 }} />
      )}

      {!advice ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('advisor.empty')} />
      ) : (
        <Space direction="vertical" size={6} style={{ width: '100%' }}>
          <Space size={[6, 2]} wrap>
            <Typography.Text data-testid="advisor-baseline" data-value={advice.baselineShare}>
              {t('advisor.baseline', { share: percent(advice.baselineShare) })}
            </Typography.Text>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('advisor.demandPoints', { count: advice.demand.points })}
            </Typography.Text>
          </Space>
          {advice.demand.requested === 'incidents' && advice.demand.used !== 'incidents' && (
            <Alert type="info" showIcon title={t('advisor.fellBack')} />
          )}
          {stale && <Alert type="warning" showIcon title={t('advisor.stale')} />}
          <Table<Row>
            size="small"
            rowKey="n"
            pagination={false}
            dataSource={rows}
            data-testid="advisor-picks"
            locale={{ emptyText: t('advisor.noPicks') }}
            onRow={(r) => ({ 'data-testid': `pick-${r.n}` }) as HTMLAttributes<HTMLElement>}
            columns={[
              {
                title: t('advisor.rank'),
                dataIndex: 'n',
                width: 44,
                render: (n: number) => <PickBadge n={n} />,
              },
              {
                title: t('advisor.gain'),
                key: 'gain',
                render: (_, r) => (
                  <span data-testid="pick-gain">
                    {t('advisor.gainValue', { gain: formatGain(r.gain), share: percent(r.gainShare) })}
                  </span>
                ),
              },
              {
                title: t('advisor.cumulative'),
                dataIndex: 'cumulativeShare',
                render: (s: number) => (
                  <Typography.Text strong data-testid="pick-cumulative" data-value={s}>
                    {percent(s)}
                  </Typography.Text>
                ),
              },
              {
                key: 'add',
                width: 112,
                align: 'right',
                render: (_, r) =>
                  added.has(r.n) ? (
                    <Tag color="success" style={{ marginInlineEnd: 0 }}>
                      {t('advisor.added')}
                    </Tag>
                  ) : (
                    <Button
                      size="small"
                      icon={<PlusOutlined />}
                      disabled={!canEdit}
                      onClick={() => onAdd(r, r.n)}
                      data-testid="pick-add"
                    >
                      {t('advisor.addPost')}
                    </Button>
                  ),
              },
            ]}
          />
        </Space>
      )}
    </Card>
  );
}

/** Demand is counted in points (incidents, addresses), weighted: whole numbers mostly. */
function formatGain(gain: number): string {
  return Number.isInteger(gain) ? String(gain) : gain.toFixed(1);
}

export function PickBadge({ n }: { n: number }) {
  return (
    <span
      style={{
        display: 'inline-grid',
        placeItems: 'center',
        width: 20,
        height: 20,
        borderRadius: '50%',
        background: PICK_COLOR,
        color: '#fff',
        fontSize: 12,
        fontWeight: 600,
      }}
    >
      {n}
    </span>
  );
}
