import { DeleteOutlined } from '@ant-design/icons';
import { Button, Card, Empty, Popconfirm, Tag, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { CoveragePost } from '../../api/coverage';
import { KIND_COLORS, POST_KINDS } from './presentation';

/** The posts counted: police stations (read-only, from the org tree) and editable posts. */
export function PostsPanel({
  posts,
  canEdit,
  onDelete,
  onFocus,
}: {
  posts: readonly CoveragePost[];
  canEdit: boolean;
  onDelete: (post: CoveragePost) => void;
  onFocus: (post: CoveragePost) => void;
}) {
  const { t } = useTranslation('coverage');
  const counts = POST_KINDS.map((k) => ({ kind: k, n: posts.filter((p) => p.kind === k).length }));

  return (
    <Card
      size="small"
      title={t('posts.title')}
      extra={
        <span style={{ fontSize: 12 }}>
          {counts.map(({ kind, n }) => (
            <span key={kind} style={{ marginInlineStart: 8, whiteSpace: 'nowrap' }}>
              <KindDot kind={kind} />
              {t(`kind.${kind}`)} {n}
            </span>
          ))}
        </span>
      }
      data-testid="posts"
      styles={{ body: { padding: '4px 12px' } }}
    >
      {posts.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('posts.empty')} />
      ) : (
        posts.map((p) => (
          <div
            key={p.id}
            data-testid="post-row"
            data-source={p.source}
            data-kind={p.kind}
            style={{
              display: 'flex',
              alignItems: 'center',
              gap: 6,
              padding: '5px 0',
              borderBottom: '1px solid #f0f0f0',
            }}
          >
            <KindDot kind={p.kind} />
            <Typography.Link
              onClick={() => onFocus(p)}
              style={{ flex: 1, minWidth: 0 }}
              ellipsis
              data-testid="post-name"
            >
              {p.name}
            </Typography.Link>
            <Tag style={{ marginInlineEnd: 0 }}>{t(`kind.${p.kind}`)}</Tag>
            {p.source === 'org' ? (
              <Tooltip title={t('posts.orgHint')}>
                <Tag color="blue" style={{ marginInlineEnd: 0 }}>
                  {t('posts.org')}
                </Tag>
              </Tooltip>
            ) : (
              canEdit && (
                <Popconfirm
                  title={t('posts.deleteConfirm', { name: p.name })}
                  onConfirm={() => onDelete(p)}
                  okButtonProps={{ danger: true }}
                >
                  <Button
                    size="small"
                    type="text"
                    danger
                    icon={<DeleteOutlined />}
                    aria-label={t('posts.delete')}
                    data-testid="post-delete"
                  />
                </Popconfirm>
              )
            )}
          </div>
        ))
      )}
    </Card>
  );
}

export function KindDot({ kind }: { kind: CoveragePost['kind'] }) {
  return (
    <span
      style={{
        display: 'inline-block',
        width: 10,
        height: 10,
        borderRadius: kind === 'police_station' ? 2 : '50%',
        background: KIND_COLORS[kind],
        border: '1.5px solid #fff',
        boxShadow: '0 0 0 1px rgba(0,0,0,0.25)',
        marginInlineEnd: 4,
        verticalAlign: 'middle',
        flex: 'none',
      }}
    />
  );
}
