import { DownloadOutlined, ReloadOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, DatePicker, Segmented, Space, Table, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import {
  type CheckpointReport,
  type CheckpointReportRow,
  perimeterApi,
  perimeterQueries,
  type ReportPeriod,
} from '../../api/perimeter';
import { Chart, type ChartOption } from '../../charts/Chart';

const PERIODS: readonly ReportPeriod[] = ['day', 'week', 'month'];
const PICKER: Record<ReportPeriod, 'date' | 'week' | 'month'> = { day: 'date', week: 'week', month: 'month' };

/**
 * 卡口报表: the daily report, weekly bulletin and monthly review per checkpoint (inbound, outbound,
 * hits, handled, invalid reads) with totals and reads per hour, and the same as an .xlsx download.
 */
export function ReportsPanel({ active }: { active: boolean }) {
  const { t } = useTranslation('perimeter');
  const [period, setPeriod] = useState<ReportPeriod>('day');
  const [date, setDate] = useState<Dayjs>(() => dayjs());
  const day = date.format('YYYY-MM-DD');
  // Read when the tab is shown (and again each time it is shown: counts change with every read).
  const query = useQuery({ ...perimeterQueries.report(period, day), enabled: active });
  const report = query.data ?? null;
  const error = query.error ? errorText(query.error) : null;

  const n = (key: keyof CheckpointReportRow) => (rows: readonly CheckpointReportRow[]) =>
    rows.reduce((a, r) => a + Number(r[key]), 0);

  return (
    <div data-testid="reports-panel">
      <Space style={{ marginBottom: 8 }} wrap>
        <Segmented<ReportPeriod>
          value={period}
          onChange={setPeriod}
          options={PERIODS.map((p) => ({ value: p, label: t(`reports.periods.${p}`) }))}
          data-testid="report-period"
        />
        <DatePicker
          value={date}
          picker={PICKER[period]}
          allowClear={false}
          onChange={(d) => d && setDate(d)}
          data-testid="report-date"
        />
        <Button icon={<ReloadOutlined />} onClick={() => void query.refetch()} loading={query.isFetching}>
          {t('hotlist.refresh')}
        </Button>
        <Button
          icon={<DownloadOutlined />}
          href={perimeterApi.reportXlsxUrl(period, day)}
          download
          data-testid="report-export"
        >
          {t('reports.export')}
        </Button>
      </Space>
      {error ? <Alert type="error" showIcon title={error} style={{ marginBottom: 8 }} /> : null}
      {report ? (
        <>
          <Typography.Title level={5} style={{ marginTop: 0 }} data-testid="report-title">
            {report.title}（{report.label}）
          </Typography.Title>
          <Table<CheckpointReportRow>
            size="small"
            rowKey="checkpointId"
            dataSource={report.checkpoints}
            pagination={false}
            locale={{ emptyText: t('reports.empty') }}
            data-testid="report-table"
            onRow={(r) =>
              ({ 'data-testid': `report-row-${r.checkpointId}` }) as React.HTMLAttributes<HTMLElement>
            }
            columns={[
              { title: t('reports.checkpointId'), dataIndex: 'checkpointId' },
              { title: t('reports.checkpoint'), dataIndex: 'name' },
              { title: t('reports.ring'), dataIndex: 'ring', render: (v: string | null) => v ?? '—' },
              { title: t('reports.readsIn'), dataIndex: 'readsIn', align: 'right' },
              { title: t('reports.readsOut'), dataIndex: 'readsOut', align: 'right' },
              {
                title: t('reports.hits'),
                dataIndex: 'hits',
                align: 'right',
                onCell: () => ({ 'data-col': 'hits' }) as React.HTMLAttributes<HTMLElement>,
              },
              {
                title: t('reports.actionsTaken'),
                dataIndex: 'actionsTaken',
                align: 'right',
                onCell: () => ({ 'data-col': 'actionsTaken' }) as React.HTMLAttributes<HTMLElement>,
              },
              { title: t('reports.invalid'), dataIndex: 'invalid', align: 'right' },
            ]}
            summary={(rows) => (
              <Table.Summary.Row data-testid="report-totals" style={{ fontWeight: 600 }}>
                <Table.Summary.Cell index={0} colSpan={3}>
                  {t('reports.total')}
                </Table.Summary.Cell>
                <Table.Summary.Cell index={3} align="right">
                  {n('readsIn')(rows)}
                </Table.Summary.Cell>
                <Table.Summary.Cell index={4} align="right">
                  {n('readsOut')(rows)}
                </Table.Summary.Cell>
                <Table.Summary.Cell index={5} align="right">
                  <span data-testid="report-total-hits">{report.totals.hits}</span>
                </Table.Summary.Cell>
                <Table.Summary.Cell index={6} align="right">
                  <span data-testid="report-total-actions">{report.totals.actionsTaken}</span>
                </Table.Summary.Cell>
                <Table.Summary.Cell index={7} align="right">
                  {report.totals.invalid}
                </Table.Summary.Cell>
              </Table.Summary.Row>
            )}
          />
          <Card size="small" title={t('reports.hourly')} style={{ marginTop: 12 }}>
            <HourlyChart
              hourly={report.hourly}
              readsLabel={t('reports.reads')}
              hitsLabel={t('reports.hits')}
            />
          </Card>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t('reports.noPlates')}
          </Typography.Text>
        </>
      ) : null}
    </div>
  );
}

function HourlyChart({
  hourly,
  readsLabel,
  hitsLabel,
}: {
  hourly: CheckpointReport['hourly'];
  readsLabel: string;
  hitsLabel: string;
}) {
  const option = useMemo<ChartOption>(
    () => ({
      animation: false,
      grid: { left: 44, right: 36, top: 28, bottom: 22 },
      legend: { top: 0, itemWidth: 12, itemHeight: 8, textStyle: { fontSize: 12 } },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: hourly.map((h) => `${String(h.hour).padStart(2, '0')}时`) },
      yAxis: [
        { type: 'value', minInterval: 1 },
        { type: 'value', minInterval: 1, splitLine: { show: false } },
      ],
      series: [
        {
          name: readsLabel,
          type: 'bar',
          data: hourly.map((h) => h.reads),
          itemStyle: { color: '#1677ff' },
          barMaxWidth: 18,
        },
        {
          name: hitsLabel,
          type: 'bar',
          yAxisIndex: 1,
          data: hourly.map((h) => h.hits),
          itemStyle: { color: '#cf1322' },
          barMaxWidth: 18,
        },
      ],
    }),
    [hourly, readsLabel, hitsLabel],
  );
  return <Chart option={option} height={220} testId="report-hourly-chart" />;
}
