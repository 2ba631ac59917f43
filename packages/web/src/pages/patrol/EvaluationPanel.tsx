import { Alert, Button, Card, Empty, Spin, Table, Tooltip, Typography } from 'antd';
import { useCallback, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Chart, type ChartOption } from '../../charts/Chart';
import { formatDateTime, percent } from '../../format';
import type { Evaluation } from './api';

const BASELINE = 'prior_counts';
const METRICS = ['hit', 'pai', 'pei'] as const;
type Metric = (typeof METRICS)[number];
type Row = { key: string; coverage: string; metric: Metric };
const MODEL_COLORS: Record<string, string> = {
  prior_counts: '#8c8c8c',
  kde: '#1677ff',
  recent: '#fa541c',
  network_kde: '#13c2c2',
};

function show(metric: Metric, value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return metric === 'pai' ? value.toFixed(2) : percent(value);
}

function delta(metric: Metric, value: number, base: number): string {
  const scaled = metric === 'pai' ? value - base : (value - base) * 100;
  const digits = metric === 'pai' ? 2 : 1;
  const shown = Math.abs(scaled).toFixed(digits);
  const sign = Number(shown) === 0 ? '±' : scaled > 0 ? '+' : '−';
  return `${sign}${shown}`;
}

/**
 * The models' evaluation (NIJ hit rate, PAI, PEI at each coverage), prior counts in the first row
 * and every other model's figures with its difference from prior counts; PAI as grouped bars.
 */
