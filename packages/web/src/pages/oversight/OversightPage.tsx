import { STAFF_ROLES } from '@citywatch/core/identity/schemas';
import type { CalendarEntry, Case } from '@citywatch/core/oversight/cases';
import type { ComplianceReport } from '@citywatch/core/oversight/compliance';
import type { RiskScore } from '@citywatch/core/oversight/risk';
import type { Industry, Unit } from '@citywatch/core/oversight/schemas';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App,
  Button,
  type ButtonProps,
  Card,
  Empty,
  Form,
  Input,
  Modal,
  Space,
  Table,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../../api/client';
import { useCan, useCurrentUser } from '../../auth/session';
import { formatDateTime } from '../../format';
import { ComplianceModal, DueCalendar, InspectModal, isInternalSecurity, UnitDrawer } from './UnitForms';

const base = '/api/oversight';
const KEY = ['oversight'] as const;

const errorText = (e: unknown) =>
  e instanceof ApiError
    ? [e.display, ...e.errors.map((x) => `${x.field}: ${x.message || x.rule}`)].join(' · ')
    : String(e);

const RISK_COLOR = { low: 'green', medium: 'orange', high: 'red' } as const;
const LICENCE_COLOR = { none: 'default', valid: 'green', expiring: 'orange', expired: 'red' } as const;
const STATUS_COLOR = { open: 'orange', reported: 'blue', closed: 'green' } as const;

/** A file as base64 (evidence and photos travel in JSON). */
function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

/** 要素管控: staff see registry, calendar, cases, risk and compliance; an enterprise sees its own cases. */
export function OversightPage() {
  const { t } = useTranslation('oversight');
  const user = useCurrentUser();
  const staff = user.roles.some((r) => (STAFF_ROLES as readonly string[]).includes(r));
  if (!staff) return <EnterpriseView />;
  return (
    <div style={{ padding: 16 }}>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t('page.title')}
      </Typography.Title>
      <Tabs
        items={[
          { key: 'registry', label: t('tabs.registry'), children: <RegistryTab /> },
          { key: 'calendar', label: t('tabs.calendar'), children: <CalendarTab /> },
          { key: 'cases', label: t('tabs.cases'), children: <CasesTable /> },
          { key: 'risk', label: t('tabs.risk'), children: <RiskTab /> },
          { key: 'compliance', label: t('tabs.compliance'), children: <ComplianceTab /> },
        ]}
      />
    </div>
  );
}

/** The enterprise's own view: its unit and its cases, with the fix to report. */
function EnterpriseView() {
  const { t } = useTranslation('oversight');
  const units = useQuery({
    queryKey: [...KEY, 'units'],
    queryFn: () => api<{ items: Unit[] }>(`${base}/units`).then((r) => r.items),
  });
  const unit = units.data?.[0];
  return (
    <div style={{ padding: 16 }}>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t('page.enterpriseTitle')}
      </Typography.Title>
      {units.isSuccess && !unit ? (
        <Empty description={t('empty.unbound')} />
      ) : (
        <>
          {unit && (
            <Card size="small" style={{ marginBottom: 12 }} data-testid="own-unit">
              <Space wrap>
                <Typography.Text strong>{unit.name}</Typography.Text>
                <Tag>{t(`industry.${unit.industry}`)}</Tag>
                <span>
                  {t('col.licence')}: {unit.licenceNo ?? '—'}{' '}
                  <Tag color={LICENCE_COLOR[unit.licenceStatus]}>{t(`licence.${unit.licenceStatus}`)}</Tag>
                </span>
                <Tag color={RISK_COLOR[unit.riskLevel]}>{t(`risk.${unit.riskLevel}`)}</Tag>
              </Space>
            </Card>
          )}
          <CasesTable />
        </>
      )}
    </div>
  );
}

