import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  DatePicker,
  Empty,
  Form,
  Input,
  InputNumber,
  Select,
  Space,
  Table,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import dayjs from 'dayjs';
import { type HTMLAttributes, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/client';
import { useCan } from '../../auth/session';
import { type Alarm, explosivesApi, type Permit } from './api';
import { TransportTab } from './TransportMap';

const errorText = (e: unknown) =>
  e instanceof ApiError
    ? [e.display, ...e.errors.map((x) => `${x.field}: ${x.message || x.rule}`)].join(' · ')
    : String(e);

/** 民爆物品: one page with tabs for permits, magazines, ledger, daily close and alarms. */
export function ExplosivesPage() {
  const { t } = useTranslation('explosives');
  const units = useQuery({ queryKey: ['explosives', 'units'], queryFn: explosivesApi.units });
  const [picked, setPicked] = useState<string | undefined>();
  const enterprise = picked ?? units.data?.[0]?.id;
  return (
    <div style={{ padding: 16 }}>
      <Space style={{ marginBottom: 12 }} wrap>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('page.title')}
        </Typography.Title>
        <Select
          style={{ minWidth: 240 }}
          placeholder={t('page.pickEnterprise')}
          value={enterprise}
          onChange={setPicked}
          options={(units.data ?? []).map((u) => ({ value: u.id, label: u.name }))}
          aria-label={t('page.enterprise')}
        />
      </Space>
      <Tabs
        items={[
          { key: 'permits', label: t('tabs.permits'), children: <PermitsTab enterprise={enterprise} /> },
          {
            key: 'magazines',
            label: t('tabs.magazines'),
            children: <MagazinesTab enterprise={enterprise} />,
          },
          { key: 'ledger', label: t('tabs.ledger'), children: <LedgerTab enterprise={enterprise} /> },
          { key: 'close', label: t('tabs.close'), children: <CloseTab enterprise={enterprise} /> },
          { key: 'alarms', label: t('tabs.alarms'), children: <AlarmsTab /> },
          {
            key: 'transport',
            label: t('tabs.transport'),
            children: <TransportTab enterprise={enterprise} />,
          },
        ]}
      />
    </div>
  );
}

