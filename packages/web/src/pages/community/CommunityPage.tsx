import { CASE_CATEGORY_LABELS } from '@citywatch/core/community/mediation';
import { findReportCategory } from '@citywatch/core/community/reports';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Input, Modal, Space, Table, Tabs, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import {
  communityApi,
  communityKeys,
  communityQueries,
  type MediationCase,
  type Report,
} from '../../api/community';
import { useCan } from '../../auth/session';
import { CaseDrawer } from './CaseDrawer';
import { ReportMediaButton } from './ReportMedia';
import { SlaTag } from './SlaTag';
import { VolunteersTab, VolunteersTabLabel } from './VolunteersTab';

const time = (iso: string) =>
  new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
const label = (l: { zh: string; en: string }, lang: string) => (lang === 'en' ? l.en : l.zh);
const percent = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);

/** 社区防控: citizen reports to decide, the mediation board with its clock, and mediation results. */
export function CommunityPage() {
  const { t } = useTranslation('community');
  return (
    <div data-testid="community-page" style={{ padding: 16 }}>
      <Tabs
        items={[
          { key: 'intake', label: t('tabs.intake'), children: <IntakeQueue /> },
          { key: 'cases', label: t('tabs.cases'), children: <CasesBoard /> },
          { key: 'rates', label: t('tabs.rates'), children: <Rates /> },
          { key: 'volunteers', label: <VolunteersTabLabel />, children: <VolunteersTab /> },
        ]}
      />
    </div>
  );
}

function IntakeQueue() {
  const { t, i18n } = useTranslation('community');
  const { message } = App.useApp();
  const can = useCan();
  const cache = useQueryClient();
  const [all, setAll] = useState(false);
  const reports = useQuery({
    ...communityQueries.reports(all ? undefined : 'received'),
    refetchInterval: 15_000,
  });
  const [rejecting, setRejecting] = useState<Report | null>(null);
  const [reason, setReason] = useState('');
  const decide = useMutation({
    mutationFn: ({ id, decision }: { id: string; decision: Parameters<typeof communityApi.decide>[1] }) =>
      communityApi.decide(id, decision),
    onSuccess: (r) => {
      message.success(t('intake.decided', { status: t(`status.${r.status}`) }));
      setRejecting(null);
      setReason('');
      void cache.invalidateQueries({ queryKey: communityKeys.all });
    },
    onError: (e) => message.error(errorText(e)),
  });
  const canDecide = can('community.intake');
  return (
    <Card
      size="small"
      extra={
        <Button size="small" onClick={() => setAll((v) => !v)}>
          {all ? t('status.received') : t('intake.showAll')}
        </Button>
      }
    >
      <Table<Report>
        rowKey="id"
        size="small"
        loading={reports.isLoading}
        dataSource={reports.data ?? []}
        locale={{ emptyText: t('intake.empty') }}
        pagination={{ pageSize: 20 }}
        columns={[
          { title: t('intake.number'), dataIndex: 'number', width: 140 },
          {
            title: t('intake.category'),
            dataIndex: 'category',
            width: 110,
            render: (c: string) => (
              <Tag>{label(findReportCategory(c) ?? { zh: c, en: c }, i18n.language)}</Tag>
            ),
          },
          { title: t('intake.description'), dataIndex: 'description' },
          { title: t('intake.station'), render: (_, r) => r.org.name, width: 110 },
          { title: t('intake.received'), render: (_, r) => time(r.receivedAt), width: 160 },
          {
            title: t('intake.expected'),
            width: 160,
            render: (_, r) => (
              <Typography.Text
                type={r.status === 'received' && Date.parse(r.expectedAt) < Date.now() ? 'danger' : undefined}
              >
                {time(r.expectedAt)}
              </Typography.Text>
            ),
          },
          {
            title: t('intake.media'),
            width: 120,
            render: (_, r) =>
              r.media ? (
                <Space direction="vertical" size={0}>
                  <ReportMediaButton report={r} />
                  {r.media.takenAt && (
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {t('intake.exifTaken', { time: time(r.media.takenAt) })}
                    </Typography.Text>
                  )}
                </Space>
              ) : null,
          },
          {
            title: t('intake.status'),
            width: 260,
            render: (_, r) =>
              r.status !== 'received' || !canDecide ? (
                <Space direction="vertical" size={0}>
                  <Tag color={r.status === 'rejected' ? 'default' : 'blue'}>{t(`status.${r.status}`)}</Tag>
                  {r.statusNotes && <Typography.Text type="secondary">{r.statusNotes}</Typography.Text>}
                </Space>
              ) : (
                <Space wrap size={4} data-testid={`decide-${r.number}`}>
                  <Button
                    size="small"
                    danger
                    loading={decide.isPending}
                    onClick={() =>
                      decide.mutate({ id: r.id, decision: { action: 'incident', priority: 'P3' } })
                    }
                  >
                    {t('intake.toIncident')}
                  </Button>
                  <Button
                    size="small"
                    onClick={() => decide.mutate({ id: r.id, decision: { action: 'case' } })}
                  >
                    {t('intake.toCase')}
                  </Button>
                  <Button
                    size="small"
                    onClick={() => decide.mutate({ id: r.id, decision: { action: 'hotline' } })}
                  >
                    {t('intake.toHotline')}
                  </Button>
                  <Button size="small" type="text" onClick={() => setRejecting(r)}>
                    {t('intake.reject')}
                  </Button>
                </Space>
              ),
          },
        ]}
      />
      <Modal
        open={rejecting !== null}
        title={`${t('intake.reject')} ${rejecting?.number ?? ''}`}
        okButtonProps={{ disabled: reason.trim().length < 2, loading: decide.isPending }}
        onOk={() => rejecting && decide.mutate({ id: rejecting.id, decision: { action: 'reject', reason } })}
        onCancel={() => setRejecting(null)}
      >
        <Input.TextArea
          placeholder={t('intake.rejectReason')}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      </Modal>
    </Card>
  );
}