function RegistryTab() {
  const { t } = useTranslation('oversight');
  const can = useCan();
  const [inspecting, setInspecting] = useState<Unit | null>(null);
  const [assessing, setAssessing] = useState<Unit | null>(null);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Unit | null>(null);
  const units = useQuery({
    queryKey: [...KEY, 'units'],
    queryFn: () => api<{ items: Unit[] }>(`${base}/units`).then((r) => r.items),
  });
  return (
    <>
      {can('oversight.write') && (
        <Space style={{ marginBottom: 12 }}>
          <Button type="primary" onClick={() => setCreating(true)} data-testid="unit-create">
            {t('unitForm.create')}
          </Button>
          <ImportButton />
        </Space>
      )}
      <Table<Unit>
        rowKey="id"
        size="small"
        loading={units.isLoading}
        dataSource={units.data ?? []}
        pagination={{ pageSize: 20 }}
        onRow={(u) => ({ 'data-testid': `unit-row-${u.id}` }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          { title: t('col.name'), dataIndex: 'name' },
          { title: t('col.industry'), dataIndex: 'industry', render: (v: Industry) => t(`industry.${v}`) },
          { title: t('col.org'), dataIndex: 'orgName' },
          {
            title: t('col.licence'),
            render: (_, u) => (
              <Space>
                {u.licenceNo ?? '—'}
                {u.licenceValidUntil && <span>{u.licenceValidUntil}</span>}
                <Tag color={LICENCE_COLOR[u.licenceStatus]}>{t(`licence.${u.licenceStatus}`)}</Tag>
              </Space>
            ),
          },
          {
            title: t('col.risk'),
            dataIndex: 'riskLevel',
            render: (v: Unit['riskLevel']) => <Tag color={RISK_COLOR[v]}>{t(`risk.${v}`)}</Tag>,
          },
          {
            title: t('col.actions'),
            render: (_, u) => (
              <Space>
                {can('oversight.write') && (
                  <Button size="small" data-testid="inspect" onClick={() => setInspecting(u)}>
                    {t('action.inspect')}
                  </Button>
                )}
                {can('oversight.write') && (
                  <Button size="small" data-testid="unit-edit" onClick={() => setEditing(u)}>
                    {t('action.edit')}
                  </Button>
                )}
                {can('oversight.write') && isInternalSecurity(u) && (
                  <Button size="small" data-testid="assess" onClick={() => setAssessing(u)}>
                    {t('action.assess')}
                  </Button>
                )}
                <PeopleButton unit={u} />
              </Space>
            ),
          },
        ]}
        expandable={{
          rowExpandable: (u) => u.cameras.length > 0 || Boolean(u.address),
          expandedRowRender: (u) => (
            <Space direction="vertical">
              {u.address && <span>{u.address}</span>}
              {u.cameras.map((c) => (
                <span key={c.id}>
                  {t('unit.camera')} {c.name}: <Typography.Text code>{c.streamUrl}</Typography.Text>
                </span>
              ))}
            </Space>
          ),
        }}
      />
      {inspecting && <InspectModal unit={inspecting} onClose={() => setInspecting(null)} />}
      {assessing && <ComplianceModal unit={assessing} onClose={() => setAssessing(null)} />}
      <UnitDrawer open={creating} onClose={() => setCreating(false)} />
      {editing && <UnitDrawer key={editing.id} open unit={editing} onClose={() => setEditing(null)} />}
    </>
  );
}

type People = {
  responsibleName: string | null;
  responsiblePhone: string | null;
  staff: { id: string; name: string; post: string | null; phone: string | null }[];
};

/** The responsible person and staff: personal data, read only with a stated purpose (audited). */
function PeopleButton({ unit }: { unit: Unit }) {
  const { t } = useTranslation('oversight');
  const { message, modal } = App.useApp();
  const [purpose, setPurpose] = useState('');
  const [open, setOpen] = useState(false);
  const read = useMutation({
    mutationFn: () =>
      api<People>(`${base}/units/${unit.id}/people`, {
        headers: { 'X-Purpose': encodeURIComponent(purpose) },
      }),
    onSuccess: (p) => {
      setOpen(false);
      modal.info({
        title: `${unit.name}：${t('unit.people')}`,
        content: (
          <div>
            <p>
              {t('unit.responsible')}：{p.responsibleName ?? '—'} {p.responsiblePhone ?? ''}
            </p>
            <ul>
              {p.staff.map((s) => (
                <li key={s.id}>
                  {s.name} {s.post ?? ''} {s.phone ?? ''}
                </li>
              ))}
            </ul>
          </div>
        ),
      });
    },
    onError: (e) => message.error(errorText(e)),
  });
  return (
    <>
      <Button size="small" onClick={() => setOpen(true)}>
        {t('unit.people')}
      </Button>
      {open && (
        <Modal
          open
          title={t('unit.purposeTitle')}
          onCancel={() => setOpen(false)}
          onOk={() => read.mutate()}
          okButtonProps={{ disabled: purpose.trim().length < 2, loading: read.isPending }}
        >
          <Input
            value={purpose}
            onChange={(e) => setPurpose(e.target.value)}
            placeholder={t('unit.purpose')}
          />
        </Modal>
      )}
    </>
  );
}