function PermitsTab({ enterprise }: { enterprise: string | undefined }) {
  const { t } = useTranslation('explosives');
  const can = useCan();
  const cache = useQueryClient();
  const { message } = App.useApp();
  const permits = useQuery({ queryKey: ['explosives', 'permits'], queryFn: explosivesApi.permits });
  const products = useQuery({ queryKey: ['explosives', 'products'], queryFn: explosivesApi.products });
  const [form] = Form.useForm();
  const kind = Form.useWatch('kind', form) as 'purchase' | 'transport' | undefined;
  const refresh = () => cache.invalidateQueries({ queryKey: ['explosives', 'permits'] });
  const apply = useMutation({
    mutationFn: (v: Record<string, unknown>) =>
      explosivesApi.apply({
        ...(enterprise ? { enterpriseId: enterprise } : {}),
        kind: v.kind as 'purchase' | 'transport',
        validFrom: (v.validFrom as dayjs.Dayjs).format('YYYY-MM-DD'),
        validTo: (v.validTo as dayjs.Dayjs).format('YYYY-MM-DD'),
        items: [{ product: v.product as string, quantity: v.quantity as number }],
        route: (v.route as string) ?? '',
        vehicle: (v.vehicle as string) ?? '',
        escort: (v.escort as string) ?? '',
      }),
    onSuccess: () => {
      message.success(t('permits.submitted'));
      form.resetFields(['quantity', 'route', 'vehicle', 'escort']);
      refresh();
    },
    onError: (e) => message.error(errorText(e)),
  });
  const approve = useMutation({
    mutationFn: explosivesApi.approve,
    onSuccess: refresh,
    onError: (e) => message.error(errorText(e)),
  });
  const statusTag = (p: Permit) => (
    <Tag color={p.status === 'approved' ? 'green' : p.status === 'refused' ? 'red' : 'gold'}>
      {t(`permits.${p.status}`)}
    </Tag>
  );
  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      {can('explosives.apply') && (
        <Card size="small" title={t('permits.apply')}>
          <Form
            form={form}
            layout="inline"
            initialValues={{ kind: 'purchase', validFrom: dayjs(), validTo: dayjs().add(30, 'day') }}
            onFinish={(v) => apply.mutate(v)}
          >
            <Form.Item name="kind" label={t('permits.kind')}>
              <Select
                style={{ width: 130 }}
                options={[
                  { value: 'purchase', label: t('permits.purchase') },
                  { value: 'transport', label: t('permits.transport') },
                ]}
              />
            </Form.Item>
            <Form.Item name="validFrom" label={t('permits.validFrom')} rules={[{ required: true }]}>
              <DatePicker />
            </Form.Item>
            <Form.Item name="validTo" label={t('permits.validTo')} rules={[{ required: true }]}>
              <DatePicker />
            </Form.Item>
            <Form.Item name="product" label={t('permits.product')} rules={[{ required: true }]}>
              <Select
                data-testid="permit-product"
                style={{ width: 150 }}
                options={(products.data?.items ?? []).map((p) => ({
                  value: p.code,
                  label: `${p.name} ${p.code}`,
                }))}
              />
            </Form.Item>
            <Form.Item name="quantity" label={t('permits.quantity')} rules={[{ required: true }]}>
              <InputNumber min={0.001} data-testid="permit-quantity" />
            </Form.Item>
            {kind === 'transport' && (
              <>
                <Form.Item name="route" label={t('permits.route')} rules={[{ required: true }]}>
                  <Input style={{ width: 220 }} />
                </Form.Item>
                <Form.Item name="vehicle" label={t('permits.vehicle')} rules={[{ required: true }]}>
                  <Input style={{ width: 120 }} />
                </Form.Item>
                <Form.Item name="escort" label={t('permits.escort')}>
                  <Input style={{ width: 120 }} />
                </Form.Item>
              </>
            )}
            <Form.Item>
              <Button type="primary" htmlType="submit" loading={apply.isPending} data-testid="permit-submit">
                {t('permits.submit')}
              </Button>
            </Form.Item>
          </Form>
        </Card>
      )}
      {permits.error && (
        <Alert type="error" message={t('page.loadFailed', { error: errorText(permits.error) })} />
      )}
      <Table<Permit>
        rowKey="id"
        size="small"
        onRow={(p) => ({ 'data-testid': `permit-row-${p.id}` }) as HTMLAttributes<HTMLElement>}
        dataSource={permits.data?.items ?? []}
        locale={{ emptyText: t('permits.none') }}
        pagination={{ pageSize: 10 }}
        columns={[
          {
            title: 'ID',
            dataIndex: 'id',
            render: (id: string) => <Typography.Text code>{id.slice(-12)}</Typography.Text>,
          },
          {
            title: t('permits.kind'),
            dataIndex: 'kind',
            render: (k: string) => t(`permits.${k}` as 'permits.purchase'),
          },
          { title: t('permits.validFrom'), render: (_, p) => `${p.validFrom} – ${p.validTo}` },
          {
            title: t('permits.items'),
            render: (_, p) =>
              p.items.map((i) => (
                <div key={i.product}>
                  {i.product} {t('permits.remaining', { remaining: i.remaining, quantity: i.quantity })}
                </div>
              )),
          },
          {
            title: t('permits.status'),
            render: (_, p) => <span data-testid="permit-status">{statusTag(p)}</span>,
          },
          {
            title: t('permits.approvals'),
            render: (_, p) => (
              <Space>
                <span data-testid="permit-approvals">{t('permits.fourEyes', { n: p.approvals })}</span>
                {can('explosives.approve') && p.status === 'applied' && (
                  <Button
                    size="small"
                    data-testid="permit-approve"
                    onClick={() => approve.mutate(p.id)}
                    loading={approve.isPending}
                  >
                    {t('permits.approve')}
                  </Button>
                )}
              </Space>
            ),
          },
        ]}
      />
    </Space>
  );
}

function MagazinesTab({ enterprise }: { enterprise: string | undefined }) {
  const { t } = useTranslation('explosives');
  const mags = useQuery({
    queryKey: ['explosives', 'magazines', enterprise],
    queryFn: () => explosivesApi.magazines(enterprise as string),
    enabled: !!enterprise,
  });
  if (!enterprise) return <Empty description={t('page.pickEnterprise')} />;
  const rows = (mags.data?.items ?? []).flatMap((m) =>
    m.stock.map((s) => ({ key: `${m.name}/${s.product}`, name: m.name, ...s })),
  );
  return (
    <Table
      size="small"
      dataSource={rows}
      locale={{ emptyText: t('magazines.none') }}
      columns={[
        { title: t('magazines.name'), dataIndex: 'name' },
        { title: t('magazines.product'), dataIndex: 'product' },
        { title: t('magazines.quantity'), dataIndex: 'quantity' },
        { title: t('magazines.capacity'), dataIndex: 'capacity', render: (c: number | null) => c ?? '—' },
      ]}
    />
  );
}

