import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import type { DeviceKind } from '@citywatch/core/devices/schemas';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  type ButtonProps,
  Card,
  Descriptions,
  Form,
  Input,
  Modal,
  Popconfirm,
  Select,
  Space,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import { dispatchQueries } from '../../api/dispatch';
import { applyServerErrors } from '../../api/formErrors';
import { perimeterQueries } from '../../api/perimeter';
import { useCan } from '../../auth/session';
import { formatDateTime } from '../../format';
import {
  type CreateDevice,
  type Device,
  devicesApi,
  devicesKeys,
  devicesQueries,
  type IssuedDevice,
} from './api';

const KIND_COLORS: Record<DeviceKind, string> = { camera: 'purple', avl: 'blue', sensor: 'cyan' };
const NO_DEVICES: Device[] = [];

type IssueForm = { kind: 'camera' | 'avl'; name: string; checkpointId?: string; unitId?: string };

/**
 * 设备管理: every device of the admin's org subtree with what it is bound to (a checkpoint, a unit,
 * or itself) and when it was last seen; issuing a token (shown once, with its MQTT topic),
 * re-issuing and revoking. Each change is audited by the server.
 */
export function DevicesPage() {
  const { t } = useTranslation('devices');
  const { message } = App.useApp();
  const can = useCan();
  const canWrite = can('devices.write');
  const cache = useQueryClient();
  const devicesQuery = useQuery(devicesQueries.list());
  const devices = devicesQuery.data ?? NO_DEVICES;
  const units = useQuery({ ...dispatchQueries.units(), enabled: can('dispatch.read') });
  const checkpoints = useQuery({ ...perimeterQueries.allCheckpoints(), enabled: can('perimeter.read') });
  const callSigns = useMemo(() => new Map((units.data ?? []).map((u) => [u.id, u.callSign])), [units.data]);
  const [issuing, setIssuing] = useState(false);
  const [issued, setIssued] = useState<IssuedDevice | null>(null);
  const [revoking, setRevoking] = useState<Device | null>(null);

  const refresh = () => cache.invalidateQueries({ queryKey: devicesKeys.all });
  const reissue = useMutation({
    mutationFn: (d: Device) => devicesApi.reissue(d.id),
    onSuccess: (d) => {
      setIssued(d);
      void refresh();
    },
    onError: (e) => message.error(errorText(e)),
  });

  const binding = (d: Device) =>
    d.checkpointId
      ? t('bindingCheckpoint', { id: d.checkpointId })
      : d.unitId
        ? t('bindingUnit', { callSign: callSigns.get(d.unitId) ?? d.unitId })
        : t('bindingSelf');

  const columns: TableColumnsType<Device> = [
    { title: t('name'), dataIndex: 'name' },
    {
      title: t('kind'),
      dataIndex: 'kind',
      width: 130,
      render: (k: DeviceKind) => <Tag color={KIND_COLORS[k]}>{t(`kinds.${k}`)}</Tag>,
    },
    { title: t('binding'), key: 'binding', render: (_: unknown, d) => binding(d) },
    {
      title: t('status'),
      dataIndex: 'active',
      width: 90,
      render: (active: boolean, d) =>
        active ? (
          <Tag color="green">{t('active')}</Tag>
        ) : (
          <Tag title={d.revokeReason ?? undefined}>{t('revoked')}</Tag>
        ),
    },
    {
      title: t('lastSeen'),
      dataIndex: 'lastSeenAt',
      width: 170,
      render: (v: string | null) =>
        v ? formatDateTime(v) : <Typography.Text type="secondary">{t('never')}</Typography.Text>,
    },
    { title: t('createdAt'), dataIndex: 'createdAt', width: 170, render: (v: string) => formatDateTime(v) },
    ...(canWrite
      ? [
          {
            title: t('actions'),
            key: 'actions',
            width: 170,
            render: (_: unknown, d: Device) =>
              d.active ? (
                <Space size={0}>
                  <Popconfirm title={t('reissueConfirm')} onConfirm={() => reissue.mutate(d)}>
                    <Button type="link" size="small" data-testid={`reissue-${d.name}`}>
                      {t('reissue')}
                    </Button>
                  </Popconfirm>
                  <Button
                    type="link"
                    size="small"
                    danger
                    data-testid={`revoke-${d.name}`}
                    onClick={() => setRevoking(d)}
                  >
                    {t('revoke')}
                  </Button>
                </Space>
              ) : null,
          },
        ]
      : []),
  ];

  return (
    <Card
      title={t('title')}
      extra={
        <Space>
          <Button icon={<ReloadOutlined />} onClick={() => void devicesQuery.refetch()}>
            {t('refresh')}
          </Button>
          {canWrite ? (
            <Button
              type="primary"
              icon={<PlusOutlined />}
              data-testid="device-add"
              onClick={() => setIssuing(true)}
            >
              {t('add')}
            </Button>
          ) : null}
        </Space>
      }
    >
      <Typography.Paragraph type="secondary">{t('hint')}</Typography.Paragraph>
      {devicesQuery.error ? (
        <Alert type="error" showIcon title={errorText(devicesQuery.error)} style={{ marginBottom: 8 }} />
      ) : null}
      <Table<Device>
        rowKey="id"
        size="small"
        loading={devicesQuery.isLoading}
        dataSource={devices}
        columns={columns}
        data-testid="devices-table"
        locale={{ emptyText: t('empty') }}
        pagination={{ pageSize: 50, hideOnSinglePage: true, showTotal: (n) => t('total', { count: n }) }}
        onRow={(d) =>
          ({
            'data-testid': `device-${d.name}`,
            'data-active': d.active ? 'true' : 'false',
          }) as React.HTMLAttributes<HTMLElement>
        }
      />
      {issuing ? (
        <IssueModal
          checkpoints={(checkpoints.data ?? []).map((c) => ({ value: c.id, label: `${c.name}（${c.id}）` }))}
          units={(units.data ?? []).map((u) => ({ value: u.id, label: u.callSign }))}
          onClose={() => setIssuing(false)}
          onIssued={(d) => {
            setIssuing(false);
            setIssued(d);
            void refresh();
          }}
        />
      ) : null}
      {revoking ? (
        <RevokeModal
          device={revoking}
          onClose={() => setRevoking(null)}
          onRevoked={() => {
            message.success(t('revokedDone', { name: revoking.name }));
            setRevoking(null);
            void refresh();
          }}
        />
      ) : null}
      {issued ? <TokenModal device={issued} onClose={() => setIssued(null)} /> : null}
    </Card>
  );
}