type ImportResult = { imported: number; bad: number; reasons: Record<string, number> };

/** CSV import of units (行业,名称,许可证号,有效期起,有效期止,地址,经度,纬度,负责人,负责人电话). */
function ImportButton() {
  const { t } = useTranslation('oversight');
  const { message, modal } = App.useApp();
  const qc = useQueryClient();
  const run = useMutation({
    mutationFn: async (file: File) =>
      api<ImportResult>(`${base}/unit-imports`, { method: 'POST', body: { content: await file.text() } }),
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: KEY });
      if (r.bad === 0) message.success(t('import.done', { imported: r.imported }));
      else
        modal.warning({
          title: t('import.done', { imported: r.imported }),
          content: (
            <div data-testid="import-result">
              {t('import.bad', { bad: r.bad })}
              <ul>
                {Object.entries(r.reasons).map(([reason, n]) => (
                  <li key={reason}>
                    {reason}: {n}
                  </li>
                ))}
              </ul>
            </div>
          ),
        });
    },
    onError: (e) => message.error(errorText(e)),
  });
  return (
    <Space>
      <label>
        <Button
          loading={run.isPending}
          onClick={(e) => (e.currentTarget.nextElementSibling as HTMLInputElement)?.click()}
        >
          {t('import.button')}
        </Button>
        <input
          type="file"
          accept=".csv,text/csv"
          hidden
          data-testid="import-file"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) run.mutate(file);
            e.target.value = '';
          }}
        />
      </label>
    </Space>
  );
}

function CalendarTab() {
  const { t } = useTranslation('oversight');
  const q = useQuery({
    queryKey: [...KEY, 'calendar'],
    queryFn: () => api<{ items: CalendarEntry[] }>(`${base}/calendar`).then((r) => r.items),
  });
  return (
    <>
      <DueCalendar items={q.data ?? []} />
      <Typography.Title level={5}>{t('calendar.list')}</Typography.Title>
      <Table<CalendarEntry>
        rowKey="unitId"
        size="small"
        loading={q.isLoading}
        dataSource={q.data ?? []}
        columns={[
          {
            title: t('col.due'),
            dataIndex: 'due',
            render: (v: string, e) => (
              <Typography.Text type={e.overdue ? 'danger' : undefined}>{v}</Typography.Text>
            ),
          },
          { title: t('col.unit'), dataIndex: 'unitName' },
          { title: t('col.industry'), dataIndex: 'industry', render: (v: Industry) => t(`industry.${v}`) },
          {
            title: t('col.risk'),
            dataIndex: 'riskLevel',
            render: (v: Unit['riskLevel']) => <Tag color={RISK_COLOR[v]}>{t(`risk.${v}`)}</Tag>,
          },
          { title: t('col.interval'), dataIndex: 'intervalDays' },
          {
            title: t('col.last'),
            dataIndex: 'lastInspectedAt',
            render: (v: string | null) => (v ? formatDateTime(v) : '—'),
          },
        ]}
      />
    </>
  );
}