function LedgerTab({ enterprise }: { enterprise: string | undefined }) {
  const { t } = useTranslation('explosives');
  const ledger = useQuery({
    queryKey: ['explosives', 'ledger', enterprise],
    queryFn: () => explosivesApi.ledger(enterprise as string),
    enabled: !!enterprise,
  });
  if (!enterprise) return <Empty description={t('page.pickEnterprise')} />;
  return (
    <Table
      rowKey="id"
      size="small"
      dataSource={ledger.data?.items ?? []}
      columns={[
        {
          title: t('ledger.at'),
          dataIndex: 'at',
          render: (a: string) => dayjs(a).format('YYYY-MM-DD HH:mm'),
        },
        { title: t('ledger.from'), dataIndex: 'from' },
        { title: t('ledger.to'), dataIndex: 'to' },
        { title: t('ledger.product'), dataIndex: 'product' },
        { title: t('ledger.quantity'), dataIndex: 'quantity' },
        {
          title: t('ledger.serials'),
          dataIndex: 'serials',
          render: (s: string[]) =>
            s.length > 2 ? `${s[0]} … ${s[s.length - 1]} (${s.length})` : s.join(', '),
        },
        { title: t('ledger.permit'), dataIndex: 'permit', render: (p: string | null) => p?.slice(-12) ?? '' },
      ]}
    />
  );
}

function CloseTab({ enterprise }: { enterprise: string | undefined }) {
  const { t } = useTranslation('explosives');
  const { message } = App.useApp();
  const [result, setResult] = useState<string[] | null>(null);
  const count = useMutation({
    mutationFn: (v: { date: dayjs.Dayjs; account: string; product: string; counted: number }) =>
      explosivesApi.count(enterprise as string, v.date.format('YYYY-MM-DD'), [
        { account: v.account, product: v.product, counted: v.counted },
      ]),
    onSuccess: (r) =>
      setResult(
        r.variances.map((v) =>
          t('close.variance', { ...v, book: String(v.book), counted: String(v.counted) }),
        ),
      ),
    onError: (e) => message.error(errorText(e)),
  });
  if (!enterprise) return <Empty description={t('page.pickEnterprise')} />;
  return (
    <Space direction="vertical">
      <Form
        layout="inline"
        initialValues={{ date: dayjs(), account: 'magazine:' }}
        onFinish={(v) => count.mutate(v)}
      >
        <Form.Item name="date" label={t('close.date')} rules={[{ required: true }]}>
          <DatePicker />
        </Form.Item>
        <Form.Item name="account" label={t('close.account')} rules={[{ required: true }]}>
          <Input style={{ width: 160 }} />
        </Form.Item>
        <Form.Item name="product" label={t('magazines.product')} rules={[{ required: true }]}>
          <Input style={{ width: 120 }} />
        </Form.Item>
        <Form.Item name="counted" label={t('close.counted')} rules={[{ required: true }]}>
          <InputNumber min={0} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={count.isPending}>
          {t('close.submit')}
        </Button>
      </Form>
      {result &&
        (result.length === 0 ? (
          <Alert type="success" message={t('close.balanced')} />
        ) : (
          result.map((r) => <Alert key={r} type="error" message={r} />)
        ))}
      <MonthCloseCard enterprise={enterprise} />
    </Space>
  );
}

