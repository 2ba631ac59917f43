import { Form, Input, Modal, Select, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { NewCoveragePost, PostKind } from '../../api/coverage';
import { KIND_COLORS, POST_KINDS } from './presentation';

export type PostDraft = { lon: number; lat: number; kind: PostKind; name: string };

type FormValues = { kind: PostKind; name: string };

/** Kind and name of a new post at a point picked on the map (or suggested by the advisor). */
export function PostModal({
  draft,
  onCancel,
  onSubmit,
}: {
  draft: PostDraft | null;
  onCancel: () => void;
  /** Resolves when created; a rejection keeps the dialog open (the caller shows the error). */
  onSubmit: (post: NewCoveragePost) => Promise<void>;
}) {
  const { t } = useTranslation('coverage');
  const [form] = Form.useForm<FormValues>();
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    if (draft) form.setFieldsValue({ kind: draft.kind, name: draft.name });
  }, [draft, form]);

  const submit = async () => {
    if (!draft) return;
    const values = await form.validateFields();
    setSaving(true);
    try {
      await onSubmit({ kind: values.kind, name: values.name.trim(), lon: draft.lon, lat: draft.lat });
    } catch {
      // shown by the caller; the dialog stays open
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open={draft !== null}
      title={t('add.title')}
      okText={t('add.submit')}
      onOk={submit}
      onCancel={onCancel}
      confirmLoading={saving}
      destroyOnHidden
      width={420}
    >
      <Form<FormValues> form={form} layout="vertical" preserve={false} onFinish={submit}>
        <Form.Item name="kind" label={t('add.kind')} rules={[{ required: true }]}>
          <Select
            data-testid="post-kind"
            options={POST_KINDS.map((k) => ({
              value: k,
              label: (
                <span>
                  <span
                    style={{
                      display: 'inline-block',
                      width: 10,
                      height: 10,
                      borderRadius: '50%',
                      background: KIND_COLORS[k],
                      marginInlineEnd: 6,
                    }}
                  />
                  {t(`kind.${k}`)}
                </span>
              ),
            }))}
          />
        </Form.Item>
        <Form.Item
          name="name"
          label={t('add.name')}
          rules={[{ required: true, whitespace: true, message: t('add.nameRequired') }, { max: 100 }]}
        >
          <Input placeholder={t('add.namePlaceholder')} data-testid="post-new-name" autoFocus />
        </Form.Item>
        {draft && (
          <Typography.Text type="secondary">
            {t('add.location')}：{draft.lon.toFixed(5)}, {draft.lat.toFixed(5)}
          </Typography.Text>
        )}
      </Form>
    </Modal>
  );
}