/** The cases with their SLA; the enterprise reports fixes, the inspector verifies. */
function CasesTable() {
  const { t } = useTranslation('oversight');
  const can = useCan();
  const [reporting, setReporting] = useState<Case | null>(null);
  const [verifying, setVerifying] = useState<Case | null>(null);
  const q = useQuery({
    queryKey: [...KEY, 'cases'],
    queryFn: () => api<{ items: Case[] }>(`${base}/cases`).then((r) => r.items),
  });
  return (
    <>
      <Table<Case>
        rowKey="id"
        size="small"
        loading={q.isLoading}
        dataSource={q.data ?? []}
        onRow={(c) => ({ 'data-testid': `case-row-${c.id}` }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          { title: t('col.number'), dataIndex: 'number' },
          { title: t('col.unit'), dataIndex: 'unitName' },
          {
            title: t('col.kind'),
            dataIndex: 'kind',
            render: (v: Case['kind']) => <Tag color={v === 'order' ? 'red' : 'gold'}>{t(`kind.${v}`)}</Tag>,
          },
          { title: t('col.description'), dataIndex: 'description' },
          { title: t('col.deadline'), dataIndex: 'deadline' },
          {
            title: t('col.sla'),
            render: (_, c) =>
              c.daysLeft === null ? (
                t('sla.closed')
              ) : (
                <Space size={4}>
                  <Tag color={c.overdue ? 'red' : c.daysLeft <= 2 ? 'orange' : 'default'}>
                    {c.overdue
                      ? t('sla.overdue', { days: -c.daysLeft })
                      : t('sla.left', { days: c.daysLeft })}
                  </Tag>
                  {c.escalatedAt && <Tag color="red">{t('sla.escalated')}</Tag>}
                </Space>
              ),
          },
          {
            title: t('col.status'),
            dataIndex: 'status',
            render: (v: Case['status']) => (
              <Tag color={STATUS_COLOR[v]} data-testid="case-status">
                {t(`status.${v}`)}
              </Tag>
            ),
          },
          {
            title: t('col.actions'),
            render: (_, c) => (
              <Space>
                <Button
                  size="small"
                  href={`${base}/cases/${c.id}/document`}
                  target="_blank"
                  data-testid="case-document"
                >
                  {t('action.document')}
                </Button>
                {can('oversight.report') && c.status === 'open' && (
                  <Button
                    size="small"
                    type="primary"
                    data-testid="case-report"
                    onClick={() => setReporting(c)}
                  >
                    {t('action.report')}
                  </Button>
                )}
                {can('oversight.write') && c.status === 'reported' && (
                  <Button
                    size="small"
                    type="primary"
                    data-testid="case-verify"
                    onClick={() => setVerifying(c)}
                  >
                    {t('action.verify')}
                  </Button>
                )}
              </Space>
            ),
          },
        ]}
        expandable={{
          rowExpandable: (c) => Boolean(c.reportText || c.verifyNote),
          expandedRowRender: (c) => (
            <Space direction="vertical">
              {c.reportText && (
                <span>
                  {t('report.text')}：{c.reportText}（{c.reportedAt && formatDateTime(c.reportedAt)}）
                </span>
              )}
              {c.verifyNote && (
                <span>
                  {t('verify.note')}：{c.verifyNote}
                </span>
              )}
              <Space wrap>
                {c.attachments.map((a) => (
                  <a key={a.id} href={`${base}/attachments/${a.id}`} target="_blank" rel="noreferrer">
                    {a.name}
                  </a>
                ))}
              </Space>
            </Space>
          ),
        }}
      />
      {reporting && <ReportModal c={reporting} onClose={() => setReporting(null)} />}
      {verifying && <VerifyModal c={verifying} onClose={() => setVerifying(null)} />}
    </>
  );
}