function CasesBoard() {
  const { t, i18n } = useTranslation('community');
  const cases = useQuery({ ...communityQueries.cases(), refetchInterval: 30_000 });
  const [open, setOpen] = useState<string | null>(null);
  return (
    <Card size="small">
      <Table<MediationCase>
        rowKey="id"
        size="small"
        loading={cases.isLoading}
        dataSource={cases.data ?? []}
        locale={{ emptyText: t('cases.empty') }}
        pagination={{ pageSize: 20 }}
        onRow={(c) => ({ onClick: () => setOpen(c.id), style: { cursor: 'pointer' } })}
        columns={[
          { title: t('cases.number'), dataIndex: 'number', width: 140 },
          {
            title: t('cases.category'),
            width: 100,
            render: (_, c) => label(CASE_CATEGORY_LABELS[c.category], i18n.language),
          },
          { title: t('cases.summary'), dataIndex: 'summary', ellipsis: true },
          {
            title: t('cases.status'),
            width: 170,
            render: (_, c) => (
              <Space size={4}>
                <Tag>{t(`caseStatus.${c.status}`)}</Tag>
                {c.riskViolence && <Tag color="red">{t('cases.risk')}</Tag>}
              </Space>
            ),
          },
          { title: t('cases.mediator'), width: 100, render: (_, c) => c.mediator?.name ?? '—' },
          { title: t('cases.room'), width: 110, render: (_, c) => c.room ?? '—' },
          { title: t('cases.due'), width: 150, render: (_, c) => <SlaTag c={c} /> },
        ]}
      />
      {open && <CaseDrawer id={open} onClose={() => setOpen(null)} />}
    </Card>
  );
}

function Rates() {
  const { t } = useTranslation('community');
  const [range] = useState(() => {
    const to = new Date(Date.now() + 86_400_000);
    return { from: new Date(to.getTime() - 91 * 86_400_000).toISOString(), to: to.toISOString() };
  });
  const rates = useQuery(communityQueries.rates(range.from, range.to));
  const columns = (first: string) => [
    { title: first, dataIndex: 'name' },
    { title: t('rates.cases'), dataIndex: 'cases' },
    { title: t('rates.ended'), dataIndex: 'ended' },
    { title: t('rates.resolution'), dataIndex: 'resolutionRate', render: percent },
    { title: t('rates.onTime'), dataIndex: 'onTimeRate', render: percent },
    { title: t('rates.overdue'), dataIndex: 'overdue' },
  ];
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Text type="secondary">{t('rates.period')}</Typography.Text>
      <Table
        rowKey="key"
        size="small"
        pagination={false}
        loading={rates.isLoading}
        dataSource={rates.data?.stations ?? []}
        columns={columns(t('rates.station'))}
      />
      <Table
        rowKey="key"
        size="small"
        pagination={false}
        loading={rates.isLoading}
        dataSource={rates.data?.mediators ?? []}
        columns={columns(t('rates.mediator'))}
      />
    </Space>
  );
}
