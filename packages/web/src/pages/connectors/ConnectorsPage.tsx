import {
  DeleteOutlined,
  EditOutlined,
  PlayCircleOutlined,
  PlusOutlined,
  ReloadOutlined,
  UploadOutlined,
} from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  type ButtonProps,
  Card,
  Descriptions,
  Drawer,
  Form,
  Input,
  InputNumber,
  Popconfirm,
  Select,
  Space,
  Switch,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
  Upload,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, errorText } from '../../api/client';
import { formatDateTime } from '../../format';
import {
  type Connector,
  type CreateConnector,
  connectorKeys,
  connectorQueries,
  connectorsApi,
  type Run,
  type SourceKind,
  type Target,
  type TargetId,
  type UpdateConnector,
} from './api';

const STATUS_COLORS: Record<Run['status'], string> = {
  running: 'processing',
  succeeded: 'success',
  failed: 'error',
  refused: 'warning',
};

type FormValues = {
  name: string;
  kind: SourceKind;
  url?: string;
  timeoutMs?: number;
  topic?: string;
  intervalMinutes?: number;
  target: TargetId;
  tz: string;
  batchSize: number;
  columns: Record<string, string | undefined>;
};

/** 数据融合: connectors (file, HTTP pull, MQTT) and their runs with the quality report of each. */
export function ConnectorsPage() {
  const { t, i18n } = useTranslation('connectors');
  const { message } = App.useApp();
  const qc = useQueryClient();
  const zh = i18n.language !== 'en';
  const targets = useQuery(connectorQueries.targets());
  const list = useQuery(connectorQueries.list());
  const runs = useQuery(connectorQueries.runs());
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Connector | null>(null);
  const refresh = () => void qc.invalidateQueries({ queryKey: connectorKeys.all });
  const targetOf = (id: TargetId) => targets.data?.items.find((x) => x.id === id);
  const label = (l: { zh: string; en: string } | undefined) => (l ? (zh ? l.zh : l.en) : '');
  /** A stored run error in the reader's language: its code's words, then the detail as recorded. */
  const runErrorText = (e: { code: string; message: string }) => {
    const key = `runErrors.${e.code}`;
    const words = t(key as 'runErrors.internal');
    if (words === key) return e.message;
    return e.message && e.code !== 'mapping_refused' ? `${words}（${e.message}）` : words;
  };

  const run = useMutation({
    mutationFn: ({ id, content }: { id: string; content?: string }) => connectorsApi.run(id, content),
    onSuccess: (r) => {
      refresh();
      if (r.status === 'succeeded')
        void message.success(t('ran', { read: r.report?.read ?? 0, written: r.written }));
      else void message.error(t('runFailed', { message: r.error ? runErrorText(r.error) : r.status }));
    },
    onError: (err) => {
      refresh();
      void message.error(errorText(err));
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => connectorsApi.remove(id),
    onSuccess: (r) => {
      refresh();
      void message.success(t('removed', { n: r.runsDeleted }));
    },
    onError: (err) => void message.error(errorText(err)),
  });
  const toggle = useMutation({
    mutationFn: ({ id, enabled }: { id: string; enabled: boolean }) => connectorsApi.setEnabled(id, enabled),
    onSuccess: refresh,
    onError: (err) => void message.error(errorText(err)),
  });

  const connectorColumns: TableColumnsType<Connector> = [
    { title: t('name'), dataIndex: 'name' },
    { title: t('target'), dataIndex: 'target', render: (v: TargetId) => label(targetOf(v)?.label) },
    {
      title: t('source'),
      dataIndex: 'source',
      render: (s: Connector['source']) => (
        <Space direction="vertical" size={0}>
          <span>{t(`kinds.${s.kind}`)}</span>
          {(s.url || s.topic) && (
            <Typography.Text type="secondary" className="cw-mono" style={{ fontSize: 12 }}>
              {s.url ?? s.topic}
            </Typography.Text>
          )}
        </Space>
      ),
    },
    {
      title: t('schedule'),
      render: (_: unknown, c: Connector) => (
        <Space direction="vertical" size={0}>
          <span>
            {c.intervalMinutes
              ? t('everyMinutes', { n: c.intervalMinutes })
              : c.source.kind === 'mqtt'
                ? t('onMessage')
                : t('byHand')}
          </span>
          {c.nextRunAt && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('nextRun')} {formatDateTime(c.nextRunAt)}
            </Typography.Text>
          )}
          {c.failures > 0 && <Tag color="error">{t('failures', { n: c.failures })}</Tag>}
        </Space>
      ),
    },
    { title: t('org'), dataIndex: 'orgName', width: 140 },
    {
      title: t('enabled'),
      dataIndex: 'enabled',
      width: 80,
      render: (v: boolean, c: Connector) => (
        <Switch size="small" checked={v} onChange={(enabled) => toggle.mutate({ id: c.id, enabled })} />
      ),
    },
    {
      title: t('actions'),
      width: 260,
      render: (_: unknown, c: Connector) => (
        <Space size={4} wrap>
          {c.source.kind === 'file' ? (
            <Upload
              accept=".csv,.json,.geojson,text/csv,application/json"
              showUploadList={false}
              beforeUpload={(file) => {
                void file.text().then((content) => run.mutate({ id: c.id, content }));
                return false;
              }}
            >
              <Button size="small" icon={<UploadOutlined />} data-testid={`run-file-${c.name}`}>
                {t('upload')}
              </Button>
            </Upload>
          ) : c.source.kind === 'http' ? (
            <Button
              size="small"
              icon={<PlayCircleOutlined />}
              loading={run.isPending && run.variables?.id === c.id}
              onClick={() => run.mutate({ id: c.id })}
            >
              {t('runNow')}
            </Button>
          ) : null}
          <Button
            size="small"
            icon={<EditOutlined />}
            onClick={() => setEditing(c)}
            data-testid={`connector-edit-${c.name}`}
          >
            {t('edit')}
          </Button>
          <Popconfirm
            title={t('remove')}
            description={<div style={{ maxWidth: 320 }}>{t('removeConfirm')}</div>}
            onConfirm={() => remove.mutate(c.id)}
            okButtonProps={{ danger: true, 'data-testid': 'connector-remove-ok' } as ButtonProps}
          >
            <Button size="small" danger icon={<DeleteOutlined />} data-testid={`connector-remove-${c.name}`}>
              {t('remove')}
            </Button>
          </Popconfirm>
        </Space>
      ),
    },
  ];

  const reasonName = (r: string) => {
    const key = `reasonNames.${r}`;
    const text = t(key as 'reasonNames.not_a_time');
    return text === key ? r : text;
  };

  const runColumns: TableColumnsType<Run> = [
    { title: t('startedAt'), dataIndex: 'startedAt', width: 170, render: (v: string) => formatDateTime(v) },
    { title: t('connector'), dataIndex: 'connectorName' },
    {
      title: t('trigger'),
      width: 120,
      render: (_: unknown, r: Run) => (
        <span>
          {t(`triggers.${r.trigger}`)}
          {r.attempt > 1 && (
            <Typography.Text type="secondary"> · {t('attempt', { n: r.attempt })}</Typography.Text>
          )}
        </span>
      ),
    },
    {
      title: t('status'),
      dataIndex: 'status',
      width: 110,
      render: (s: Run['status']) => <Tag color={STATUS_COLORS[s]}>{t(`statuses.${s}`)}</Tag>,
    },
    { title: t('read'), align: 'right', width: 80, render: (_: unknown, r: Run) => r.report?.read ?? '—' },
    {
      title: t('accepted'),
      align: 'right',
      width: 80,
      render: (_: unknown, r: Run) => r.report?.accepted ?? '—',
    },
    {
      title: t('rejected'),
      align: 'right',
      width: 80,
      render: (_: unknown, r: Run) => r.report?.rejectedTotal ?? '—',
    },
    {
      title: t('duplicates'),
      align: 'right',
      width: 80,
      render: (_: unknown, r: Run) => r.report?.duplicates ?? '—',
    },
    { title: t('written'), dataIndex: 'written', align: 'right', width: 80 },
    { title: t('batches'), dataIndex: 'batchesWritten', align: 'right', width: 70 },
  ];

  const expanded = (r: Run) => (
    <Space direction="vertical" style={{ width: '100%' }} data-testid={`run-detail-${r.id}`}>
      {r.error && (
        <Alert
          type={r.status === 'refused' ? 'warning' : 'error'}
          showIcon
          title={t('errorLine', { text: runErrorText(r.error) })}
          description={
            r.error.errors?.length ? (
              <ul style={{ margin: 0 }}>
                {r.error.errors.map((e) => (
                  <li key={`${e.field}-${e.rule}`} className="cw-mono">
                    {e.field} · {e.rule} · {e.value}
                  </li>
                ))}
              </ul>
            ) : undefined
          }
        />
      )}
      {r.retryAt && (
        <Typography.Text>
          {t('retryAt')}: {formatDateTime(r.retryAt)}
        </Typography.Text>
      )}
      {r.report && r.report.rejectedTotal > 0 && (
        <Descriptions size="small" bordered column={1} title={t('reasons')}>
          {Object.entries(r.report.rejected).map(([reason, n]) => (
            <Descriptions.Item key={reason} label={reasonName(reason)}>
              <Space direction="vertical" size={0}>
                <strong>{n}</strong>
                {(r.report?.examples[reason] ?? []).map((ex) => (
                  <Typography.Text key={ex.row} type="secondary" className="cw-mono" style={{ fontSize: 12 }}>
                    {ex.row} · {ex.field ?? '—'} · {ex.value ?? ''}
                  </Typography.Text>
                ))}
              </Space>
            </Descriptions.Item>
          ))}
        </Descriptions>
      )}
    </Space>
  );

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="connectors-page">
      <Card
        title={t('title')}
        extra={
          <Space>
            <Button icon={<ReloadOutlined />} onClick={refresh} data-testid="connectors-refresh" />
            <Button
              type="primary"
              icon={<PlusOutlined />}
              onClick={() => setCreating(true)}
              data-testid="connector-new"
            >
              {t('create')}
            </Button>
          </Space>
        }
      >
        {list.error && <Alert type="error" showIcon title={errorText(list.error)} />}
        <Table<Connector>
          rowKey="id"
          size="small"
          loading={list.isFetching}
          columns={connectorColumns}
          dataSource={list.data?.items ?? []}
          pagination={false}
          data-testid="connectors-table"
        />
      </Card>
      <Card title={t('runsTitle')}>
        <Table<Run>
          rowKey="id"
          size="small"
          loading={runs.isFetching}
          columns={runColumns}
          dataSource={runs.data?.items ?? []}
          pagination={{ pageSize: 20 }}
          locale={{ emptyText: t('noRuns') }}
          expandable={{
            expandedRowRender: expanded,
            rowExpandable: (r) => Boolean(r.error || r.retryAt || (r.report && r.report.rejectedTotal > 0)),
          }}
          data-testid="runs-table"
        />
      </Card>
      {(creating || editing) && targets.data && (
        <ConnectorDrawer
          key={editing?.id ?? 'new'}
          targets={targets.data.items}
          editing={editing}
          onClose={() => {
            setCreating(false);
            setEditing(null);
          }}
          onSaved={() => {
            void message.success(t(editing ? 'saved' : 'created'));
            setCreating(false);
            setEditing(null);
            refresh();
          }}
        />
      )}
    </Space>
  );
}

