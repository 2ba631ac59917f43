import type { Outcome } from '@citywatch/core/patrol/evaluation';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, DatePicker, Select, Space, Table, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, apiUrl, errorText } from '../../api/client';
import { Chart, type ChartOption } from '../../charts/Chart';

const WEEKS = 8;
const COVERAGE = 0.05;

/**
 * 巡逻成效评估: incidents in the planned hot spots against the rest, week by week before and after
 * the start, the relative change, dose against outcome per hot spot, and the .xlsx export.
 */
export function EvaluationOutcomes({ city }: { city: string | undefined }) {
  const { t } = useTranslation('patrol', { keyPrefix: 'outcomes' });
  const [start, setStart] = useState<Dayjs>(() => dayjs().startOf('day').subtract(4, 'week'));
  const [planId, setPlanId] = useState<string | undefined>();
  const plans = useQuery({
    queryKey: ['patrol', 'outcomes', 'plans', city ?? ''],
    queryFn: ({ signal }) =>
      api<{ id: string; name: string; shiftStart: string }[]>('/api/patrol/plans', {
        query: { city },
        signal,
      }),
  });
  // A plan brings its own start (its shift's); without one, the date chosen.
  const query = planId
    ? { city, planId, weeksBefore: WEEKS, weeksAfter: WEEKS }
    : { city, start: start.toISOString(), weeksBefore: WEEKS, weeksAfter: WEEKS, coverage: COVERAGE };
  const outcome = useQuery({
    queryKey: ['patrol', 'outcomes', query],
    queryFn: ({ signal }) => api<Outcome>('/api/patrol/outcomes', { query, signal }),
  });
  const o = outcome.data;
  const chart = useMemo<ChartOption | null>(
    () =>
      o
        ? {
            grid: { left: 36, right: 12, top: 28, bottom: 24 },
            legend: { top: 0, data: [t('inside'), t('outside')] },
            tooltip: { trigger: 'axis' },
            xAxis: { type: 'category', data: o.weeks.map((w) => String(w.week)) },
            yAxis: [{ type: 'value' }, { type: 'value', splitLine: { show: false } }],
            series: [
              {
                name: t('inside'),
                type: 'bar',
                data: o.weeks.map((w) => w.inside),
                itemStyle: { color: '#f5222d' },
              },
              {
                name: t('outside'),
                type: 'bar',
                yAxisIndex: 1,
                data: o.weeks.map((w) => w.outside),
                itemStyle: { color: '#bfbfbf' },
              },
            ],
          }
        : null,
    [o, t],
  );
  return (
    <Card
      size="small"
      title={t('title')}
      data-testid="outcomes"
      data-ready={o ? 'true' : 'false'}
      extra={
        <Space size={6}>
          <Select
            size="small"
            style={{ width: 150 }}
            value={planId ?? ''}
            onChange={(v) => setPlanId(v || undefined)}
            options={[
              { value: '', label: t('noPlan') },
              ...(plans.data ?? []).map((p) => ({ value: p.id, label: p.name })),
            ]}
            aria-label={t('plan')}
            data-testid="outcomes-plan"
          />
          <DatePicker
            disabled={planId !== undefined}
            size="small"
            value={start}
            allowClear={false}
            onChange={(d) => d && setStart(d.startOf('day'))}
            disabledDate={(d) => d.isAfter(dayjs())}
            aria-label={t('start')}
            data-testid="outcomes-start"
          />
          <Button
            size="small"
            href={apiUrl('/api/patrol/outcomes.xlsx', query)}
            disabled={!o}
            data-testid="outcomes-export"
          >
            {t('export')}
          </Button>
        </Space>
      }
    >
      {outcome.error && <Alert type="error" showIcon title={errorText(outcome.error)} />}
      {o && (
        <>
          <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginBottom: 4 }}>
            {o.source.kind === 'plan'
              ? t('sourcePlan', { name: o.source.planName ?? '', cells: o.cells })
              : t('source', { share: `${Math.round((o.source.coverage ?? 0) * 100)}%`, cells: o.cells })}
          </Typography.Paragraph>
          <Typography.Paragraph style={{ marginBottom: 4 }} data-testid="outcomes-summary">
            {t('summary', {
              ib: o.summary.insideBefore,
              ia: o.summary.insideAfter,
              ob: o.summary.outsideBefore,
              oa: o.summary.outsideAfter,
              weeks: o.summary.weeksAfterComplete,
            })}
            <br />
            {o.summary.relativeChange === null
              ? t('noRelative')
              : t('relative', { value: o.summary.relativeChange.toFixed(2) })}
          </Typography.Paragraph>
          {chart && <Chart option={chart} height={170} testId="outcomes-chart" />}
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t('caution')}
          </Typography.Text>
          <Typography.Title level={5} style={{ fontSize: 13, marginTop: 8 }}>
            {t('dosage')}
          </Typography.Title>
          <Table
            size="small"
            rowKey="cell"
            pagination={{ pageSize: 5, size: 'small' }}
            dataSource={o.dosage}
            data-testid="outcomes-dosage"
            columns={[
              { title: t('place'), dataIndex: 'name', render: (v: string | null, r) => v ?? r.cell },
              {
                title: t('dose'),
                dataIndex: 'doseMinutesPerWeek',
                render: (v: number | null) => (v === null ? '—' : v.toFixed(0)),
              },
              { title: t('before'), dataIndex: 'beforePerWeek', render: (v: number) => v.toFixed(1) },
              { title: t('after'), dataIndex: 'afterPerWeek', render: (v: number) => v.toFixed(1) },
            ]}
          />
        </>
      )}
    </Card>
  );
}
