import type { IndicatorMeta } from '@citywatch/core/indicators/indicators';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Col, DatePicker, Row, Space, Table, Tag, TreeSelect, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { errorText } from '../../api/client';
import { identityQueries } from '../../api/identity';
import { useSession } from '../../auth/session';
import { Chart, type ChartOption } from '../../charts/Chart';
import { buildOrgTree, toTreeSelect } from '../../shared/orgTree';
import { type IndicatorFigure, indicatorQueries, type PeriodQuery } from './api';
import { plotted, STATUS_COLOR, shanghaiToday, showValue } from './presentation';
import { RowsDrawer } from './RowsDrawer';

/**
 * 评价指标: every module's indicators for an org (default the user's own) over a period, computed
 * live, with target and whether it is met; a chosen indicator's trend from the daily snapshots and
 * the ranking of the stations below; each figure opens the rows it was computed from.
 */
export function MetricsPage() {
  const { t, i18n } = useTranslation('metrics');
  const lang = i18n.language;
  const { state } = useSession();
  const ownOrg = state.status === 'signedIn' ? state.session.user.orgId : undefined;
  const [org, setOrg] = useState<string | undefined>(undefined);
  const today = shanghaiToday();
  const [range, setRange] = useState<[Dayjs, Dayjs]>([dayjs(today).subtract(6, 'day'), dayjs(today)]);
  const [chosen, setChosen] = useState<string>('dispatch.validity_rate');
  const [drill, setDrill] = useState<IndicatorFigure | null>(null);

  const q: PeriodQuery = {
    org: org ?? ownOrg,
    from: range[0].format('YYYY-MM-DD'),
    to: range[1].format('YYYY-MM-DD'),
  };
  const orgs = useQuery(identityQueries.orgs());
  const values = useQuery(indicatorQueries.values(q));
  const trend = useQuery(indicatorQueries.trend(chosen, q));
  const ranking = useQuery(indicatorQueries.ranking(chosen, q));
  const treeData = useMemo(() => toTreeSelect(buildOrgTree(orgs.data ?? [])), [orgs.data]);
  const items = values.data?.items ?? [];
  const meta: IndicatorMeta | undefined = items.find((i) => i.id === chosen);
  const name = (m: IndicatorMeta) => (lang === 'en' ? m.name.en : m.name.zh);

  const trendOption = useMemo<ChartOption | null>(() => {
    if (!meta || !trend.data) return null;
    const points = trend.data.points;
    return {
      animation: false,
      grid: { left: 48, right: 16, top: 24, bottom: 28 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: points.map((p) => p.day.slice(5)) },
      yAxis: { type: 'value', axisLabel: { formatter: meta.unit === 'share' ? '{value}%' : '{value}' } },
      series: [
        {
          name: lang === 'en' ? meta.name.en : meta.name.zh,
          type: 'line',
          data: points.map((p) => plotted(p.value, meta.unit)),
          connectNulls: false,
          itemStyle: { color: '#1677ff' },
          markLine:
            meta.target === null
              ? undefined
              : {
                  symbol: 'none',
                  label: { formatter: t('trend.target') },
                  lineStyle: { color: '#fa541c', type: 'dashed' },
                  data: [{ yAxis: plotted(meta.target, meta.unit) }],
                },
        },
      ],
    };
  }, [meta, trend.data, t, lang]);

  const rankingOption = useMemo<ChartOption | null>(() => {
    if (!meta || !ranking.data || ranking.data.stations.length === 0) return null;
    const stations = [...ranking.data.stations].reverse();
    return {
      animation: false,
      grid: { left: 96, right: 40, top: 8, bottom: 24 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'value', axisLabel: { formatter: meta.unit === 'share' ? '{value}%' : '{value}' } },
      yAxis: { type: 'category', data: stations.map((s) => s.name) },
      series: [
        {
          type: 'bar',
          barMaxWidth: 18,
          data: stations.map((s) => ({
            value: plotted(s.value, meta.unit),
            itemStyle: { color: s.status === 'missed' ? '#ff4d4f' : '#52c41a' },
          })),
          label: { show: true, position: 'right' },
          markLine:
            meta.target === null
              ? undefined
              : {
                  symbol: 'none',
                  lineStyle: { color: '#fa541c', type: 'dashed' },
                  data: [{ xAxis: plotted(meta.target, meta.unit) }],
                },
        },
      ],
    };
  }, [meta, ranking.data]);

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="metrics-page">
      <Card size="small">
        <Space wrap>
          <Typography.Title level={4} style={{ margin: 0 }}>
            {t('page.title')}
          </Typography.Title>
          <span>{t('page.org')}</span>
          <TreeSelect
            style={{ minWidth: 220 }}
            treeData={treeData}
            value={q.org}
            onChange={(v: string) => setOrg(v)}
            treeDefaultExpandAll
            showSearch
            treeNodeFilterProp="title"
            data-testid="metrics-org"
          />
          <span>{t('page.period')}</span>
          <DatePicker.RangePicker
            value={range}
            allowClear={false}
            onChange={(v) => v?.[0] && v[1] && setRange([v[0], v[1]])}
          />
          <Link to="/wall" target="_blank">
            <Button>{t('page.wall')}</Button>
          </Link>
        </Space>
        <Typography.Paragraph type="secondary" style={{ margin: '8px 0 0' }}>
          {t('page.computedLive')}
        </Typography.Paragraph>
      </Card>
      {values.error && (
        <Alert type="error" showIcon message={t('page.loadFailed', { error: errorText(values.error) })} />
      )}
      <Row gutter={16}>
        <Col xs={24} xl={14}>
          <Card size="small">
            <Table<IndicatorFigure>
              size="small"
              rowKey="id"
              loading={values.isLoading}
              dataSource={items}
              pagination={false}
              scroll={{ y: 640 }}
              data-testid="indicator-table"
              rowClassName={(r) => (r.id === chosen ? 'ant-table-row-selected' : '')}
              onRow={(r) => ({ onClick: () => setChosen(r.id), style: { cursor: 'pointer' } })}
              columns={[
                {
                  title: t('table.module'),
                  dataIndex: 'module',
                  width: 90,
                  render: (m: string) => t(`modules.${m}` as 'modules.dispatch', { defaultValue: m }),
                },
                {
                  title: t('table.name'),
                  key: 'name',
                  render: (_, r) => (
                    <span>
                      {name(r)} {r.cityWide && <Tag>{t('table.cityWide')}</Tag>}
                    </span>
                  ),
                },
                {
                  title: t('table.value'),
                  key: 'value',
                  width: 110,
                  render: (_, r) => (
                    <Button
                      type="link"
                      size="small"
                      data-testid={`value-${r.id}`}
                      onClick={(e) => {
                        e.stopPropagation();
                        setDrill(r);
                      }}
                    >
                      {showValue(r.value, r.unit, lang)}
                    </Button>
                  ),
                },
                {
                  title: t('table.target'),
                  key: 'target',
                  width: 90,
                  render: (_, r) =>
                    r.target === null
                      ? '—'
                      : `${r.higherIsBetter ? '≥' : '≤'} ${showValue(r.target, r.unit, lang)}`,
                },
                {
                  title: t('table.status'),
                  dataIndex: 'status',
                  width: 80,
                  render: (s: IndicatorFigure['status']) => (
                    <Tag color={STATUS_COLOR[s]}>{t(`status.${s}`)}</Tag>
                  ),
                },
                {
                  title: t('table.basis'),
                  key: 'basis',
                  width: 90,
                  render: (_, r) =>
                    r.numerator !== null && r.denominator !== null
                      ? `${r.numerator}/${r.denominator}`
                      : (r.denominator ?? '—'),
                },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} xl={10}>
          <Space direction="vertical" size="middle" style={{ width: '100%' }}>
            <Card size="small" title={`${t('trend.title')}${meta ? ` · ${name(meta)}` : ''}`}>
              {trendOption && (trend.data?.points.length ?? 0) > 0 ? (
                <Chart option={trendOption} height={220} testId="trend-chart" />
              ) : (
                <Typography.Text type="secondary">{t('trend.empty')}</Typography.Text>
              )}
            </Card>
            <Card size="small" title={t('ranking.title')}>
              {rankingOption ? (
                <Chart
                  option={rankingOption}
                  height={Math.max(120, (ranking.data?.stations.length ?? 0) * 28 + 40)}
                  testId="ranking-chart"
                />
              ) : (
                <Typography.Text type="secondary">{t('ranking.empty')}</Typography.Text>
              )}
            </Card>
          </Space>
        </Col>
      </Row>
      <RowsDrawer figure={drill} query={q} onClose={() => setDrill(null)} />
    </Space>
  );
}
