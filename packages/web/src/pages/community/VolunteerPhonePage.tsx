import { type MyShifts, SHIFT_TASK_LABELS } from '@citywatch/core/community/volunteers';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Result, Space, Tag, Typography } from 'antd';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { api, errorText } from '../../api/client';

const WORDS = {
  'zh-CN': {
    title: '志愿者排班',
    badLink: '链接无效，请向社区民警重新索取',
    hello: '{{name}}，您好',
    signUp: '报名',
    offer: '我要换班',
    withdraw: '取消换班',
    take: '接班',
    checkIn: '到岗签到',
    checkOut: '签退',
    places: '已报 {{signed}}/{{capacity}}',
    offered: '有人换班',
    mineOffered: '换班中',
    checkedIn: '已签到',
    done: '已签退',
    patrolling: '巡逻中：位置每 30 秒上报一次（仅在岗期间）',
    noGeo: '无法获取位置，请允许定位',
    ok: '已完成',
    none: '暂无班次',
  },
  en: {
    title: 'Volunteer shifts',
    badLink: 'This link is not valid; ask your community officer for a new one',
    hello: 'Hello, {{name}}',
    signUp: 'Sign up',
    offer: 'Offer for a swap',
    withdraw: 'Withdraw offer',
    take: 'Take it',
    checkIn: 'Check in here',
    checkOut: 'Check out',
    places: '{{signed}}/{{capacity}} signed up',
    offered: 'A place is offered',
    mineOffered: 'Offered',
    checkedIn: 'Checked in',
    done: 'Checked out',
    patrolling: 'On patrol: your position is sent every 30 s (while on duty only)',
    noGeo: 'No position; allow location access',
    ok: 'Done',
    none: 'No shifts',
  },
};

const local = (iso: string) =>
  new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });

function position(): Promise<{ lon: number; lat: number }> {
  return new Promise((resolve, reject) =>
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lon: p.coords.longitude, lat: p.coords.latitude }),
      reject,
      { enableHighAccuracy: true, timeout: 15_000 },
    ),
  );
}

/** /volunteer?t=…: a volunteer's phone page (public, outside the frame, the link's token speaks). */
export function VolunteerPhonePage() {
  const { i18n } = useTranslation();
  const w = i18n.language === 'en' ? WORDS.en : WORDS['zh-CN'];
  const { message } = App.useApp();
  const cache = useQueryClient();
  const token = new URLSearchParams(window.location.search).get('t') ?? '';
  const headers = { authorization: `Bearer ${token}` };
  const me = useQuery({
    queryKey: ['volunteer', 'me', token],
    queryFn: ({ signal }) =>
      api<MyShifts>('/api/community/volunteer/me', {
        headers,
        signal,
        noAuthRedirect: true,
      }),
    retry: false,
    refetchInterval: 60_000,
  });
  const act = useMutation({
    mutationFn: async ({ path, body }: { path: string; body: Record<string, unknown> }) => {
      const extra = path === 'check-in' ? await position() : {};
      return api(`/api/community/volunteer/me/${path}`, {
        method: 'POST',
        body: { ...body, ...extra },
        headers,
        noAuthRedirect: true,
      });
    },
    onSuccess: () => {
      message.success(w.ok);
      void cache.invalidateQueries({ queryKey: ['volunteer', 'me', token] });
    },
    onError: (e) => message.error(e instanceof GeolocationPositionError ? w.noGeo : errorText(e)),
  });

  // On a patrol while checked in: positions every 30 s, sent as AVL-like fixes.
  const patrol = me.data?.shifts.find(
    (s) => s.task === 'patrol' && s.mine?.checkedInAt && !s.mine.checkedOutAt,
  );
  const patrolId = patrol?.id;
  const pending = useRef<{ at: string; lon: number; lat: number }[]>([]);
  useEffect(() => {
    if (!patrolId || !('geolocation' in navigator)) return;
    const watch = navigator.geolocation.watchPosition(
      (p) =>
        pending.current.push({
          at: new Date(p.timestamp).toISOString(),
          lon: p.coords.longitude,
          lat: p.coords.latitude,
        }),
      () => {},
      { enableHighAccuracy: true },
    );
    const timer = window.setInterval(() => {
      const fixes = pending.current.splice(0, 500);
      if (fixes.length === 0) return;
      void api('/api/community/volunteer/me/fixes', {
        method: 'POST',
        body: { shiftId: patrolId, fixes },
        headers: { authorization: `Bearer ${token}` },
        noAuthRedirect: true,
      }).catch(() => pending.current.unshift(...fixes.slice(-100)));
    }, 30_000);
    return () => {
      navigator.geolocation.clearWatch(watch);
      window.clearInterval(timer);
    };
  }, [patrolId, token]);

  if (me.isError) return <Result status="warning" title={w.badLink} />;
  const button = (label: string, path: string, body: Record<string, unknown>, primary = false) => (
    <Button
      type={primary ? 'primary' : 'default'}
      loading={act.isPending && act.variables?.path === path && act.variables.body.shiftId === body.shiftId}
      onClick={() => act.mutate({ path, body })}
    >
      {label}
    </Button>
  );
  return (
    <div style={{ maxWidth: 480, margin: '0 auto', padding: 12 }} data-testid="volunteer-phone">
      <Typography.Title level={4}>{w.title}</Typography.Title>
      {me.data && <Typography.Paragraph>{w.hello.replace('{{name}}', me.data.name)}</Typography.Paragraph>}
      {patrol && <Tag color="blue">{w.patrolling}</Tag>}
      <Space direction="vertical" style={{ width: '100%' }}>
        {me.data?.shifts.length === 0 && <Typography.Text type="secondary">{w.none}</Typography.Text>}
        {me.data?.shifts.map((s) => {
          const started = Date.parse(s.startsAt) <= Date.now();
          const m = s.mine;
          return (
            <Card key={s.id} size="small" title={s.title} data-testid={`shift-${s.title}`}>
              <div>
                {i18n.language === 'en' ? SHIFT_TASK_LABELS[s.task].en : SHIFT_TASK_LABELS[s.task].zh} ·{' '}
                {local(s.startsAt)} – {local(s.endsAt)}
              </div>
              <Space wrap style={{ marginTop: 8 }}>
                <span>
                  {w.places
                    .replace('{{signed}}', String(s.signed))
                    .replace('{{capacity}}', String(s.capacity))}
                </span>
                {s.offered && <Tag color="orange">{w.offered}</Tag>}
                {m?.offered && <Tag color="orange">{w.mineOffered}</Tag>}
                {m?.checkedInAt && <Tag color="green">{m.checkedOutAt ? w.done : w.checkedIn}</Tag>}
              </Space>
              <Space wrap style={{ marginTop: 8 }}>
                {!m && s.signed < s.capacity && button(w.signUp, 'signups', { shiftId: s.id }, true)}
                {!m && s.offered && !started && button(w.take, 'takes', { shiftId: s.id }, true)}
                {m &&
                  !m.checkedInAt &&
                  !started &&
                  button(m.offered ? w.withdraw : w.offer, 'offers', { shiftId: s.id, offered: !m.offered })}
                {m && !m.checkedInAt && button(w.checkIn, 'check-in', { shiftId: s.id }, true)}
                {m?.checkedInAt && !m.checkedOutAt && button(w.checkOut, 'check-out', { shiftId: s.id })}
              </Space>
            </Card>
          );
        })}
      </Space>
    </div>
  );
}
