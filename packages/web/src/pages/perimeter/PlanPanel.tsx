import { StopOutlined, ThunderboltOutlined } from '@ant-design/icons';
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
import { formatDateTime } from '../../format';
import { errorText, minutesSeconds } from '../dispatch/api';
import type { ClosurePlan, PlanAssignment, Ring } from './api';
import { perimeterApi } from './api';
import { assignmentState } from './mapLayers';
import { usePerimeterT } from './usePerimeterT';

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
 * 10 minutes, and the end button. The page keeps the plan fresh from the live feed.
 */
export function PlanPanel({
  ring,
  plan,
  checkpointCount,
  canCommand,
  onChanged,
}: {
  ring: Ring;
  plan: ClosurePlan | null;
  checkpointCount: number;
  canCommand: boolean;
  onChanged: (plan: ClosurePlan) => void;
}) {
  const { t } = usePerimeterT();
  const { message } = App.useApp();
  const [form] = Form.useForm<ActivateForm>();
  const [open, setOpen] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [ending, setEnding] = useState(false);

  const active = plan?.status === 'active';

  const activate = async () => {
    // A field left wrong: the form shows it next to the field, nothing more to do.
    const values = await form.validateFields().catch(() => null);
    if (!values) return;
    setSaving(true);
    setError(null);
    try {
      const created = await perimeterApi.activate(ring.id, values);
      setOpen(false);
      form.resetFields();
      message.success(t('plan.activated'));
      onChanged(created);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setSaving(false);
    }
  };

  const end = async () => {
    if (!plan) return;
    setEnding(true);
    setError(null);
    try {
      const ended = await perimeterApi.endPlan(plan.id);
      message.success(t('plan.ended'));
      onChanged(ended);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setEnding(false);
    }
  };

  const activateButton = (
    <Tooltip title={canCommand ? undefined : t('plan.commanderOnly')}>
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
        {t('plan.activate')}
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
          <Popconfirm
            title={t('plan.endConfirm')}
            onConfirm={() => void end()}
            okButtonProps={{ danger: true }}
          >
            <Button icon={<StopOutlined />} loading={ending} data-testid="plan-end">
              {t('plan.end')}
            </Button>
          </Popconfirm>
        ) : null}
      </Space>
      {!canCommand ? (
        <Alert
          type="info"
          showIcon
          title={t('plan.commanderOnly')}
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
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('plan.none')} />
      ) : (
        <>
          <Descriptions
            size="small"
            column={1}
            style={{ marginBottom: 8 }}
            items={[
              {
                key: 'status',
                label: t('plan.state'),
                children: (
                  <Tag color={PLAN_STATUS_TAG[plan.status]} data-testid="plan-status">
                    {t(`plan.status.${plan.status}`)}
                  </Tag>
                ),
              },
              { key: 'reason', label: t('plan.reasonLabel'), children: plan.reason },
              { key: 'at', label: t('plan.activatedAt'), children: formatDateTime(plan.activatedAt) },
              {
                key: 'until',
                label: plan.status === 'active' ? t('plan.expiresAt') : t(`plan.status.${plan.status}`),
                children: formatDateTime(plan.status === 'active' ? plan.expiresAt : plan.endedAt),
              },
            ]}
          />
          {active ? (
            <Space size={24} style={{ marginBottom: 8 }} align="start">
              <Statistic
                title={t('plan.fullClosure')}
                value={
                  plan.timeToFullClosureSeconds === null
                    ? '—'
                    : t('plan.minutes', { time: minutesSeconds(plan.timeToFullClosureSeconds) })
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
                title={t('plan.progress', { arrived: plan.arrived, total: plan.assignments.length })}
                value={`${plan.arrived} / ${plan.assignments.length}`}
                styles={{ content: { fontSize: 22 } }}
                data-testid="plan-arrived"
              />
            </Space>
          ) : null}
          {active && plan.timeToFullClosureSeconds === null ? (
            <Alert type="error" showIcon title={t('plan.fullClosureNone')} style={{ marginBottom: 8 }} />
          ) : null}
          {late.length > 0 ? (
            <Alert
              type="warning"
              showIcon
              style={{ marginBottom: 8 }}
              data-testid="plan-late-warning"
              title={t('plan.lateWarning', {
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
              title={t(`plan.warnings.${w.code}`)}
            />
          ))}
          <AssignmentTable plan={plan} active={active} />
        </>
      )}

      <Modal
        open={open}
        title={t('plan.activateTitle', { ring: ring.name })}
        onCancel={() => setOpen(false)}
        onOk={() => void activate()}
        okText={t('plan.activate')}
        okButtonProps={{ danger: true, loading: saving }}
      >
        <Form form={form} layout="vertical" initialValues={{ durationMinutes: 120 }}>
          <Form.Item
            name="reason"
            label={t('plan.reason')}
            rules={[
              { required: true, whitespace: true, message: t('plan.reasonRequired') },
              { min: 4, message: t('plan.reasonTooShort') },
            ]}
          >
            <Input.TextArea
              rows={3}
              maxLength={1000}
              placeholder={t('plan.reasonPlaceholder')}
              data-testid="plan-reason"
            />
          </Form.Item>
          <Form.Item name="durationMinutes" label={t('plan.duration')} extra={t('plan.durationHint')}>
            <InputNumber min={1} max={720} precision={0} style={{ width: 160 }} data-testid="plan-duration" />
          </Form.Item>
        </Form>
        {error && open ? <Alert type="error" showIcon title={error} /> : null}
      </Modal>
    </div>
  );
}

function AssignmentTable({ plan, active }: { plan: ClosurePlan; active: boolean }) {
  const { t } = usePerimeterT();
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
          title: t('plan.checkpoint'),
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
          title: t('plan.unit'),
          key: 'unit',
          render: (_, a) => (a.callSign ? <span data-testid="assignment-unit">{a.callSign}</span> : '—'),
        },
        {
          title: t('plan.eta'),
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
          title: t('plan.state'),
          key: 'state',
          render: (_, a) => {
            const state = assignmentState(a);
            // An ended plan keeps who arrived; the others never got there.
            if (!active && state !== 'arrived' && state !== 'unassigned') {
              return (
                <Tag style={{ marginInlineEnd: 0 }} data-testid="assignment-state">
                  {t('plan.notArrived')}
                </Tag>
              );
            }
            const label =
              state === 'arrived'
                ? t('plan.arrived')
                : state === 'enRoute'
                  ? t('plan.enRoute')
                  : state === 'late'
                    ? t('plan.late')
                    : t('plan.unassigned');
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
