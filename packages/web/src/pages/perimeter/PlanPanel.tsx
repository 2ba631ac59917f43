import { StopOutlined, ThunderboltOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Descriptions,
  Empty,
  Form,
  Input,
  InputNumber,
  Modal,
  Popconfirm,
  Space,
  Statistic,
  Table,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import { type HTMLAttributes, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import { dispatchKeys } from '../../api/dispatch';
import {
  type ClosurePlan,
  type PlanAssignment,
  perimeterApi,
  perimeterKeys,
  perimeterQueries,
  type Ring,
} from '../../api/perimeter';
import { formatDateTime, minutesSeconds } from '../../format';
import { assignmentState } from './mapLayers';

const STATE_TAG: Record<ReturnType<typeof assignmentState>, string> = {
  arrived: 'success',
  enRoute: 'processing',
  late: 'error',
  unassigned: 'default',
};
const PLAN_STATUS_TAG: Record<ClosurePlan['status'], string> = {
  active: 'red',
  ended: 'default',
  expired: 'default',
};

type ActivateForm = { reason: string; durationMinutes: number };

/**
 * 封控预案: activate a closure plan on the selected ring (commanders), then who goes to which
 * checkpoint with the ETA, the time to full closure, checkpoints that cannot be held within
 * 10 minutes, and the end button. The plan stays fresh through the query cache and the live feed.
 */
export function PlanPanel({
  ring,
  plan,
  checkpointCount,
  canCommand,
}: {
  ring: Ring;
  plan: ClosurePlan | null;
  checkpointCount: number;
  canCommand: boolean;
}) {
  const { t } = useTranslation('perimeter', { keyPrefix: 'plan' });
  const { message } = App.useApp();
  const [form] = Form.useForm<ActivateForm>();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const cache = useQueryClient();

  const active = plan?.status === 'active';

  /** The plan as the server answered (an activation's answer also carries its warnings). */
  const changed = (next: ClosurePlan) => {
    cache.setQueryData(perimeterQueries.plan(next.id).queryKey, next);
    void cache.invalidateQueries({ queryKey: perimeterKeys.plans });
    // Activating takes units, ending frees them.
    void cache.invalidateQueries({ queryKey: dispatchKeys.units });
  };
  const activation = useMutation({
    mutationFn: (values: ActivateForm) => perimeterApi.activate(ring.id, values),
    onMutate: () => setError(null),
    onSuccess: (created) => {
      setOpen(false);
      form.resetFields();
      message.success(t('activated'));
      changed(created);
    },
    onError: (err) => setError(errorText(err)),
  });
  const ending = useMutation({
    mutationFn: (planId: string) => perimeterApi.endPlan(planId),
    onMutate: () => setError(null),
    onSuccess: (ended) => {
      message.success(t('ended'));
      changed(ended);
    },
    onError: (err) => setError(errorText(err)),
  });

  const activate = async () => {
    // A field left wrong: the form shows it next to the field, nothing more to do.
    const values = await form.validateFields().catch(() => null);
    if (values) activation.mutate(values);
  };
  const end = () => {
    if (plan) ending.mutate(plan.id);
  };

  const activateButton = (
    <Tooltip title={canCommand ? undefined : t('commanderOnly')}>
      <Button
        type="primary"
        danger
        icon={<ThunderboltOutlined />}
        disabled={!canCommand || active || checkpointCount === 0}
        onClick={() => {
          setError(null);
          setOpen(true);
        }}
        data-testid="plan-activate"
      >
        {t('activate')}
      </Button>
    </Tooltip>
  );

  const late =
    plan?.assignments.filter((a) => active && a.status !== 'arrived' && !a.holdableWithin10Min) ?? [];

  return (
    <div data-testid="plan-panel" data-plan-status={plan?.status ?? 'none'}>
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 8 }} wrap>
        {activateButton}
        {active && canCommand ? (
          <Popconfirm title={t('endConfirm')} onConfirm={end} okButtonProps={{ danger: true }}>
            <Button icon={<StopOutlined />} loading={ending.isPending} data-testid="plan-end">
              {t('end')}
            </Button>
          </Popconfirm>
        ) : null}
      </Space>
      {!canCommand ? (
        <Alert
          type="info"
          showIcon
          title={t('commanderOnly')}
          style={{ marginBottom: 8 }}
          data-testid="plan-commander-only"
        />
      ) : null}
      {error ? (
        <Alert
          type="error"
          showIcon
          title={error}
          style={{ marginBottom: 8 }}
          data-testid="plan-error"
          closable
          onClose={() => setError(null)}
        />
      ) : null}

      {!plan ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('none')} />
      ) : (
        <>
          <Descriptions
            size="small"
            column={1}
            style={{ marginBottom: 8 }}
            items={[
              {
                key: 'status',
                label: t('state'),
                children: (
                  <Tag color={PLAN_STATUS_TAG[plan.status]} data-testid="plan-status">
                    {t(`status.${plan.status}`)}
                  </Tag>
                ),
              },
              { key: 'reason', label: t('reasonLabel'), children: plan.reason },
              { key: 'at', label: t('activatedAt'), children: formatDateTime(plan.activatedAt) },
              {
                key: 'until',
                label: plan.status === 'active' ? t('expiresAt') : t(`status.${plan.status}`),
                children: formatDateTime(plan.status === 'active' ? plan.expiresAt : plan.endedAt),
              },
            ]}
          />
          {active ? (
            <Space size={24} style={{ marginBottom: 8 }} align="start">
              <Statistic
                title={t('fullClosure')}
                value={
                  plan.timeToFullClosureSeconds === null
                    ? '—'
                    : t('minutes', { time: minutesSeconds(plan.timeToFullClosureSeconds) })
                }
                styles={{
                  content: {
                    fontSize: 22,
                    color:
                      plan.timeToFullClosureSeconds !== null && plan.timeToFullClosureSeconds <= 600
                        ? '#389e0d'
                        : '#cf1322',
                  },
                }}
                data-testid="plan-full-closure"
              />
              <Statistic
                title={t('progress', { arrived: plan.arrived, total: plan.assignments.length })}
                value={`${plan.arrived} / ${plan.assignments.length}`}
                styles={{ content: { fontSize: 22 } }}
                data-testid="plan-arrived"
              />
            </Space>
          ) : null}
          {active && plan.timeToFullClosureSeconds === null ? (
            <Alert type="error" showIcon title={t('fullClosureNone')} style={{ marginBottom: 8 }} />
          ) : null}
          {late.length > 0 ? (
            <Alert
              type="warning"
              showIcon
              style={{ marginBottom: 8 }}
              data-testid="plan-late-warning"
              title={t('lateWarning', {
                count: late.length,
                names: late.map((a) => a.checkpointName ?? a.checkpointId).join('、'),
              })}
            />
          ) : null}
          {plan.warnings?.map((w) => (
            <Alert
              key={w.code}
              type="warning"
              showIcon
              style={{ marginBottom: 8 }}
              title={t(`warnings.${w.code}`)}
            />
          ))}
          <AssignmentTable plan={plan} active={active} />
        </>
      )}

      <Modal
        open={open}
        title={t('activateTitle', { ring: ring.name })}
        onCancel={() => setOpen(false)}
        onOk={() => void activate()}
        okText={t('activate')}
        okButtonProps={{ danger: true, loading: activation.isPending }}
      >
        <Form form={form} layout="vertical" initialValues={{ durationMinutes: 120 }}>
          <Form.Item
            name="reason"
            label={t('reason')}
            rules={[
              { required: true, whitespace: true, message: t('reasonRequired') },
              { min: 4, message: t('reasonTooShort') },
            ]}
          >
            <Input.TextArea
              rows={3}
              maxLength={1000}
              placeholder={t('reasonPlaceholder')}
              data-testid="plan-reason"
            />
          </Form.Item>
          <Form.Item name="durationMinutes" label={t('duration')} extra={t('durationHint')}>
            <InputNumber min={1} max={720} precision={0} style={{ width: 160 }} data-testid="plan-duration" />
          </Form.Item>
        </Form>
        {error && open ? <Alert type="error" showIcon title={error} /> : null}
      </Modal>
    </div>
  );
}