function ReportModal({ c, onClose }: { c: Case; onClose: () => void }) {
  const { t } = useTranslation('oversight');
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [text, setText] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const save = useMutation({
    mutationFn: async () =>
      api(`${base}/cases/${c.id}/report`, {
        method: 'POST',
        body: {
          text,
          evidence: await Promise.all(
            files.map(async (f) => ({
              name: f.name,
              type: f.type || 'image/jpeg',
              data: await readBase64(f),
            })),
          ),
        },
      }),
    onSuccess: () => {
      message.success(t('report.done'));
      void qc.invalidateQueries({ queryKey: KEY });
      onClose();
    },
    onError: (e) => message.error(errorText(e)),
  });
  return (
    <Modal
      open
      title={`${t('action.report')}：${c.number}`}
      onCancel={onClose}
      onOk={() => save.mutate()}
      okText={t('action.submit')}
      okButtonProps={{ loading: save.isPending, 'data-testid': 'report-submit' } as ButtonProps}
    >
      <Typography.Paragraph>{c.description}</Typography.Paragraph>
      <Form layout="vertical">
        <Form.Item label={t('report.text')}>
          <Input.TextArea
            rows={3}
            value={text}
            onChange={(e) => setText(e.target.value)}
            data-testid="report-text"
          />
        </Form.Item>
        <Form.Item label={t('report.evidence')}>
          <input
            type="file"
            accept="image/jpeg,image/png,application/pdf"
            multiple
            data-testid="report-evidence"
            onChange={(e) => setFiles([...(e.target.files ?? [])])}
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function VerifyModal({ c, onClose }: { c: Case; onClose: () => void }) {
  const { t } = useTranslation('oversight');
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [note, setNote] = useState('');
  const save = useMutation({
    mutationFn: (accepted: boolean) =>
      api(`${base}/cases/${c.id}/verify`, { method: 'POST', body: { accepted, note } }),
    onSuccess: () => {
      message.success(t('verify.done'));
      void qc.invalidateQueries({ queryKey: KEY });
      onClose();
    },
    onError: (e) => message.error(errorText(e)),
  });
  return (
    <Modal open title={`${t('action.verify')}：${c.number}`} onCancel={onClose} footer={null}>
      <Typography.Paragraph>{c.description}</Typography.Paragraph>
      <Typography.Paragraph>
        {t('report.text')}：{c.reportText}
      </Typography.Paragraph>
      <Space wrap style={{ marginBottom: 12 }}>
        {c.attachments.map((a) => (
          <a key={a.id} href={`${base}/attachments/${a.id}`} target="_blank" rel="noreferrer">
            {a.name}
          </a>
        ))}
      </Space>
      <Input.TextArea
        rows={2}
        placeholder={t('verify.note')}
        value={note}
        onChange={(e) => setNote(e.target.value)}
        data-testid="verify-note"
      />
      <Space style={{ marginTop: 12 }}>
        <Button
          type="primary"
          loading={save.isPending}
          onClick={() => save.mutate(true)}
          data-testid="verify-accept"
        >
          {t('action.accept')}
        </Button>
        <Button danger loading={save.isPending} onClick={() => save.mutate(false)}>
          {t('action.reject')}
        </Button>
      </Space>
    </Modal>
  );
}

function RiskTab() {
  const { t } = useTranslation('oversight');
  const q = useQuery({
    queryKey: [...KEY, 'risk'],
    queryFn: () => api<{ items: RiskScore[] }>(`${base}/risk-board`).then((r) => r.items),
  });
  return (
    <Table<RiskScore>
      rowKey="unitId"
      size="small"
      loading={q.isLoading}
      dataSource={q.data ?? []}
      columns={[
        { title: t('col.unit'), dataIndex: 'unitName' },
        { title: t('col.score'), dataIndex: 'score' },
        {
          title: t('col.risk'),
          dataIndex: 'level',
          render: (v: RiskScore['level']) => <Tag color={RISK_COLOR[v]}>{t(`risk.${v}`)}</Tag>,
        },
      ]}
      expandable={{
        rowExpandable: (r) => r.contributions.length > 0,
        expandedRowRender: (r) => (
          <Table
            rowKey={(c) => `${c.rule}-${c.ref}-${c.at}`}
            size="small"
            pagination={false}
            dataSource={r.contributions}
            columns={[
              { title: t('col.rule'), dataIndex: 'ruleText' },
              { title: t('col.event'), dataIndex: 'ref' },
              { title: t('col.last'), dataIndex: 'at', render: (v: string) => formatDateTime(v) },
              { title: t('col.points'), dataIndex: 'points' },
              { title: t('col.weight'), dataIndex: 'weight' },
            ]}
          />
        ),
      }}
    />
  );
}

function ComplianceTab() {
  const { t } = useTranslation('oversight');
  const q = useQuery({
    queryKey: [...KEY, 'compliance'],
    queryFn: () => api<ComplianceReport>(`${base}/compliance`),
  });
  const rows = q.data ? [...q.data.byStation, { ...q.data.total, orgId: 'total' }] : [];
  return (
    <Table
      rowKey={(r) => r.orgId ?? 'total'}
      size="small"
      loading={q.isLoading}
      pagination={false}
      dataSource={rows}
      columns={[
        { title: t('col.station'), dataIndex: 'orgName' },
        { title: t('col.units'), dataIndex: 'units' },
        { title: t('col.compliant'), dataIndex: 'compliant' },
        { title: t('col.rate'), dataIndex: 'rate', render: (v: number) => `${(v * 100).toFixed(1)}%` },
      ]}
    />
  );
}
