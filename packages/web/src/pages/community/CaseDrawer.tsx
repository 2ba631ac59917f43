import { CASE_CATEGORY_LABELS } from '@citywatch/core/community/mediation';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App,
  Button,
  DatePicker,
  Descriptions,
  Drawer,
  Form,
  Input,
  List,
  Popconfirm,
  Space,
  Switch,
  Tag,
  Typography,
} from 'antd';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import { communityApi, communityKeys, communityQueries } from '../../api/community';
import { useCan, useCurrentUser } from '../../auth/session';
import { SlaTag } from './SlaTag';

const time = (iso: string) =>
  new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });

/** One mediation case: room, sessions, the written agreement and its PDF, follow-ups, closing, escalation. */
export function CaseDrawer({ id, onClose }: { id: string; onClose: () => void }) {
  const { t, i18n } = useTranslation('community');
  const { message } = App.useApp();
  const can = useCan();
  const cache = useQueryClient();
  const detail = useQuery(communityQueries.case(id));
  const c = detail.data;
  const done = () => {
    message.success(t('cases.saved'));
    void cache.invalidateQueries({ queryKey: communityKeys.all });
  };
  const fail = (e: unknown) => message.error(errorText(e));
  const run = useMutation({ mutationFn: (f: () => Promise<unknown>) => f(), onSuccess: done, onError: fail });
  const pdf = useMutation({
    mutationFn: () => communityApi.agreementPdf(id, t('cases.pdfPurpose')),
    onSuccess: (blob) => {
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `agreement-${c?.number ?? id}.pdf`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    },
    onError: fail,
  });
  const edit = can('community.mediate');
  const me = useCurrentUser();
  const mayMediate = me.roles.includes('mediator') || me.roles.includes('community_officer');
  const en = i18n.language === 'en';
  return (
    <Drawer
      open
      width={640}
      title={c ? `${c.number} · ${t(`caseStatus.${c.status}`)}` : ''}
      onClose={onClose}
      data-testid="case-drawer"
    >
      {c && (
        <Space direction="vertical" style={{ width: '100%' }} size="middle">
          <Descriptions size="small" column={2} bordered>
            <Descriptions.Item label={t('cases.category')}>
              {en ? CASE_CATEGORY_LABELS[c.category].en : CASE_CATEGORY_LABELS[c.category].zh}
            </Descriptions.Item>
            <Descriptions.Item label={t('cases.due')}>
              <SlaTag c={c} />
            </Descriptions.Item>
            <Descriptions.Item label={t('cases.mediator')}>{c.mediator?.name ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={t('cases.room')}>{c.room ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={t('cases.summary')} span={2}>
              {c.summary}
            </Descriptions.Item>
          </Descriptions>
          {c.riskIncidentId ? (
            <Tag color="red">{t('cases.escalated')}</Tag>
          ) : (
            can('community.escalate') &&
            !['closed', 'withdrawn'].includes(c.status) && (
              <Popconfirm
                title={t('cases.escalate')}
                onConfirm={() => run.mutate(() => communityApi.escalate(id))}
              >
                <Button danger>{t('cases.escalate')}</Button>
              </Popconfirm>
            )
          )}
          {edit && mayMediate && !c.mediator && (c.status === 'intake' || c.status === 'mediating') && (
            <Button onClick={() => run.mutate(() => communityApi.updateCase(id, { mediatorId: me.id }))}>
              {t('cases.takeCase')}
            </Button>
          )}
          {edit && (c.status === 'intake' || c.status === 'mediating') && (
            <Form
              layout="inline"
              onFinish={(v: { room: string }) =>
                run.mutate(() => communityApi.updateCase(id, { room: v.room }))
              }
            >
              <Form.Item name="room" rules={[{ required: true }]}>
                <Input placeholder={t('cases.room')} style={{ width: 180 }} />
              </Form.Item>
              <Button htmlType="submit">{t('cases.setRoom')}</Button>
            </Form>
          )}

          <Typography.Title level={5}>{t('cases.sessions')}</Typography.Title>
          <List
            size="small"
            dataSource={c.sessions}
            renderItem={(s) => (
              <List.Item>
                {time(s.heldAt)} {s.room ? `· ${s.room}` : ''} — {s.notes}
              </List.Item>
            )}
          />
          {edit && (c.status === 'intake' || c.status === 'mediating') && (
            <Form
              layout="inline"
              onFinish={(v: { notes: string }) =>
                run.mutate(() =>
                  communityApi.addSession(id, { heldAt: new Date().toISOString(), notes: v.notes }),
                )
              }
            >
              <Form.Item name="notes" rules={[{ required: true, min: 2 }]} style={{ flex: 1 }}>
                <Input placeholder={t('cases.notes')} data-testid="session-notes" />
              </Form.Item>
              <Button htmlType="submit">{t('cases.addSession')}</Button>
            </Form>
          )}

          <Typography.Title level={5}>{t('cases.agreement')}</Typography.Title>
          {c.agreement ? (
            <Descriptions size="small" column={1} bordered data-testid="agreement">
              <Descriptions.Item label={t('cases.facts')}>{c.agreement.facts}</Descriptions.Item>
              <Descriptions.Item label={t('cases.responsibilities')}>
                {c.agreement.responsibilities}
              </Descriptions.Item>
              <Descriptions.Item label={t('cases.performance')}>{c.agreement.performance}</Descriptions.Item>
              <Descriptions.Item label={t('cases.performBy')}>{c.agreement.performBy}</Descriptions.Item>
            </Descriptions>
          ) : (
            edit &&
            c.status === 'mediating' && (
              <Form
                layout="vertical"
                data-testid="agreement-form"
                onFinish={(v: {
                  facts: string;
                  responsibilities: string;
                  performance: string;
                  performBy: { format(f: string): string };
                }) =>
                  run.mutate(() =>
                    communityApi.agree(id, { ...v, performBy: v.performBy.format('YYYY-MM-DD') }),
                  )
                }
              >
                <Form.Item name="facts" label={t('cases.facts')} rules={[{ required: true, min: 10 }]}>
                  <Input.TextArea rows={2} />
                </Form.Item>
                <Form.Item
                  name="responsibilities"
                  label={t('cases.responsibilities')}
                  rules={[{ required: true, min: 5 }]}
                >
                  <Input.TextArea rows={2} />
                </Form.Item>
                <Form.Item
                  name="performance"
                  label={t('cases.performance')}
                  rules={[{ required: true, min: 5 }]}
                >
                  <Input />
                </Form.Item>
                <Form.Item name="performBy" label={t('cases.performBy')} rules={[{ required: true }]}>
                  <DatePicker />
                </Form.Item>
                <Button type="primary" htmlType="submit" loading={run.isPending}>
                  {t('cases.sign')}
                </Button>
              </Form>
            )
          )}
          {c.agreement && (
            <Button onClick={() => pdf.mutate()} loading={pdf.isPending}>
              {t('cases.pdf')}
            </Button>
          )}

          {c.agreement && (
            <>
              <Typography.Title level={5}>{t('cases.followUps')}</Typography.Title>
              <List
                size="small"
                dataSource={c.followUps}
                renderItem={(f) => (
                  <List.Item>
                    {time(f.visitedAt)}{' '}
                    <Tag color={f.performed ? 'green' : 'orange'}>
                      {t(f.performed ? 'cases.performed' : 'cases.notPerformed')}
                    </Tag>{' '}
                    {f.notes}
                  </List.Item>
                )}
              />
              {edit && c.status === 'agreed' && (
                <Form
                  layout="inline"
                  initialValues={{ performed: true }}
                  onFinish={(v: { notes: string; performed: boolean }) =>
                    run.mutate(() =>
                      communityApi.followUp(id, {
                        visitedAt: new Date().toISOString(),
                        performed: v.performed,
                        notes: v.notes,
                      }),
                    )
                  }
                >
                  <Form.Item name="performed" valuePropName="checked">
                    <Switch
                      checkedChildren={t('cases.performed')}
                      unCheckedChildren={t('cases.notPerformed')}
                    />
                  </Form.Item>
                  <Form.Item name="notes" rules={[{ required: true, min: 2 }]}>
                    <Input placeholder={t('cases.notes')} />
                  </Form.Item>
                  <Button htmlType="submit">{t('cases.addFollowUp')}</Button>
                </Form>
              )}
            </>
          )}
          {edit && (
            <Space>
              {c.status === 'mediating' && (
                <Button onClick={() => run.mutate(() => communityApi.transition(id, 'failed'))}>
                  {t('cases.fail')}
                </Button>
              )}
              {['agreed', 'failed', 'withdrawn'].includes(c.status) && (
                <Button
                  type="primary"
                  onClick={() => run.mutate(() => communityApi.transition(id, 'closed'))}
                >
                  {t('cases.close')}
                </Button>
              )}
            </Space>
          )}
        </Space>
      )}
    </Drawer>
  );
}
