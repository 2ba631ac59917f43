import { DownloadOutlined, ReloadOutlined } from '@ant-design/icons';
import { Alert, Button, Card, DatePicker, Segmented, Space, Table, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { type EChartsType, init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorText } from '../dispatch/api';
import { type CheckpointReport, type CheckpointReportRow, perimeterApi, type ReportPeriod } from './api';
import { usePerimeterT } from './usePerimeterT';

use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

const PERIODS: readonly ReportPeriod[] = ['day', 'week', 'month'];
const PICKER: Record<ReportPeriod, 'date' | 'week' | 'month'> = { day: 'date', week: 'week', month: 'month' };

/**
 * 卡口报表: the daily report, weekly bulletin and monthly review per checkpoint (inbound, outbound,
 * hits, handled, invalid reads) with totals and reads per hour, and the same as an .xlsx download.
 */
export function ReportsPanel({ active }: { active: boolean }) {
  const { t } = usePerimeterT();
  const [period, setPeriod] = useState<ReportPeriod>('day');
  const [date, setDate] = useState<Dayjs>(() => dayjs());
  const [report, setReport] = useState<CheckpointReport | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const day = date.format('YYYY-MM-DD');

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setReport(await perimeterApi.report(period, day));
      setError(null);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setLoading(false);
    }
  }, [period, day]);
  // Reloaded whenever the tab is shown: the counts change with every read.
  useEffect(() => {
    if (active) void load();
  }, [active, load]);

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
        <Button icon={<ReloadOutlined />} onClick={() => void load()} loading={loading}>
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
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);

  useEffect(() => {
    if (!container.current) return;
    const created = init(container.current, undefined, { renderer: 'canvas' });
    chart.current = created;
    const observer = new ResizeObserver(() => created.resize());
    observer.observe(container.current);
    return () => {
      observer.disconnect();
      created.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(
      {
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
      },
      { notMerge: true },
    );
  }, [hourly, readsLabel, hitsLabel]);

  return <div ref={container} style={{ width: '100%', height: 220 }} data-testid="report-hourly-chart" />;
}