function AssignmentTable({ plan, active }: { plan: ClosurePlan; active: boolean }) {
  const { t } = useTranslation('perimeter', { keyPrefix: 'plan' });
  const rows = [...plan.assignments].sort(
    (a, b) => (a.etaSeconds ?? Number.POSITIVE_INFINITY) - (b.etaSeconds ?? Number.POSITIVE_INFINITY),
  );
  return (
    <Table<PlanAssignment>
      size="small"
      rowKey="checkpointId"
      pagination={false}
      dataSource={rows}
      data-testid="plan-assignments"
      onRow={(a) => {
        const row: HTMLAttributes<HTMLElement> & Record<`data-${string}`, string> = {
          'data-testid': `assignment-${a.checkpointId}`,
          'data-state': assignmentState(a),
        };
        return row;
      }}
      columns={[
        {
          title: t('checkpoint'),
          key: 'checkpoint',
          render: (_, a) => (
            <>
              <Typography.Text strong>{a.checkpointName ?? a.checkpointId}</Typography.Text>
              <br />
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {a.checkpointId}
              </Typography.Text>
            </>
          ),
        },
        {
          title: t('unit'),
          key: 'unit',
          render: (_, a) => (a.callSign ? <span data-testid="assignment-unit">{a.callSign}</span> : '—'),
        },
        {
          title: t('eta'),
          key: 'eta',
          align: 'right',
          render: (_, a) =>
            a.etaSeconds === null ? (
              '—'
            ) : (
              <Typography.Text
                strong
                type={a.holdableWithin10Min ? undefined : 'danger'}
                data-testid="assignment-eta"
                style={{ fontVariantNumeric: 'tabular-nums' }}
              >
                {minutesSeconds(a.etaSeconds)}
              </Typography.Text>
            ),
        },
        {
          title: t('state'),
          key: 'state',
          render: (_, a) => {
            const state = assignmentState(a);
            // An ended plan keeps who arrived; the others never got there.
            if (!active && state !== 'arrived' && state !== 'unassigned') {
              return (
                <Tag style={{ marginInlineEnd: 0 }} data-testid="assignment-state">
                  {t('notArrived')}
                </Tag>
              );
            }
            const label =
              state === 'arrived'
                ? t('arrived')
                : state === 'enRoute'
                  ? t('enRoute')
                  : state === 'late'
                    ? t('late')
                    : t('unassigned');
            return (
              <Tag color={STATE_TAG[state]} style={{ marginInlineEnd: 0 }} data-testid="assignment-state">
                {label}
              </Tag>
            );
          },
        },
      ]}
    />
  );
}
