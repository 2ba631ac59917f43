import { useQuery } from '@tanstack/react-query';
import { Card, Empty, Spin, Table, Typography } from 'antd';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { type ApiAnswer, call } from '../../api/typed';
import { Chart, type ChartOption } from '../../charts/Chart';

type EtaAccuracy = ApiAnswer<'/api/dispatch/eta-accuracy', 'get'>;

const DAY_MS = 24 * 3600_000;

/**
 * 到达时间预测误差: how far the ETA promised at dispatch was from the unit's own on-scene report
 * over the last 7 days (incidents of the viewer's subtree): median and 10–90 % band of
 * actual − predicted per hour of day (ECharts), and per approach road class (table).
 */
export function EtaAccuracyPanel() {
  const { t } = useTranslation('coverage');
  const query = useQuery({
    queryKey: ['dispatch', 'eta-accuracy', '7d'],
    queryFn: ({ signal }) => {
      const to = new Date(Date.now() + 60_000);
      return call('get', '/api/dispatch/eta-accuracy', {
        query: { from: new Date(to.getTime() - 7 * DAY_MS).toISOString(), to: to.toISOString() },
        signal,
      });
    },
    staleTime: 60_000,
  });
  const data = query.data;
  return (
    <Card
      size="small"
      title={t('eta.title')}
      extra={query.isFetching ? <Spin size="small" /> : null}
      data-testid="eta-accuracy"
      data-count={data?.all.count ?? ''}
    >
      {!data ? (
        query.isError ? (
          <Typography.Text type="danger">{t('eta.loadFailed')}</Typography.Text>
        ) : (
          <Spin />
        )
      ) : data.all.count === 0 ? (
        <Empty
          image={Empty.PRESENTED_IMAGE_SIMPLE}
          description={t('eta.none', { waiting: data.awaitingArrival })}
        />
      ) : (
        <EtaAccuracyBody data={data} />
      )}
    </Card>
  );
}

const seconds = (v: number | null) => (v === null ? '—' : `${Math.round(v)}`);

function EtaAccuracyBody({ data }: { data: EtaAccuracy }) {
  const { t } = useTranslation('coverage');
  const option = useMemo<ChartOption>(() => {
    const hours = data.byHour;
    return {
      animation: false,
      grid: { left: 40, right: 8, top: 28, bottom: 22 },
      legend: { top: 0, itemWidth: 12, itemHeight: 8, textStyle: { fontSize: 12 } },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: hours.map((h) => `${h.hour}`) },
      yAxis: { type: 'value', name: t('eta.seconds'), nameTextStyle: { fontSize: 11 } },
      series: [
        {
          name: t('eta.median'),
          type: 'bar',
          data: hours.map((h) => (h.medianErrorS === null ? null : Math.round(h.medianErrorS))),
          itemStyle: { color: '#1677ff' },
          barMaxWidth: 10,
        },
        {
          name: t('eta.p10'),
          type: 'line',
          data: hours.map((h) => (h.p10ErrorS === null ? null : Math.round(h.p10ErrorS))),
          itemStyle: { color: '#52c41a' },
          symbolSize: 4,
          connectNulls: false,
        },
        {
          name: t('eta.p90'),
          type: 'line',
          data: hours.map((h) => (h.p90ErrorS === null ? null : Math.round(h.p90ErrorS))),
          itemStyle: { color: '#fa541c' },
          symbolSize: 4,
          connectNulls: false,
        },
      ],
    };
  }, [data, t]);
  return (
    <div style={{ display: 'flex', flexDirection: 'column', gap: 8 }}>
      <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="eta-accuracy-summary">
        {t('eta.summary', {
          count: data.all.count,
          median: seconds(data.all.medianErrorS),
          mae: seconds(data.all.maeS),
          mape: data.all.mape === null ? '—' : `${Math.round(data.all.mape * 100)}%`,
          waiting: data.awaitingArrival,
        })}
      </Typography.Text>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t('eta.byHour')}
      </Typography.Text>
      <Chart option={option} height={170} testId="eta-accuracy-chart" />
      <Table
        size="small"
        pagination={false}
        rowKey="roadClass"
        data-testid="eta-accuracy-classes"
        dataSource={data.byRoadClass}
        columns={[
          { title: t('eta.roadClass'), dataIndex: 'roadClass' },
          { title: t('eta.count'), dataIndex: 'count', align: 'right' },
          {
            title: t('eta.median'),
            dataIndex: 'medianErrorS',
            align: 'right',
            render: (v: number | null) => seconds(v),
          },
          {
            title: t('eta.mae'),
            dataIndex: 'maeS',
            align: 'right',
            render: (v: number | null) => seconds(v),
          },
        ]}
      />
    </div>
  );
}