type Option = { value: string; label: string };

function IssueModal(props: {
  checkpoints: Option[];
  units: Option[];
  onClose: () => void;
  onIssued: (d: IssuedDevice) => void;
}) {
  const { t } = useTranslation('devices');
  const { message } = App.useApp();
  const [form] = Form.useForm<IssueForm>();
  const kind = Form.useWatch('kind', form) ?? 'camera';
  const issue = useMutation({
    mutationFn: (v: IssueForm) => {
      const body: CreateDevice =
        v.kind === 'camera'
          ? { kind: 'camera', name: v.name, checkpointId: v.checkpointId ?? '' }
          : { kind: 'avl', name: v.name, unitId: v.unitId ?? '' };
      return devicesApi.issue(body);
    },
    onSuccess: props.onIssued,
    onError: (e) => {
      const rest = applyServerErrors(form, e, ['name', 'checkpointId', 'unitId', 'kind']);
      if (rest.length > 0) message.error(rest.join('；'));
    },
  });
  return (
    <Modal
      open
      title={t('createTitle')}
      okText={t('submit')}
      cancelText={t('cancel')}
      confirmLoading={issue.isPending}
      onCancel={props.onClose}
      onOk={() => form.submit()}
      okButtonProps={{ 'data-testid': 'device-submit' } as ButtonProps}
    >
      <Form<IssueForm>
        form={form}
        layout="vertical"
        initialValues={{ kind: 'camera' }}
        onFinish={(v) => issue.mutate(v)}
        data-testid="device-form"
      >
        <Form.Item name="kind" label={t('kind')}>
          <Select
            data-testid="device-kind"
            options={(['camera', 'avl'] as const).map((k) => ({ value: k, label: t(`kinds.${k}`) }))}
          />
        </Form.Item>
        <Form.Item
          name="name"
          label={t('name')}
          rules={[{ required: true, whitespace: true, message: t('nameRequired') }]}
        >
          <Input data-testid="device-name" maxLength={100} />
        </Form.Item>
        {kind === 'camera' ? (
          <Form.Item
            name="checkpointId"
            label={t('checkpoint')}
            rules={[{ required: true, message: t('checkpointRequired') }]}
          >
            <Select
              data-testid="device-checkpoint"
              showSearch
              optionFilterProp="label"
              options={props.checkpoints}
            />
          </Form.Item>
        ) : (
          <Form.Item name="unitId" label={t('unit')} rules={[{ required: true, message: t('unitRequired') }]}>
            <Select data-testid="device-unit" showSearch optionFilterProp="label" options={props.units} />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}

function RevokeModal(props: { device: Device; onClose: () => void; onRevoked: () => void }) {
  const { t } = useTranslation('devices');
  const { message } = App.useApp();
  const [form] = Form.useForm<{ reason: string }>();
  const revoke = useMutation({
    mutationFn: (reason: string) => devicesApi.revoke(props.device.id, reason),
    onSuccess: props.onRevoked,
    onError: (e) => {
      const rest = applyServerErrors(form, e, ['reason']);
      if (rest.length > 0) message.error(rest.join('；'));
    },
  });
  return (
    <Modal
      open
      title={t('revokeTitle', { name: props.device.name })}
      okText={t('revoke')}
      okButtonProps={{ danger: true, 'data-testid': 'revoke-submit' } as ButtonProps}
      cancelText={t('cancel')}
      confirmLoading={revoke.isPending}
      onCancel={props.onClose}
      onOk={() => form.submit()}
    >
      <Form form={form} layout="vertical" onFinish={(v) => revoke.mutate(v.reason)}>
        <Form.Item
          name="reason"
          label={t('reason')}
          rules={[{ required: true, whitespace: true, min: 2, message: t('reasonRequired') }]}
        >
          <Input.TextArea data-testid="revoke-reason" rows={2} maxLength={500} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function TokenModal(props: { device: IssuedDevice; onClose: () => void }) {
  const { t } = useTranslation('devices');
  const d = props.device;
  return (
    <Modal
      open
      title={t('tokenTitle')}
      closable={false}
      maskClosable={false}
      onCancel={props.onClose}
      footer={
        <Button type="primary" data-testid="token-close" onClick={props.onClose}>
          {t('close')}
        </Button>
      }
    >
      <Alert type="warning" showIcon title={t('tokenWarning')} style={{ marginBottom: 12 }} />
      <Descriptions column={1} size="small" bordered>
        <Descriptions.Item label={t('name')}>{d.name}</Descriptions.Item>
        <Descriptions.Item label={t('token')}>
          <Typography.Text copyable={{ tooltips: [t('token'), t('copied')] }} code data-testid="device-token">
            {d.token}
          </Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label={t('mqttUser')}>
          <Typography.Text copyable code>
            {d.id}
          </Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label={t('mqttTopic')}>
          <Typography.Text code>{d.mqttTopic}</Typography.Text>
        </Descriptions.Item>
      </Descriptions>
    </Modal>
  );
}
