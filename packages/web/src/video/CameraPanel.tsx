import { VideoCameraOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Empty, Input, List, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../api/client';
import { useCan } from '../auth/session';
import { type NearCamera, videoApi, videoQueries } from './api';
import { CitizenMediaList } from './CitizenMediaList';
import { HlsPlayer } from './HlsPlayer';

const STATUS_COLOR = { unknown: 'default', online: 'success', offline: 'warning', fault: 'error' } as const;

interface Viewing {
  cameraId: string;
  name: string;
  hlsUrl: string;
  purpose: string;
}

/**
 * The cameras near a point (an incident, a checkpoint): those whose view covers it first, then the
 * nearest by road, with their status; a live view opens in the panel once a purpose is given (the
 * server audits the view before it hands out the stream). Used by the dispatch console and the
 * video page.
 */
export function CameraPanel({
  lon,
  lat,
  defaultPurpose,
}: {
  lon: number;
  lat: number;
  defaultPurpose?: string;
}) {
  const { t } = useTranslation('video', { keyPrefix: 'panel' });
  const can = useCan();
  const near = useQuery({ ...videoQueries.near(lon, lat), enabled: can('video.read') });
  const [asking, setAsking] = useState<NearCamera | null>(null);
  const [purpose, setPurpose] = useState(defaultPurpose ?? '');
  const [viewing, setViewing] = useState<Viewing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [opening, setOpening] = useState(false);

  if (!can('video.read')) return null;

  const open = async () => {
    if (!asking) return;
    setOpening(true);
    setError(null);
    try {
      const live = await videoApi.live(asking.camera.id, purpose.trim());
      setViewing({
        cameraId: live.cameraId,
        name: asking.camera.name,
        hlsUrl: live.hlsUrl,
        purpose: live.purpose,
      });
      setAsking(null);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setOpening(false);
    }
  };

  const items = near.data?.items ?? [];
  return (
    <Card
      size="small"
      data-testid="camera-panel"
      title={
        <Space size={6}>
          <VideoCameraOutlined />
          {t('title')}
        </Space>
      }
      extra={
        viewing ? (
          <Button size="small" onClick={() => setViewing(null)}>
            {t('close')}
          </Button>
        ) : null
      }
    >
      {viewing ? (
        <div style={{ marginBottom: 8 }}>
          <HlsPlayer src={viewing.hlsUrl} />
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t('viewing', { name: viewing.name, purpose: viewing.purpose })}
          </Typography.Text>
        </div>
      ) : null}
      {near.error ? (
        <Alert type="error" showIcon title={t('loadFailed', { error: errorText(near.error) })} />
      ) : null}
      {!near.isLoading && items.length === 0 && !near.error ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('none')} />
      ) : (
        <List
          size="small"
          loading={near.isLoading}
          dataSource={items}
          renderItem={(item) => (
            <List.Item
              data-testid="camera-item"
              actions={
                can('video.view') && item.camera.hasHls
                  ? [
                      <Button
                        key="view"
                        size="small"
                        type="link"
                        data-testid="camera-view"
                        onClick={() => {
                          setAsking(item);
                          setError(null);
                        }}
                      >
                        {t('view')}
                      </Button>,
                    ]
                  : [
                      <Typography.Text key="none" type="secondary" style={{ fontSize: 12 }}>
                        {t('noStream')}
                      </Typography.Text>,
                    ]
              }
            >
              <List.Item.Meta
                title={
                  <Space size={4} wrap>
                    <span>{item.camera.name}</span>
                    <Tag color={STATUS_COLOR[item.camera.status]}>{t(`status.${item.camera.status}`)}</Tag>
                    {item.covers ? <Tag color="blue">{t('covers')}</Tag> : null}
                    {item.camera.shared ? <Tag>{t('shared')}</Tag> : null}
                  </Space>
                }
                description={
                  item.roadM !== null
                    ? t('road', { metres: Math.round(item.roadM) })
                    : t('straight', { metres: Math.round(item.straightM) })
                }
              />
            </List.Item>
          )}
        />
      )}
      {asking ? (
        <div style={{ marginTop: 8 }} data-testid="camera-purpose">
          <Typography.Text>{t('purpose')}</Typography.Text>
          <Space.Compact style={{ width: '100%', marginTop: 4 }}>
            <Input
              value={purpose}
              placeholder={t('purposePlaceholder')}
              onChange={(e) => setPurpose(e.target.value)}
              onPressEnter={open}
              data-testid="camera-purpose-input"
            />
            <Button type="primary" loading={opening} disabled={purpose.trim().length < 2} onClick={open}>
              {t('open')}
            </Button>
          </Space.Compact>
        </div>
      ) : null}
      {error ? (
        <Alert style={{ marginTop: 8 }} type="error" showIcon title={t('viewFailed', { error })} />
      ) : null}
      <CitizenMediaList lon={lon} lat={lat} />
    </Card>
  );
}
