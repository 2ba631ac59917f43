import {
  type HoursRow,
  type Member,
  SHIFT_TASK_LABELS,
  type Shift,
  type ShiftTask,
  type Team,
} from '@citywatch/core/community/volunteers';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Input, InputNumber, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, errorText } from '../../api/client';
import { useCan } from '../../auth/session';

/** The tab's words, Chinese first (kept here so the page's shared message file stays untouched). */
const WORDS = {
  'zh-CN': {
    tab: '志愿者与排班',
    teams: '志愿者队伍',
    newTeam: '新建队伍',
    teamName: '队伍名称',
    org: '所属单位',
    members: '队员',
    leader: '队长',
    makeLeader: '设为队长',
    newLink: '重发链接',
    addMember: '添加队员',
    name: '姓名',
    phone: '手机（可选）',
    showPhone: '查看手机',
    purpose: '查看手机号的用途',
    linkCode: '{{name}} 的志愿者链接（仅显示一次，请发给本人）：',
    shifts: '班次',
    newShift: '新建班次',
    title: '名称',
    task: '任务',
    time: '时间',
    start: '开始（如 2026-11-30T08:00+08:00）',
    end: '结束',
    capacity: '名额',
    radius: '签到半径（米）',
    lon: '经度',
    lat: '纬度',
    signed: '报名',
    checkedIn: '已签到',
    offered: '换班中',
    hours: '服务时长（本月）',
    hoursCol: '小时',
    shiftsCol: '班次数',
    teamTotal: '全队合计',
    pickTeam: '请选择一支队伍',
    saved: '已保存',
  },
  en: {
    tab: 'Volunteers & shifts',
    teams: 'Volunteer teams',
    newTeam: 'New team',
    teamName: 'Team name',
    org: 'Org',
    members: 'Members',
    leader: 'Leader',
    makeLeader: 'Make leader',
    newLink: 'New link',
    addMember: 'Add member',
    name: 'Name',
    phone: 'Phone (optional)',
    showPhone: 'Show phone',
    purpose: 'Why you read the phone number',
    linkCode: "{{name}}'s volunteer link (shown once, send it to them):",
    shifts: 'Shifts',
    newShift: 'New shift',
    title: 'Title',
    task: 'Task',
    time: 'Time',
    start: 'Start (e.g. 2026-11-30T08:00+08:00)',
    end: 'End',
    capacity: 'Places',
    radius: 'Check-in radius (m)',
    lon: 'Longitude',
    lat: 'Latitude',
    signed: 'Signed up',
    checkedIn: 'Checked in',
    offered: 'Offered for a swap',
    hours: 'Hours served (this month)',
    hoursCol: 'Hours',
    shiftsCol: 'Shifts',
    teamTotal: 'Team total',
    pickTeam: 'Pick a team',
    saved: 'Saved',
  },
};
type Words = (typeof WORDS)['zh-CN'];

function useWords(): { w: Words; en: boolean } {
  const { i18n } = useTranslation();
  const en = i18n.language === 'en';
  return { w: en ? WORDS.en : WORDS['zh-CN'], en };
}

/** The tab's label (for the community page's tab list). */
export function VolunteersTabLabel() {
  return <>{useWords().w.tab}</>;
}

const local = (iso: string) =>
  new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
const month = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 7);