/** The values of the form for a connector being edited. */
function formValuesOf(c: Connector): FormValues {
  const columns: FormValues['columns'] = {};
  for (const [name, entry] of Object.entries(c.mapping.fields))
    columns[name] = Array.isArray(entry.column) ? entry.column.join(',') : entry.column;
  return {
    name: c.name,
    kind: c.source.kind,
    url: c.source.url,
    timeoutMs: c.source.timeoutMs,
    topic: c.source.topic,
    intervalMinutes: c.intervalMinutes ?? undefined,
    target: c.target,
    tz: c.mapping.tz,
    batchSize: c.batchSize,
    columns,
  };
}

/** A new connector, or an existing one changed (its source kind and target stay). */
function ConnectorDrawer(props: {
  targets: Target[];
  editing: Connector | null;
  onClose: () => void;
  onSaved: () => void;
}) {
  const { editing } = props;
  const { t, i18n } = useTranslation('connectors');
  const { t: common } = useTranslation();
  const zh = i18n.language !== 'en';
  const [form] = Form.useForm<FormValues>();
  const kind = Form.useWatch('kind', form) ?? 'file';
  const targetId = Form.useWatch('target', form) ?? props.targets[0]?.id;
  const target = props.targets.find((x) => x.id === targetId) ?? props.targets[0];
  const [problem, setProblem] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: (body: CreateConnector) =>
      editing
        ? connectorsApi.update(editing.id, {
            ...body,
            // A schedule cleared in the form is cleared on the server.
            intervalMinutes: body.source.kind === 'http' ? (body.intervalMinutes ?? null) : undefined,
          } satisfies UpdateConnector)
        : connectorsApi.create(body),
    onSuccess: props.onSaved,
    onError: (err) => {
      setProblem(errorText(err));
      if (err instanceof ApiError && err.errors.length)
        form.setFields(
          err.errors
            .map((e) => {
              const m = /^mapping\.fields\.([^.]+)/.exec(e.field);
              return m ? { name: ['columns', m[1]] as const, errors: [e.message || e.rule] } : null;
            })
            .filter((x) => x !== null) as { name: ['columns', string]; errors: string[] }[],
        );
    },
  });

  const submit = (v: FormValues) => {
    setProblem(null);
    const fields: CreateConnector['mapping']['fields'] = {};
    for (const f of target.fields) {
      const col = v.columns?.[f.name]?.trim();
      if (!col) continue;
      const parts = col.split(/[,，]/).map((s) => s.trim());
      fields[f.name] = {
        column: f.type === 'time' && parts.length === 2 ? [parts[0], parts[1]] : col,
        type: f.type,
      };
    }
    const source: CreateConnector['source'] =
      v.kind === 'http'
        ? { kind: 'http', url: v.url ?? '', timeoutMs: v.timeoutMs }
        : v.kind === 'mqtt'
          ? { kind: 'mqtt', topic: v.topic ?? '' }
          : { kind: 'file' };
    create.mutate({
      name: v.name,
      source,
      mapping: { target: target.id, tz: v.tz, fields },
      batchSize: v.batchSize,
      intervalMinutes: v.kind === 'http' ? v.intervalMinutes : undefined,
    });
  };

  return (
    <Drawer
      open
      width={560}
      title={editing ? t('editTitle') : t('create')}
      onClose={props.onClose}
      extra={
        <Button
          type="primary"
          loading={create.isPending}
          onClick={() => form.submit()}
          data-testid="connector-save"
        >
          {common('common.save')}
        </Button>
      }
    >
      <Form<FormValues>
        form={form}
        layout="vertical"
        initialValues={
          editing
            ? formValuesOf(editing)
            : { kind: 'file', target: props.targets[0]?.id, tz: 'Asia/Shanghai', batchSize: 1000 }
        }
        onFinish={submit}
      >
        {problem && (
          <Alert
            type="error"
            showIcon
            title={problem}
            style={{ marginBottom: 16 }}
            data-testid="connector-problem"
          />
        )}
        <Form.Item name="name" label={t('name')} rules={[{ required: true, max: 100 }]}>
          <Input data-testid="connector-name" />
        </Form.Item>
        {editing && <Alert type="info" showIcon title={t('fixedOnEdit')} style={{ marginBottom: 16 }} />}
        <Form.Item name="kind" label={t('source')}>
          <Select
            disabled={Boolean(editing)}
            options={(['file', 'http', 'mqtt'] as const).map((k) => ({ value: k, label: t(`kinds.${k}`) }))}
          />
        </Form.Item>
        {kind === 'http' && (
          <>
            <Form.Item name="url" label={t('url')} rules={[{ required: true, type: 'url' }]}>
              <Input placeholder="https://" />
            </Form.Item>
            <Space>
              <Form.Item name="intervalMinutes" label={t('intervalMinutes')}>
                <InputNumber min={1} max={10080} />
              </Form.Item>
              <Form.Item name="timeoutMs" label={t('timeoutMs')}>
                <InputNumber min={1000} max={300000} step={1000} />
              </Form.Item>
            </Space>
          </>
        )}
        {kind === 'mqtt' && (
          <Form.Item name="topic" label={t('topic')} rules={[{ required: true }]}>
            <Input placeholder="bureau/110/calls" />
          </Form.Item>
        )}
        <Form.Item name="target" label={t('target')}>
          <Select
            disabled={Boolean(editing)}
            options={props.targets.map((x) => ({ value: x.id, label: zh ? x.label.zh : x.label.en }))}
          />
        </Form.Item>
        <Space>
          <Form.Item name="tz" label={t('tz')}>
            <Input style={{ width: 200 }} />
          </Form.Item>
          <Form.Item name="batchSize" label={t('batchSize')}>
            <InputNumber min={1} max={50000} />
          </Form.Item>
        </Space>
        <Typography.Title level={5}>{t('mapping')}</Typography.Title>
        <Typography.Paragraph type="secondary">{t('mappingHelp')}</Typography.Paragraph>
        {editing?.sourceColumns && (
          <Typography.Paragraph type="secondary" data-testid="connector-source-columns">
            {t('sourceColumns', { columns: editing.sourceColumns.join('、') })}
          </Typography.Paragraph>
        )}
        {target.fields.map((f) => (
          <Form.Item
            key={`${target.id}-${f.name}`}
            name={['columns', f.name]}
            label={
              <Space>
                <span>{zh ? f.label.zh : f.label.en}</span>
                <Typography.Text type="secondary" className="cw-mono">
                  {f.name}
                </Typography.Text>
                <Tag>{t(`types.${f.type}`)}</Tag>
                {f.required && <Tag color="red">{t('required')}</Tag>}
              </Space>
            }
            rules={f.required ? [{ required: true }] : []}
          >
            <Input placeholder={t('column')} data-testid={`map-${f.name}`} />
          </Form.Item>
        ))}
      </Form>
    </Drawer>
  );
}
