import { AimOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Empty,
  Form,
  Input,
  InputNumber,
  Modal,
  Select,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { applyServerErrors } from '../../api/formErrors';
import {
  type Checkpoint,
  type CheckpointDirections,
  type CheckpointKind,
  type NewCheckpoint,
  perimeterApi,
  perimeterKeys,
} from '../../api/perimeter';
import { CHECKPOINT_DIRECTIONS, CHECKPOINT_KINDS, KIND_COLORS } from './presentation';

export function CheckpointList({
  checkpoints,
  canWrite,
  adding,
  onAdd,
  onCancelAdd,
  onFocus,
}: {
  checkpoints: readonly Checkpoint[];
  canWrite: boolean;
  adding: boolean;
  onAdd: () => void;
  onCancelAdd: () => void;
  onFocus: (c: Checkpoint) => void;
}) {
  const { t } = useTranslation('perimeter');
  return (
    <Card
      size="small"
      title={`${t('checkpoints.title')}（${checkpoints.length}）`}
      extra={
        canWrite ? (
          adding ? (
            <Button size="small" onClick={onCancelAdd}>
              {t('checkpoints.cancelAdd')}
            </Button>
          ) : (
            <Button size="small" icon={<AimOutlined />} onClick={onAdd} data-testid="checkpoint-add">
              {t('checkpoints.add')}
            </Button>
          )
        ) : null
      }
      style={{ flex: 1, minHeight: 0, display: 'flex', flexDirection: 'column' }}
      styles={{ body: { padding: 0, overflow: 'auto', flex: 1, minHeight: 0 } }}
      data-testid="checkpoint-list"
    >
      {adding ? (
        <Alert type="info" showIcon banner title={t('checkpoints.addHint')} style={{ margin: 0 }} />
      ) : null}
      {checkpoints.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('checkpoints.empty')} />
      ) : (
        <Table<Checkpoint>
          size="small"
          rowKey="id"
          pagination={false}
          dataSource={[...checkpoints]}
          onRow={(c) => ({ onClick: () => onFocus(c), style: { cursor: 'pointer' } })}
          columns={[
            {
              title: t('checkpoints.name'),
              key: 'name',
              render: (_, c) => (
                <div data-testid={`checkpoint-${c.id}`}>
                  <Typography.Text strong>{c.name}</Typography.Text>
                  <br />
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {c.id}
                  </Typography.Text>
                </div>
              ),
            },
            {
              title: t('checkpoints.kind'),
              key: 'kind',
              width: 96,
              render: (_, c) => (
                <Tag color={KIND_COLORS[c.kind]} style={{ marginInlineEnd: 0 }}>
                  {t(`kind.${c.kind}`)}
                </Tag>
              ),
            },
            {
              title: `${t('checkpoints.directions')} / ${t('checkpoints.staffing')}`,
              key: 'directions',
              width: 84,
              render: (_, c) => (
                <span style={{ whiteSpace: 'nowrap' }}>
                  {t(`directions.${c.directions}`)}
                  <br />
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {t('checkpoints.staffingValue', { count: c.staffing })}
                  </Typography.Text>
                </span>
              ),
            },
          ]}
        />
      )}
    </Card>
  );
}

type CheckpointForm = {
  id: string;
  name: string;
  kind: CheckpointKind;
  directions: CheckpointDirections;
  staffing: number;
  equipment: string[];
};

/** The next free code like CP-0004, from the codes the ring already has. */
function suggestId(existing: readonly Checkpoint[]): string {
  const taken = new Set(existing.map((c) => c.id));
  for (let n = existing.length + 1; ; n++) {
    const id = `CP-${String(n).padStart(4, '0')}`;
    if (!taken.has(id)) return id;
  }
}

