import { useQuery } from '@tanstack/react-query';
import { Alert, Card, Segmented, Space, Table, Tag, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import { type TourTally, videoApi, videoKeys } from '../../video/api';

const DAY = 86_400_000;
const BEIJING = 8 * 3_600_000;

type Window = 'today' | 'week' | 'month';
type Grouping = 'tour' | 'shift' | 'operator';

/** From Beijing midnight `days - 1` days ago to now (the server counts shifts begun in it). */
function windowOf(w: Window, now: number): { from: string; to: string } {
  const days = w === 'today' ? 1 : w === 'week' ? 7 : 30;
  const midnight = Math.floor((now + BEIJING) / DAY) * DAY - BEIJING;
  return { from: new Date(midnight - (days - 1) * DAY).toISOString(), to: new Date(now).toISOString() };
}

/** `11-24 20:00` in Beijing time. */
function beijingShort(iso: string): string {
  return new Date(new Date(iso).getTime() + BEIJING).toISOString().slice(5, 16).replace('T', ' ');
}

type TallyRow = TourTally & { key: string; label: string };

/**
 * Whether the tours were walked: per tour, per shift or per operator over today, 7 or 30 days —
 * shifts scheduled (begun), done, missed and escalated to the commanders, findings; and the
 * missed shifts one by one.
 */
export function TourReportPanel() {
  const { t } = useTranslation('video', { keyPrefix: 'report' });
  const { t: tt } = useTranslation('video', { keyPrefix: 'tours' });
  const [span, setSpan] = useState<Window>('week');
  const [grouping, setGrouping] = useState<Grouping>('tour');
  // The window's end is fixed when the choice changes (not on every render).
  const range = useMemo(() => windowOf(span, Date.now()), [span]);
  const report = useQuery({
    queryKey: [...videoKeys.all, 'tour-report', range.from, range.to],
    queryFn: ({ signal }) => videoApi.report(range.from, range.to, signal),
  });
  const summary = report.data?.summary;
  const tallies: TallyRow[] =
    grouping === 'tour'
      ? (summary?.byTour ?? []).map((r) => ({ ...r, key: r.tourId, label: r.tourName }))
      : (summary?.byShift ?? [])
          .map((r) => ({
            ...r,
            key: r.shiftStart,
            label: `${beijingShort(r.shiftStart)} ${tt(`shift.${r.shift}`)}`,
          }))
          .reverse();
  const missed = (report.data?.rows ?? []).filter((r) => r.missed);
  const count = (n: number, color?: string) => (n > 0 && color ? <Tag color={color}>{n}</Tag> : n);

  return (
    <Card size="small" title={t('title')} data-testid="tour-report">
      <Space orientation="vertical" style={{ width: '100%' }} size={8}>
        <Segmented<Window>
          size="small"
          value={span}
          onChange={setSpan}
          options={(['today', 'week', 'month'] as const).map((w) => ({ value: w, label: t(`window.${w}`) }))}
        />
        <Segmented<Grouping>
          size="small"
          value={grouping}
          onChange={setGrouping}
          options={(['tour', 'shift', 'operator'] as const).map((g) => ({
            value: g,
            label: <span data-testid={`tour-report-by-${g}`}>{t(`by.${g}`)}</span>,
          }))}
        />
        {report.error ? <Alert type="error" showIcon title={errorText(report.error)} /> : null}
        {grouping === 'operator' ? (
          <Table
            size="small"
            loading={report.isLoading}
            pagination={false}
            rowKey="operator"
            dataSource={summary?.byOperator ?? []}
            data-testid="tour-report-table"
            columns={[
              { title: t('col.operator'), dataIndex: 'operator' },
              { title: t('col.runs'), dataIndex: 'runs', align: 'right' },
              { title: t('col.done'), dataIndex: 'done', align: 'right' },
              {
                title: t('col.unfinished'),
                dataIndex: 'unfinished',
                align: 'right',
                render: (n: number) => count(n, 'orange'),
              },
              { title: t('col.findings'), dataIndex: 'findings', align: 'right' },
            ]}
          />
        ) : (
          <Table<TallyRow>
            size="small"
            loading={report.isLoading}
            pagination={grouping === 'shift' ? { pageSize: 8, size: 'small' } : false}
            rowKey="key"
            dataSource={tallies}
            data-testid="tour-report-table"
            columns={[
              { title: grouping === 'tour' ? t('col.tour') : t('col.shift'), dataIndex: 'label' },
              { title: t('col.scheduled'), dataIndex: 'scheduled', align: 'right' },
              { title: t('col.done'), dataIndex: 'done', align: 'right' },
              {
                title: t('col.missed'),
                dataIndex: 'missed',
                align: 'right',
                render: (n: number) => count(n, 'red'),
              },
              {
                title: t('col.escalated'),
                dataIndex: 'escalated',
                align: 'right',
                render: (n: number) => count(n, 'volcano'),
              },
              { title: t('col.findings'), dataIndex: 'findings', align: 'right' },
            ]}
          />
        )}
        {missed.length > 0 ? (
          <div data-testid="tour-report-missed">
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('missedList', { count: missed.length })}
            </Typography.Text>
            {missed
              .slice(-5)
              .reverse()
              .map((r) => (
                <div key={`${r.tourId}|${r.shiftStart}`} style={{ fontSize: 12 }}>
                  {r.tourName} · {beijingShort(r.shiftStart)} {tt(`shift.${r.shift}`)}{' '}
                  {r.escalated ? (
                    <Tag color="volcano">{t('escalatedTag')}</Tag>
                  ) : (
                    <Tag>{t('notYetEscalated')}</Tag>
                  )}
                </div>
              ))}
          </div>
        ) : null}
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('note')}
        </Typography.Text>
      </Space>
    </Card>
  );
}
