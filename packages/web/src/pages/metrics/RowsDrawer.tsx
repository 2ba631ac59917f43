import { useQuery } from '@tanstack/react-query';
import { Alert, Drawer, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import { type Cell, type IndicatorFigure, indicatorQueries, type PeriodQuery } from './api';
import { codeName } from './presentation';

/** The rows a figure was computed from (same org subtree and period), as the server lists them. */
export function RowsDrawer({
  figure,
  query,
  onClose,
}: {
  figure: IndicatorFigure | null;
  query: PeriodQuery;
  onClose: () => void;
}) {
  const { t, i18n } = useTranslation('metrics');
  const rows = useQuery({ ...indicatorQueries.rows(figure?.id ?? '', query), enabled: figure !== null });
  const name = figure ? (i18n.language === 'en' ? figure.name.en : figure.name.zh) : '';
  const show = (v: Cell) => (v === true ? '✓' : v === false ? '✗' : v === null ? '—' : String(v));
  return (
    <Drawer
      open={figure !== null}
      onClose={onClose}
      width={Math.min(1100, window.innerWidth - 80)}
      title={t('rows.title', { name })}
      destroyOnHidden
    >
      {rows.error && <Alert type="error" showIcon message={errorText(rows.error)} />}
      {rows.data && (
        <Typography.Paragraph type="secondary" data-testid="rows-total">
          {t('rows.total', { total: rows.data.total })}
          {rows.data.total > rows.data.rows.length
            ? ` · ${t('rows.shown', { shown: rows.data.rows.length })}`
            : ''}
        </Typography.Paragraph>
      )}
      <Table
        size="small"
        loading={rows.isLoading}
        data-testid="rows-table"
        rowKey={(_, i) => String(i)}
        dataSource={rows.data?.rows ?? []}
        pagination={{ pageSize: 50, showSizeChanger: false }}
        scroll={{ x: true }}
        columns={(rows.data?.columns ?? []).map((c) => ({
          title: i18n.language === 'en' ? c.en : c.zh,
          dataIndex: c.key,
          key: c.key,
          render: (v: Cell) =>
            typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)
              ? new Date(v).toLocaleString(i18n.language === 'en' ? 'en-GB' : 'zh-CN', {
                  timeZone: 'Asia/Shanghai',
                })
              : typeof v === 'string' && figure
                ? codeName(figure.module, c.key, v, i18n.language)
                : show(v),
        }))}
      />
    </Drawer>
  );
}