export function EvaluationPanel({
  evaluation,
  loading,
  canRun,
  running,
  error,
  onRun,
}: {
  evaluation: Evaluation | null;
  loading: boolean;
  canRun: boolean;
  running: boolean;
  error: string | null;
  onRun: () => void;
}) {
  const { t } = useTranslation('patrol', { keyPrefix: 'evaluation' });
  const { t: tm } = useTranslation('patrol', { keyPrefix: 'model' });
  const result = evaluation?.result;
  const coverages = evaluation?.coverages ?? [];
  const models = result ? Object.keys(result.models) : [];

  const share = useCallback((c: string) => percent(Number(c)).replace('.0%', '%'), []);

  // Rows: coverage × figure; columns: prior counts first, then every other model beside it.
  const rows = useMemo(
    () => coverages.flatMap((c) => METRICS.map((m) => ({ key: `${c}-${m}`, coverage: c, metric: m }))),
    [coverages],
  );
  const columns = useMemo(() => {
    if (!result) return [];
    const base = result.models[BASELINE] ?? {};
    return [
      {
        title: t('metric'),
        key: 'metric',
        width: 96,
        render: (_: unknown, row: Row) => (
          <span style={{ whiteSpace: 'nowrap', fontWeight: row.metric === 'pai' ? 600 : 400 }}>
            {t('row', { share: share(row.coverage), metric: t(row.metric) })}
          </span>
        ),
        onCell: (row: Row) => ({
          rowSpan: 1,
          style: row.metric === 'hit' ? { borderTop: '2px solid #d9d9d9' } : {},
        }),
      },
      ...models.map((model) => ({
        title: (
          <span style={{ whiteSpace: 'nowrap' }}>
            <span
              style={{
                display: 'inline-block',
                width: 8,
                height: 8,
                borderRadius: 2,
                background: MODEL_COLORS[model] ?? '#999',
                marginInlineEnd: 4,
              }}
            />
            {t(`short.${model as 'kde'}`)}
          </span>
        ),
        key: model,
        align: 'right' as const,
        onCell: (row: Row) => ({
          style: {
            ...(model === BASELINE ? { background: '#fafafa' } : {}),
            ...(row.metric === 'hit' ? { borderTop: '2px solid #d9d9d9' } : {}),
          },
        }),
        render: (_: unknown, row: Row) => {
          const key = `${row.metric}_${row.coverage}`;
          const value = result.models[model]?.[key] ?? null;
          const baseline = base[key] ?? null;
          const cell = (
            <span data-testid={`eval-${model}-${row.metric}-${row.coverage}`} data-value={value ?? ''}>
              {show(row.metric, value)}
            </span>
          );
          if (model === BASELINE || value === null || baseline === null) return cell;
          const text = delta(row.metric, value, baseline);
          return (
            <Tooltip title={t('vsBaseline', { delta: text })}>
              <div style={{ lineHeight: '16px' }}>
                {cell}
                <div
                  style={{
                    fontSize: 11,
                    color: text.startsWith('+') ? '#389e0d' : text.startsWith('−') ? '#cf1322' : '#8c8c8c',
                  }}
                  data-testid="eval-delta"
                >
                  {text}
                </div>
              </div>
            </Tooltip>
          );
        },
      })),
    ];
  }, [result, models, share, t]);

  const chart = useMemo<ChartOption | null>(() => {
    if (!result) return null;
    return {
      animation: false,
      grid: { left: 36, right: 8, top: 30, bottom: 22 },
      legend: { top: 0, itemWidth: 12, itemHeight: 8, textStyle: { fontSize: 11 } },
      tooltip: { trigger: 'axis' },
      xAxis: {
        type: 'category',
        data: coverages.map((c) => t('coverage', { share: share(c) })),
      },
      yAxis: { type: 'value', min: 0, name: 'PAI', nameTextStyle: { fontSize: 11 } },
      series: models.map((m) => ({
        name: tm(m as 'kde'),
        type: 'bar',
        barMaxWidth: 18,
        itemStyle: { color: MODEL_COLORS[m] ?? '#999' },
        data: coverages.map((c) => result.models[m]?.[`pai_${c}`] ?? null),
      })),
    };
  }, [result, coverages, models, share, t, tm]);

  const areaText = (r: NonNullable<typeof result>) => {
    const units = r.area.units;
    const total = r.area.measure === 'm' ? (r.area.total / 1000).toFixed(1) : r.area.total.toFixed(1);
    if (r.area.measure === 'm') return t('areaSegments', { units, total });
    return r.area.definition.includes('convex hull')
      ? t('areaHull', { units, total })
      : t('areaRoads', { units, total });
  };

  const action = canRun ? (
    <Button
      size="small"
      type={evaluation ? 'default' : 'primary'}
      loading={running}
      onClick={onRun}
      data-testid="evaluation-run"
    >
      {evaluation ? t('rerun') : t('run')}
    </Button>
  ) : null;

  return (
    <Card
      size="small"
      title={t('title')}
      extra={loading ? <Spin size="small" /> : action}
      data-testid="evaluation"
      data-ready={result ? 'true' : 'false'}
      styles={{ body: { display: 'flex', flexDirection: 'column', gap: 8 } }}
    >
      {error ? <Alert type="error" showIcon title={t('failed', { error })} /> : null}
      {!result ? (
        <Empty
          image={Empty.PRESENTED_IMAGE_SIMPLE}
          description={running ? t('running') : canRun ? t('none') : `${t('none')}（${t('readOnly')}）`}
        />
      ) : (
        <>
          <Table
            size="small"
            bordered
            pagination={false}
            rowKey="key"
            dataSource={rows}
            columns={columns}
            scroll={{ x: 'max-content' }}
            data-testid="evaluation-table"
          />
          {chart ? <Chart option={chart} height={170} testId="evaluation-chart" /> : null}
          <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="evaluation-meta">
            {t('windows', {
              windows: result.windows,
              days: result.test_days,
              train: result.train_days,
              count: result.incidents_tested,
            })}
            <br />
            {t('period', {
              from: formatDateTime(result.test_period.from).slice(0, 10),
              to: formatDateTime(result.test_period.to).slice(0, 10),
            })}
            {' · '}
            {t('createdAt', { at: evaluation ? formatDateTime(evaluation.createdAt).slice(0, 16) : '' })}
            <br />
            {t('area', { definition: areaText(result) })}
          </Typography.Text>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t('explain')}
          </Typography.Text>
        </>
      )}
    </Card>
  );
}