/** 月结: a month closed from its daily closes (refused while a day is unclosed), and the closed months. */
function MonthCloseCard({ enterprise }: { enterprise: string }) {
  const { t } = useTranslation('explosives');
  const { message } = App.useApp();
  const cache = useQueryClient();
  const [month, setMonth] = useState(() => dayjs().subtract(1, 'month'));
  const closes = useQuery({
    queryKey: ['explosives', 'month-closes', enterprise],
    queryFn: () => explosivesApi.monthCloses(enterprise),
  });
  const close = useMutation({
    mutationFn: () => explosivesApi.closeMonth(enterprise, month.format('YYYY-MM')),
    onSuccess: (r) => {
      message.success(t('month.closed', { month: r.month }));
      cache.invalidateQueries({ queryKey: ['explosives', 'month-closes', enterprise] });
    },
    onError: (e) => message.error(errorText(e)),
  });
  return (
    <Card size="small" title={t('month.title')} data-testid="month-close">
      <Space style={{ marginBottom: 8 }}>
        <DatePicker picker="month" value={month} onChange={(m) => m && setMonth(m)} allowClear={false} />
        <Button
          type="primary"
          onClick={() => close.mutate()}
          loading={close.isPending}
          data-testid="month-close-submit"
        >
          {t('month.submit')}
        </Button>
      </Space>
      <Table
        size="small"
        rowKey={(r) => `${r.month}${r.account}${r.product}`}
        pagination={false}
        locale={{ emptyText: t('month.none') }}
        dataSource={(closes.data?.items ?? []).flatMap((m) =>
          m.lines.length > 0
            ? m.lines.map((l) => ({ month: m.month, ...l }))
            : [
                {
                  month: m.month,
                  account: '—',
                  product: '—',
                  opening: 0,
                  received: 0,
                  issued: 0,
                  closing: 0,
                  counted: null,
                  variance: 0,
                  varianceDays: 0,
                  carriedIn: 0,
                },
              ],
        )}
        columns={[
          { title: t('month.month'), dataIndex: 'month' },
          { title: t('close.account'), dataIndex: 'account' },
          { title: t('magazines.product'), dataIndex: 'product' },
          { title: t('month.opening'), dataIndex: 'opening' },
          { title: t('month.received'), dataIndex: 'received' },
          { title: t('month.issued'), dataIndex: 'issued' },
          { title: t('month.closing'), dataIndex: 'closing' },
          { title: t('close.counted'), dataIndex: 'counted', render: (c: number | null) => c ?? '—' },
          {
            title: t('month.variance'),
            dataIndex: 'variance',
            render: (v: number, r) => (
              <span style={{ color: v !== 0 || r.carriedIn !== 0 ? 'red' : undefined }}>
                {v}
                {r.carriedIn !== 0 ? ` ${t('month.carried', { n: r.carriedIn })}` : ''}
              </span>
            ),
          },
        ]}
      />
    </Card>
  );
}

function AlarmsTab() {
  const { t } = useTranslation('explosives');
  const can = useCan();
  const cache = useQueryClient();
  const alarms = useQuery({
    queryKey: ['explosives', 'alarms'],
    queryFn: explosivesApi.alarms,
    refetchInterval: 30_000,
  });
  const report = useMutation({
    mutationFn: explosivesApi.report,
    onSuccess: () => cache.invalidateQueries({ queryKey: ['explosives', 'alarms'] }),
  });
  return (
    <Table<Alarm>
      rowKey="id"
      size="small"
      dataSource={alarms.data?.items ?? []}
      locale={{ emptyText: t('alarms.none') }}
      columns={[
        {
          title: t('alarms.kind'),
          dataIndex: 'kind',
          render: (k: string) => <Tag color="red">{t(`alarms.${k}` as 'alarms.variance')}</Tag>,
        },
        { title: t('alarms.subject'), dataIndex: 'subject' },
        {
          title: t('alarms.raised'),
          dataIndex: 'raisedAt',
          render: (a: string) => dayjs(a).format('MM-DD HH:mm'),
        },
        {
          title: t('alarms.due'),
          render: (_, a) =>
            a.reportedAt ? (
              t('alarms.reported', { at: dayjs(a.reportedAt).format('MM-DD HH:mm') })
            ) : (
              <Space>
                <span style={{ color: dayjs(a.reportDueAt).isBefore(dayjs()) ? 'red' : undefined }}>
                  {dayjs(a.reportDueAt).format('MM-DD HH:mm')}
                  {a.escalatedAt
                    ? ` ${t('alarms.escalated')}`
                    : dayjs(a.reportDueAt).isBefore(dayjs())
                      ? ` ${t('alarms.overdue')}`
                      : ''}
                </span>
                {can('explosives.post') && (
                  <Button size="small" onClick={() => report.mutate(a.id)}>
                    {t('alarms.report')}
                  </Button>
                )}
              </Space>
            ),
        },
      ]}
    />
  );
}
