import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Input, List, Select, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import { useCan, useCurrentUser } from '../../auth/session';
import { type Camera, type PlaybackRequest, videoApi } from '../../video/api';

const STATUS_COLOR = { pending: 'processing', approved: 'success', rejected: 'error' } as const;

/** Local datetime-local text → ISO (the browser's zone). */
const toIso = (local: string) => new Date(local).toISOString();

/**
 * Playback requests (录像调阅): ask for a past window of a camera with a purpose; a second person
 * approves; the requester then opens the NVR's playback address (audited with the purpose).
 */
export function PlaybackPanel({ cameras }: { cameras: readonly Camera[] }) {
  const { t } = useTranslation('video', { keyPrefix: 'playback' });
  const can = useCan();
  const me = useCurrentUser().username;
  const cache = useQueryClient();
  const list = useQuery({
    queryKey: ['video', 'playbacks'],
    queryFn: ({ signal }) => videoApi.playbacks(signal),
  });
  const [cameraId, setCameraId] = useState<string | undefined>();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [purpose, setPurpose] = useState('');
  const [opened, setOpened] = useState<Record<string, string>>({});
  const refresh = () => cache.invalidateQueries({ queryKey: ['video', 'playbacks'] });
  const ask = useMutation({
    mutationFn: () =>
      videoApi.requestPlayback({ cameraId: cameraId ?? '', from: toIso(from), to: toIso(to), purpose }),
    onSuccess: refresh,
  });
  const decide = useMutation({
    mutationFn: (v: { id: string; approve: boolean }) => videoApi.decidePlayback(v.id, v.approve),
    onSuccess: refresh,
  });
  const open = async (r: PlaybackRequest) => {
    const u = await videoApi.playbackUrl(r.id, r.purpose);
    setOpened((o) => ({ ...o, [r.id]: u.url }));
  };
  const withPlayback = cameras.filter((c) => c.hasPlayback);
  const error = ask.error ?? decide.error;
  return (
    <Card size="small" title={t('title')} data-testid="playback-panel">
      {can('video.view') ? (
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Select
            placeholder={t('camera')}
            value={cameraId}
            onChange={setCameraId}
            options={withPlayback.map((c) => ({ value: c.id, label: c.name }))}
            style={{ width: '100%' }}
            data-testid="playback-camera"
          />
          <Space.Compact style={{ width: '100%' }}>
            <Input
              type="datetime-local"
              value={from}
              onChange={(e) => setFrom(e.target.value)}
              data-testid="playback-from"
            />
            <Input
              type="datetime-local"
              value={to}
              onChange={(e) => setTo(e.target.value)}
              data-testid="playback-to"
            />
          </Space.Compact>
          <Input
            value={purpose}
            onChange={(e) => setPurpose(e.target.value)}
            placeholder={t('purpose')}
            data-testid="playback-purpose"
          />
          <Button
            size="small"
            type="primary"
            disabled={!cameraId || !from || !to || purpose.trim().length < 2}
            loading={ask.isPending}
            onClick={() => ask.mutate()}
            data-testid="playback-ask"
          >
            {t('ask')}
          </Button>
        </Space>
      ) : null}
      {error ? <Alert type="error" showIcon title={errorText(error)} style={{ marginTop: 8 }} /> : null}
      <List
        size="small"
        dataSource={list.data ?? []}
        renderItem={(r) => (
          <List.Item data-testid="playback-item">
            <Space orientation="vertical" size={2} style={{ width: '100%' }}>
              <Space size={4} wrap>
                <Typography.Text>{r.cameraName}</Typography.Text>
                <Tag color={STATUS_COLOR[r.status]}>{t(`status.${r.status}`)}</Tag>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {r.requestedBy} · {r.purpose}
                </Typography.Text>
              </Space>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {new Date(r.from).toLocaleString()} – {new Date(r.to).toLocaleString()}
              </Typography.Text>
              <Space size={4}>
                {r.status === 'pending' && can('video.approve') && r.requestedBy !== me ? (
                  <>
                    <Button size="small" onClick={() => decide.mutate({ id: r.id, approve: true })}>
                      {t('approve')}
                    </Button>
                    <Button size="small" danger onClick={() => decide.mutate({ id: r.id, approve: false })}>
                      {t('reject')}
                    </Button>
                  </>
                ) : null}
                {r.status === 'approved' && can('video.view') ? (
                  <Button size="small" type="link" onClick={() => open(r)} data-testid="playback-open">
                    {t('open')}
                  </Button>
                ) : null}
              </Space>
              {opened[r.id] ? (
                <Typography.Text copyable code style={{ fontSize: 12 }} data-testid="playback-url">
                  {opened[r.id]}
                </Typography.Text>
              ) : null}
            </Space>
          </List.Item>
        )}
      />
    </Card>
  );
}