/** 添加查控点 at a clicked point: the server snaps it to the nearest road segment. */
export function CheckpointModal({
  position,
  ringId,
  city,
  existing,
  onCancel,
  onCreated,
}: {
  position: { lon: number; lat: number } | null;
  ringId: string | null;
  city: string | undefined;
  existing: readonly Checkpoint[];
  onCancel: () => void;
  onCreated: (c: Checkpoint) => void;
}) {
  const { t } = useTranslation('perimeter');
  const { message } = App.useApp();
  const [form] = Form.useForm<CheckpointForm>();
  const [error, setError] = useState<string[]>([]);
  const cache = useQueryClient();
  const place = useMutation({
    mutationFn: ({ id, body }: { id: string; body: NewCheckpoint }) => perimeterApi.putCheckpoint(id, body),
    onMutate: () => setError([]),
    onSuccess: (created) => {
      // The ring's checkpoints, and its closure with them, are read again.
      void cache.invalidateQueries({ queryKey: perimeterKeys.checkpoints });
      if (created.ringId) void cache.invalidateQueries({ queryKey: perimeterKeys.analysis(created.ringId) });
      message.success(
        `${t('checkpoints.created', { name: created.name })}${
          created.snapDistanceM !== undefined
            ? `，${t('checkpoints.snapped', { distance: Math.round(created.snapDistanceM) })}`
            : ''
        }`,
      );
      onCreated(created);
    },
    onError: (err) =>
      setError(applyServerErrors(form, err, ['id', 'name', 'kind', 'directions', 'staffing', 'equipment'])),
  });

  useEffect(() => {
    if (!position) return;
    setError([]);
    form.setFieldsValue({
      id: suggestId(existing),
      name: '',
      kind: 'station',
      directions: 'both',
      staffing: 4,
      equipment: [],
    });
  }, [position, existing, form]);

  const submit = async () => {
    if (!position || !ringId) return;
    // A field left wrong: the form shows it next to the field, nothing more to do.
    const values = await form.validateFields().catch(() => null);
    if (!values) return;
    place.mutate({
      id: values.id,
      body: {
        name: values.name,
        kind: values.kind,
        ringId,
        lon: position.lon,
        lat: position.lat,
        directions: values.directions,
        staffing: values.staffing,
        equipment: values.equipment,
        city,
      },
    });
  };

  const required = (field: string) => ({
    required: true,
    whitespace: true,
    message: t('checkpoints.required', { field }),
  });
  return (
    <Modal
      open={position !== null}
      title={t('checkpoints.modalTitle')}
      onCancel={onCancel}
      onOk={() => void submit()}
      okButtonProps={{ loading: place.isPending }}
      width={520}
    >
      <Form form={form} layout="vertical">
        <Form.Item
          name="id"
          label={t('checkpoints.id')}
          extra={t('checkpoints.idHint')}
          rules={[
            required(t('checkpoints.id')),
            { pattern: /^[A-Za-z0-9_.:-]{1,64}$/, message: t('checkpoints.idInvalid') },
          ]}
        >
          <Input maxLength={64} data-testid="checkpoint-id" />
        </Form.Item>
        <Form.Item name="name" label={t('checkpoints.name')} rules={[required(t('checkpoints.name'))]}>
          <Input maxLength={100} data-testid="checkpoint-name" />
        </Form.Item>
        <div style={{ display: 'flex', gap: 12 }}>
          <Form.Item name="kind" label={t('checkpoints.kind')} style={{ flex: 1 }}>
            <Select options={CHECKPOINT_KINDS.map((k) => ({ value: k, label: t(`kind.${k}`) }))} />
          </Form.Item>
          <Form.Item name="directions" label={t('checkpoints.directions')} style={{ flex: 1 }}>
            <Select options={CHECKPOINT_DIRECTIONS.map((d) => ({ value: d, label: t(`directions.${d}`) }))} />
          </Form.Item>
          <Form.Item name="staffing" label={t('checkpoints.staffing')} style={{ width: 100 }}>
            <InputNumber min={0} max={500} precision={0} style={{ width: '100%' }} />
          </Form.Item>
        </div>
        <Form.Item name="equipment" label={t('checkpoints.equipment')}>
          <Select
            mode="tags"
            tokenSeparators={[',', '，']}
            placeholder={t('checkpoints.equipmentPlaceholder')}
            open={false}
          />
        </Form.Item>
        {position ? (
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t('checkpoints.position')}：{position.lon.toFixed(5)}, {position.lat.toFixed(5)}
          </Typography.Text>
        ) : null}
        {error.length > 0 ? (
          <Alert type="error" showIcon style={{ marginTop: 12 }} title={error.join('；')} />
        ) : null}
      </Form>
    </Modal>
  );
}
