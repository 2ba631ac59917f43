import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { CATEGORY_KINDS, HOTLIST_CATEGORIES } from '@citywatch/core/perimeter/hotlist';
import { type QueryClient, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  DatePicker,
  Form,
  Input,
  Modal,
  Select,
  Space,
  Table,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import {
  type HotlistCategory,
  type HotlistEntry,
  type HotlistKind,
  type NewHotlistEntry,
  perimeterApi,
  perimeterKeys,
  perimeterQueries,
} from '../../api/perimeter';
import { useCan, useCurrentUser } from '../../auth/session';
import { formatDateTime } from '../../format';

const MAX_DAYS = 30;
const DAY_MS = 86_400_000;

export const CATEGORY_COLORS: Record<HotlistCategory, string> = {
  stolen_vehicle: 'orange',
  vehicle_in_crime: 'red',
  wanted_person: 'magenta',
  missing_person: 'blue',
};
const STATUS_COLORS = { pending: 'gold', active: 'green', revoked: 'default', expired: 'default' } as const;

type CreateForm = {
  category: HotlistCategory;
  kind: HotlistKind;
  value: string;
  legalBasis: string;
  warrantRef?: string;
  expiresOn: Dayjs;
};

/** Days after today a hotlist expiry may be picked: 1 … 30 (the server caps it at 30 × 24 h from now). */
function outsideValidity(d: Dayjs): boolean {
  const today = dayjs().startOf('day');
  return d.isBefore(today, 'day') || d.isAfter(today.add(MAX_DAYS, 'day'), 'day');
}

/** The chosen day's end, but never later than 30 days from now (nor in the past). */
export function expiryIso(day: Dayjs): string {
  const cap = Date.now() + MAX_DAYS * DAY_MS - 60_000;
  return new Date(Math.min(day.endOf('day').valueOf(), cap)).toISOString();
}

/** An entry as the server now has it: in the list at once, and the list read again. */
function upsert(cache: QueryClient, entry: HotlistEntry): void {
  cache.setQueryData(perimeterQueries.hotlist().queryKey, (list) =>
    list?.some((e) => e.id === entry.id)
      ? list.map((e) => (e.id === entry.id ? entry : e))
      : list && [entry, ...list],
  );
  void cache.invalidateQueries({ queryKey: perimeterKeys.hotlist });
}

/**
 * 布控名单: entries with category, legal basis, creator and a different approver, and an expiry of
 * at most 30 days. Commanders create, approve (never their own: the server answers four_eyes),
 * renew and revoke.
 */
export function HotlistPanel() {
  const { t } = useTranslation('perimeter', { keyPrefix: 'hotlist' });
  const { message } = App.useApp();
  const user = useCurrentUser();
  const can = useCan();
  const canWrite = can('hotlist.write');
  const cache = useQueryClient();
  const hotlist = useQuery(perimeterQueries.hotlist());
  const items = hotlist.data ?? [];
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [dialog, setDialog] = useState<{ mode: 'renew' | 'revoke'; entry: HotlistEntry } | null>(null);
  const loadError = hotlist.error ? errorText(hotlist.error) : null;

  const approval = useMutation({
    mutationFn: (entry: HotlistEntry) => perimeterApi.approveHotlist(entry.id),
    onMutate: () => setError(null),
    onSuccess: (entry) => {
      upsert(cache, entry);
      message.success(t('approved'));
    },
    // The four-eyes refusal (409, field approvedBy/four_eyes) comes with the server's message.
    onError: (err) => setError(errorText(err)),
  });
  const busy = approval.isPending ? approval.variables.id : null;

  const who = (userId: string | null) =>
    userId === null ? '—' : userId === user.id ? t('me') : userId.slice(0, 8);

  return (
    <div data-testid="hotlist-panel">
      <Space style={{ marginBottom: 8 }} wrap>
        {canWrite ? (
          <Button
            type="primary"
            icon={<PlusOutlined />}
            onClick={() => setCreating(true)}
            data-testid="hotlist-create"
          >
            {t('create')}
          </Button>
        ) : null}
        <Button icon={<ReloadOutlined />} onClick={() => void hotlist.refetch()}>
          {t('refresh')}
        </Button>
        <Typography.Text type="secondary">{t('fourEyesHint')}</Typography.Text>
      </Space>
      {(error ?? loadError) ? (
        <Alert
          type="error"
          showIcon
          closable={{ onClose: () => setError(null) }}
          title={error ?? loadError}
          style={{ marginBottom: 8 }}
          data-testid="hotlist-error"
        />
      ) : null}
      <Table<HotlistEntry>
        size="small"
        rowKey="id"
        loading={hotlist.isFetching && items.length === 0}
        dataSource={items}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        locale={{ emptyText: t('empty') }}
        data-testid="hotlist-table"
        onRow={(r) => ({ 'data-testid': `hotlist-row-${r.value}` }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          {
            title: t('value'),
            dataIndex: 'value',
            render: (v: string, r) => (
              <Space size={4}>
                <Typography.Text strong style={{ fontFamily: 'monospace' }}>
                  {v}
                </Typography.Text>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {t(`kinds.${r.kind}`)}
                </Typography.Text>
              </Space>
            ),
          },
          {
            title: t('category'),
            dataIndex: 'category',
            render: (c: HotlistCategory) => <Tag color={CATEGORY_COLORS[c]}>{t(`categories.${c}`)}</Tag>,
          },
          {
            title: t('legalBasis'),
            dataIndex: 'legalBasis',
            render: (v: string, r) => (
              <div style={{ maxWidth: 260 }}>
                <div>{v}</div>
                {r.warrantRef ? (
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {t('warrantRef')}：{r.warrantRef}
                  </Typography.Text>
                ) : null}
              </div>
            ),
          },
          { title: t('creator'), dataIndex: 'createdBy', render: (v: string) => who(v) },
          { title: t('approver'), dataIndex: 'approvedBy', render: (v: string | null) => who(v) },
          {
            title: t('status'),
            key: 'status',
            render: (_: unknown, r) => {
              const s = r.expired ? 'expired' : r.status;
              return (
                <Tooltip title={r.revokeReason ?? undefined}>
                  <Tag color={STATUS_COLORS[s]} data-testid="hotlist-status">
                    {t(`statuses.${s}`)}
                  </Tag>
                </Tooltip>
              );
            },
          },
          {
            title: t('expiresAt'),
            dataIndex: 'expiresAt',
            render: (v: string, r) => {
              const left = new Date(v).getTime() - Date.now();
              return (
                <div>
                  <div>{formatDateTime(v)}</div>
                  {r.status !== 'revoked' && left > 0 ? (
                    <Typography.Text
                      type={left < 3 * DAY_MS ? 'warning' : 'secondary'}
                      style={{ fontSize: 12 }}
                    >
                      {left < DAY_MS ? t('hoursLeft') : t('daysLeft', { count: Math.floor(left / DAY_MS) })}
                    </Typography.Text>
                  ) : null}
                </div>
              );
            },
          },
          ...(canWrite
            ? [
                {
                  title: t('actions'),
                  key: 'actions',
                  render: (_: unknown, r: HotlistEntry) => (
                    <Space size={4}>
                      {r.status === 'pending' ? (
                        <Button
                          size="small"
                          type="primary"
                          loading={busy === r.id}
                          onClick={() => approval.mutate(r)}
                          data-testid="hotlist-approve"
                        >
                          {t('approve')}
                        </Button>
                      ) : null}
                      {r.status === 'active' ? (
                        <Button
                          size="small"
                          onClick={() => setDialog({ mode: 'renew', entry: r })}
                          data-testid="hotlist-renew"
                        >
                          {t('renew')}
                        </Button>
                      ) : null}
                      {r.status !== 'revoked' ? (
                        <Button
                          size="small"
                          danger
                          onClick={() => setDialog({ mode: 'revoke', entry: r })}
                          data-testid="hotlist-revoke"
                        >
                          {t('revoke')}
                        </Button>
                      ) : null}
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      <CreateModal
        open={creating}
        onCancel={() => setCreating(false)}
        onCreated={(entry) => {
          setCreating(false);
          upsert(cache, entry);
          message.success(t('created'));
        }}
      />
      <ChangeModal
        dialog={dialog}
        onCancel={() => setDialog(null)}
        onDone={(entry, mode) => {
          setDialog(null);
          upsert(cache, entry);
          message.success(t(mode === 'renew' ? 'renewed' : 'revoked'));
        }}
      />
    </div>
  );
}

function CreateModal({
  open,
  onCancel,
  onCreated,
}: {
  open: boolean;
  onCancel: () => void;
  onCreated: (entry: HotlistEntry) => void;
}) {
  const { t } = useTranslation('perimeter', { keyPrefix: 'hotlist' });
  const [form] = Form.useForm<CreateForm>();
  const category = Form.useWatch('category', form) ?? 'vehicle_in_crime';
  const kinds = CATEGORY_KINDS[category];
  const create = useMutation({
    mutationFn: (body: NewHotlistEntry) => perimeterApi.createHotlist(body),
    onSuccess: (entry) => {
      form.resetFields();
      onCreated(entry);
    },
  });

  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    create.mutate({
      kind: v.kind,
      value: v.value.trim(),
      category: v.category,
      legalBasis: v.legalBasis.trim(),
      warrantRef: v.warrantRef?.trim() || null,
      expiresAt: expiryIso(v.expiresOn),
    });
  };

  const required = (field: string) => ({
    required: true,
    whitespace: true,
    message: t('required', { field }),
  });

  return (
    <Modal
      open={open}
      title={t('create')}
      onCancel={onCancel}
      onOk={() => void submit()}
      confirmLoading={create.isPending}
      forceRender
    >
      <Form<CreateForm>
        form={form}
        layout="vertical"
        initialValues={{
          category: 'vehicle_in_crime',
          kind: 'plate',
          expiresOn: dayjs().add(MAX_DAYS, 'day'),
        }}
        onValuesChange={(changed: Partial<CreateForm>) => {
          if (changed.category) form.setFieldValue('kind', CATEGORY_KINDS[changed.category][0]);
        }}
      >
        <Form.Item name="category" label={t('category')} rules={[{ required: true }]}>
          <Select
            data-testid="hotlist-category"
            options={HOTLIST_CATEGORIES.map((c) => ({ value: c, label: t(`categories.${c}`) }))}
          />
        </Form.Item>
        <Form.Item name="kind" label={t('kind')} rules={[{ required: true }]}>
          <Select options={kinds.map((k) => ({ value: k, label: t(`kinds.${k}`) }))} />
        </Form.Item>
        <Form.Item name="value" label={t('value')} rules={[required(t('value'))]}>
          <Input maxLength={64} data-testid="hotlist-value" />
        </Form.Item>
        <Form.Item name="legalBasis" label={t('legalBasis')} rules={[required(t('legalBasis'))]}>
          <Input.TextArea
            rows={2}
            maxLength={500}
            placeholder={t('legalBasisPlaceholder')}
            data-testid="hotlist-legal-basis"
          />
        </Form.Item>
        {category === 'wanted_person' ? (
          <Form.Item name="warrantRef" label={t('warrantRef')} rules={[required(t('warrantRef'))]}>
            <Input maxLength={100} placeholder={t('warrantRefPlaceholder')} data-testid="hotlist-warrant" />
          </Form.Item>
        ) : null}
        <Form.Item
          name="expiresOn"
          label={t('expiresAt')}
          extra={t('expiryHint')}
          rules={[{ required: true, message: t('required', { field: t('expiresAt') }) }]}
        >
          <DatePicker disabledDate={outsideValidity} allowClear={false} data-testid="hotlist-expiry" />
        </Form.Item>
      </Form>
      {create.error ? (
        <Alert type="error" showIcon title={errorText(create.error)} data-testid="hotlist-create-error" />
      ) : null}
    </Modal>
  );
}

function ChangeModal({
  dialog,
  onCancel,
  onDone,
}: {
  dialog: { mode: 'renew' | 'revoke'; entry: HotlistEntry } | null;
  onCancel: () => void;
  onDone: (entry: HotlistEntry, mode: 'renew' | 'revoke') => void;
}) {
  const { t } = useTranslation('perimeter', { keyPrefix: 'hotlist' });
  const [form] = Form.useForm<{ expiresOn?: Dayjs; reason?: string }>();
  const mode = dialog?.mode ?? 'renew';
  const change = useMutation({
    mutationFn: ({
      entry,
      values,
    }: {
      entry: HotlistEntry;
      values: { expiresOn?: Dayjs; reason?: string };
    }) =>
      mode === 'renew'
        ? perimeterApi.renewHotlist(entry.id, expiryIso(values.expiresOn ?? dayjs().add(MAX_DAYS, 'day')))
        : perimeterApi.revokeHotlist(entry.id, (values.reason ?? '').trim()),
    onSuccess: (entry) => onDone(entry, mode),
  });
  const { reset } = change;

  useEffect(() => {
    if (!dialog) return;
    reset();
    form.resetFields();
  }, [dialog, form, reset]);

  const submit = async () => {
    if (!dialog) return;
    const values = await form.validateFields().catch(() => null);
    if (values) change.mutate({ entry: dialog.entry, values });
  };

  return (
    <Modal
      open={dialog !== null}
      title={t(mode === 'renew' ? 'renewTitle' : 'revokeTitle', {
        value: dialog?.entry.value ?? '',
      })}
      onCancel={onCancel}
      onOk={() => void submit()}
      okButtonProps={{ danger: mode === 'revoke' }}
      confirmLoading={change.isPending}
      forceRender
    >
      <Form form={form} layout="vertical" initialValues={{ expiresOn: dayjs().add(MAX_DAYS, 'day') }}>
        {mode === 'renew' ? (
          <Form.Item name="expiresOn" label={t('expiresAt')} extra={t('expiryHint')}>
            <DatePicker disabledDate={outsideValidity} allowClear={false} />
          </Form.Item>
        ) : (
          <Form.Item
            name="reason"
            label={t('revokeReason')}
            rules={[
              {
                required: true,
                whitespace: true,
                min: 2,
                message: t('required', { field: t('revokeReason') }),
              },
            ]}
          >
            <Input.TextArea rows={2} maxLength={500} data-testid="hotlist-revoke-reason" />
          </Form.Item>
        )}
      </Form>
      {change.error ? <Alert type="error" showIcon title={errorText(change.error)} /> : null}
    </Modal>
  );
}