/** 群防群治: teams, their members, shifts with sign-ups and check-ins, hours served. */
export function VolunteersTab() {
  const { w } = useWords();
  const can = useCan();
  const { message } = App.useApp();
  const cache = useQueryClient();
  const [teamId, setTeamId] = useState<string | null>(null);
  const [teamName, setTeamName] = useState('');
  const teams = useQuery({
    queryKey: ['community', 'volunteer-teams'],
    queryFn: ({ signal }) =>
      api<{ items: Team[] }>('/api/community/volunteer-teams', { signal }).then((r) => r.items),
  });
  const createTeam = useMutation({
    mutationFn: (name: string) =>
      api<Team>('/api/community/volunteer-teams', { method: 'POST', body: { name } }),
    onSuccess: (team) => {
      setTeamName('');
      setTeamId(team.id);
      void cache.invalidateQueries({ queryKey: ['community', 'volunteer-teams'] });
    },
    onError: (e) => message.error(errorText(e)),
  });
  const editable = can('community.volunteers');
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="volunteers-tab">
      <Card size="small" title={w.teams} data-testid="volunteer-teams">
        {editable && (
          <Space style={{ marginBottom: 8 }}>
            <Input
              placeholder={w.teamName}
              value={teamName}
              onChange={(e) => setTeamName(e.target.value)}
              data-testid="team-name"
            />
            <Button
              type="primary"
              disabled={!teamName.trim()}
              loading={createTeam.isPending}
              onClick={() => createTeam.mutate(teamName.trim())}
            >
              {w.newTeam}
            </Button>
          </Space>
        )}
        <Table<Team>
          size="small"
          rowKey="id"
          loading={teams.isLoading}
          dataSource={teams.data ?? []}
          pagination={false}
          onRow={(r) => ({ onClick: () => setTeamId(r.id), style: { cursor: 'pointer' } })}
          rowClassName={(r) => (r.id === teamId ? 'ant-table-row-selected' : '')}
          columns={[
            { title: w.teamName, dataIndex: 'name' },
            { title: w.org, render: (_, r) => r.org.name },
            { title: w.members, dataIndex: 'memberCount' },
          ]}
        />
      </Card>
      {teamId ? (
        <>
          <Members teamId={teamId} editable={editable} />
          <Shifts teamId={teamId} editable={editable} />
        </>
      ) : (
        <Typography.Text type="secondary">{w.pickTeam}</Typography.Text>
      )}
      <Hours />
    </Space>
  );
}

function Members({ teamId, editable }: { teamId: string; editable: boolean }) {
  const { w } = useWords();
  const { message, modal } = App.useApp();
  const cache = useQueryClient();
  const [name, setName] = useState('');
  const [phone, setPhone] = useState('');
  const [phones, setPhones] = useState<Record<string, string | null>>({});
  const key = ['community', 'volunteer-members', teamId];
  const members = useQuery({
    queryKey: key,
    queryFn: ({ signal }) =>
      api<{ items: Member[] }>(`/api/community/volunteer-teams/${teamId}/members`, { signal }).then(
        (r) => r.items,
      ),
  });
  const refresh = () => {
    void cache.invalidateQueries({ queryKey: key });
    void cache.invalidateQueries({ queryKey: ['community', 'volunteer-teams'] });
  };
  /** A member's phone link, shown once (only its token's hash is kept). */
  const showLink = (who: string, token: string) =>
    modal.info({
      title: w.linkCode.replace('{{name}}', who),
      content: (
        <Typography.Text copyable code data-testid="member-token">
          {`${window.location.origin}/volunteer?t=${token}`}
        </Typography.Text>
      ),
    });
  const add = useMutation({
    mutationFn: () =>
      api<{ id: string; token: string }>('/api/community/volunteer-members', {
        method: 'POST',
        body: { teamId, name: name.trim(), ...(phone.trim() ? { phone: phone.trim() } : {}) },
      }),
    onSuccess: (r) => {
      showLink(name.trim(), r.token);
      setName('');
      setPhone('');
      refresh();
    },
    onError: (e) => message.error(errorText(e)),
  });
  const reissue = useMutation({
    mutationFn: (m: Member) =>
      api<{ id: string; token: string }>(`/api/community/volunteer-members/${m.id}/token`, {
        method: 'POST',
      }).then((r) => ({ ...r, name: m.name })),
    onSuccess: (r) => showLink(r.name, r.token),
    onError: (e) => message.error(errorText(e)),
  });
  const lead = useMutation({
    mutationFn: (leaderId: string) =>
      api(`/api/community/volunteer-teams/${teamId}`, { method: 'PATCH', body: { leaderId } }),
    onSuccess: refresh,
    onError: (e) => message.error(errorText(e)),
  });
  const showPhone = (m: Member) => {
    let purpose = '';
    modal.confirm({
      title: w.purpose,
      content: <Input autoFocus onChange={(e) => (purpose = e.target.value)} data-testid="phone-purpose" />,
      onOk: async () => {
        try {
          const r = await api<{ phone: string | null }>(`/api/community/volunteer-members/${m.id}/phone`, {
            headers: { 'X-Purpose': encodeURIComponent(purpose) },
          });
          setPhones((p) => ({ ...p, [m.id]: r.phone }));
        } catch (e) {
          message.error(errorText(e));
          throw e;
        }
      },
    });
  };
  return (
    <Card size="small" title={w.members}>
      {editable && (
        <Space style={{ marginBottom: 8 }}>
          <Input
            placeholder={w.name}
            value={name}
            onChange={(e) => setName(e.target.value)}
            data-testid="member-name"
          />
          <Input placeholder={w.phone} value={phone} onChange={(e) => setPhone(e.target.value)} />
          <Button disabled={!name.trim()} loading={add.isPending} onClick={() => add.mutate()}>
            {w.addMember}
          </Button>
        </Space>
      )}
      <Table<Member>
        size="small"
        rowKey="id"
        pagination={false}
        loading={members.isLoading}
        dataSource={members.data ?? []}
        columns={[
          {
            title: w.name,
            render: (_, m) => (
              <Space>
                {m.name}
                {m.leader && <Tag color="gold">{w.leader}</Tag>}
              </Space>
            ),
          },
          {
            title: w.phone,
            render: (_, m) =>
              m.id in phones ? (
                (phones[m.id] ?? '—')
              ) : m.hasPhone ? (
                <Button size="small" onClick={() => showPhone(m)}>
                  {w.showPhone}
                </Button>
              ) : (
                '—'
              ),
          },
          {
            title: '',
            render: (_, m) =>
              editable ? (
                <Space>
                  {!m.leader && (
                    <Button size="small" type="link" onClick={() => lead.mutate(m.id)}>
                      {w.makeLeader}
                    </Button>
                  )}
                  <Button size="small" type="link" onClick={() => reissue.mutate(m)}>
                    {w.newLink}
                  </Button>
                </Space>
              ) : null,
          },
        ]}
      />
    </Card>
  );
}

function Shifts({ teamId, editable }: { teamId: string; editable: boolean }) {
  const { w, en } = useWords();
  const { message } = App.useApp();
  const cache = useQueryClient();
  const key = ['community', 'volunteer-shifts', teamId];
  const shifts = useQuery({
    queryKey: key,
    queryFn: ({ signal }) =>
      api<{ items: Shift[] }>('/api/community/volunteer-shifts', {
        query: { teamId, from: new Date(Date.now() - 7 * 86_400_000).toISOString() },
        signal,
      }).then((r) => r.items),
    refetchInterval: 30_000,
  });
  const [form, setForm] = useState({
    title: '',
    task: 'post' as ShiftTask,
    startsAt: '',
    endsAt: '',
    capacity: 5,
    lon: 114.1955,
    lat: 22.6955,
    radiusM: 200,
  });
  const create = useMutation({
    mutationFn: () => {
      const start = new Date(form.startsAt);
      const end = new Date(form.endsAt);
      // A patrol's area from the form: the square of the check-in radius around the place.
      const dLat = form.radiusM / 111_320;
      const dLon = dLat / Math.cos((form.lat * Math.PI) / 180);
      const area =
        form.task === 'patrol'
          ? {
              type: 'Polygon',
              coordinates: [
                [
                  [form.lon - dLon, form.lat - dLat],
                  [form.lon + dLon, form.lat - dLat],
                  [form.lon + dLon, form.lat + dLat],
                  [form.lon - dLon, form.lat + dLat],
                  [form.lon - dLon, form.lat - dLat],
                ],
              ],
            }
          : undefined;
      return api('/api/community/volunteer-shifts', {
        method: 'POST',
        body: {
          teamId,
          ...form,
          startsAt: Number.isNaN(start.getTime()) ? form.startsAt : start.toISOString(),
          endsAt: Number.isNaN(end.getTime()) ? form.endsAt : end.toISOString(),
          ...(area ? { area } : {}),
        },
      });
    },
    onSuccess: () => {
      message.success(w.saved);
      void cache.invalidateQueries({ queryKey: key });
    },
    onError: (e) => message.error(errorText(e)),
  });
  const set = (patch: Partial<typeof form>) => setForm((f) => ({ ...f, ...patch }));
  return (
    <Card size="small" title={w.shifts}>
      {editable && (
        <Space wrap style={{ marginBottom: 8 }}>
          <Input
            placeholder={w.title}
            value={form.title}
            onChange={(e) => set({ title: e.target.value })}
            data-testid="shift-title"
          />
          <Select<ShiftTask>
            value={form.task}
            onChange={(task) => set({ task })}
            options={(['post', 'patrol'] as const).map((k) => ({
              value: k,
              label: en ? SHIFT_TASK_LABELS[k].en : SHIFT_TASK_LABELS[k].zh,
            }))}
          />
          <Input
            placeholder={w.start}
            value={form.startsAt}
            onChange={(e) => set({ startsAt: e.target.value })}
            data-testid="shift-start"
            style={{ width: 260 }}
          />
          <Input
            placeholder={w.end}
            value={form.endsAt}
            onChange={(e) => set({ endsAt: e.target.value })}
            data-testid="shift-end"
            style={{ width: 260 }}
          />
          <InputNumber
            addonBefore={w.capacity}
            min={1}
            value={form.capacity}
            onChange={(v) => set({ capacity: v ?? 1 })}
          />
          <InputNumber
            addonBefore={w.lon}
            value={form.lon}
            step={0.001}
            onChange={(v) => set({ lon: v ?? 0 })}
          />
          <InputNumber
            addonBefore={w.lat}
            value={form.lat}
            step={0.001}
            onChange={(v) => set({ lat: v ?? 0 })}
          />
          <InputNumber
            addonBefore={w.radius}
            min={20}
            value={form.radiusM}
            onChange={(v) => set({ radiusM: v ?? 200 })}
          />
          <Button
            type="primary"
            disabled={!form.title.trim()}
            loading={create.isPending}
            onClick={() => create.mutate()}
          >
            {w.newShift}
          </Button>
        </Space>
      )}
      <Table<Shift>
        size="small"
        rowKey="id"
        pagination={false}
        loading={shifts.isLoading}
        dataSource={shifts.data ?? []}
        columns={[
          { title: w.title, dataIndex: 'title' },
          {
            title: w.task,
            render: (_, s) => (en ? SHIFT_TASK_LABELS[s.task].en : SHIFT_TASK_LABELS[s.task].zh),
          },
          { title: w.time, render: (_, s) => `${local(s.startsAt)} – ${local(s.endsAt)}` },
          {
            title: w.signed,
            render: (_, s) => (
              <Space wrap size={4}>
                <span>
                  {s.signups.length}/{s.capacity}
                </span>
                {s.signups.map((g) => (
                  <Tag key={g.memberId} color={g.checkedInAt ? 'green' : g.offered ? 'orange' : undefined}>
                    {g.name}
                    {g.checkedInAt ? ` · ${w.checkedIn}` : g.offered ? ` · ${w.offered}` : ''}
                  </Tag>
                ))}
              </Space>
            ),
          },
        ]}
      />
    </Card>
  );
}

function Hours() {
  const { w } = useWords();
  const m = month();
  const hours = useQuery({
    queryKey: ['community', 'volunteer-hours', m],
    queryFn: ({ signal }) =>
      api<{ items: HoursRow[] }>('/api/community/volunteer-hours', {
        query: { from: m, to: m },
        signal,
      }).then((r) => r.items),
  });
  return (
    <Card size="small" title={w.hours}>
      <Table<HoursRow>
        size="small"
        rowKey={(r) => `${r.month}|${r.teamId}|${r.memberId ?? ''}`}
        pagination={false}
        loading={hours.isLoading}
        dataSource={hours.data ?? []}
        columns={[
          { title: w.teams, dataIndex: 'teamName' },
          { title: w.name, render: (_, r) => (r.memberId ? r.name : <b>{w.teamTotal}</b>) },
          { title: w.shiftsCol, dataIndex: 'shifts' },
          { title: w.hoursCol, dataIndex: 'hours' },
        ]}
      />
    </Card>
  );
}
