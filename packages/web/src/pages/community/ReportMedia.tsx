import { useMutation } from '@tanstack/react-query';
import { Alert, Button, Form, Input, Modal, Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, errorText } from '../../api/client';
import { currentLanguage } from '../../i18n';

/**
 * A citizen report's photo or video: personal data (people, plates, homes), so it is fetched only
 * after the viewer states a purpose (header X-Purpose; the server audits the read), and shown from
 * the fetched bytes, never by a bare link the browser would open without one.
 */
export async function fetchReportMedia(reportId: string, purpose: string): Promise<Blob> {
  const res = await fetch(`/api/community/reports/${reportId}/media`, {
    credentials: 'include',
    headers: { 'X-Purpose': encodeURIComponent(purpose), 'Accept-Language': currentLanguage() },
  });
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw new ApiError({
      type: body.type ?? 'about:blank',
      title: body.title ?? res.statusText,
      status: res.status,
      detail: body.detail,
      errors: body.errors,
    });
  }
  return res.blob();
}

/** The 查看 link of a report with an attachment: asks the purpose, then shows the photo or video. */
export function ReportMediaButton({
  report,
}: {
  report: { id: string; number: string; media: { type: string } | null };
}) {
  const { t } = useTranslation('community');
  const [asking, setAsking] = useState(false);
  const [form] = Form.useForm<{ purpose: string }>();
  const [shown, setShown] = useState<{ url: string; type: string } | null>(null);
  const read = useMutation({
    mutationFn: (purpose: string) => fetchReportMedia(report.id, purpose),
    onSuccess: (blob) =>
      setShown({ url: URL.createObjectURL(blob), type: blob.type || report.media?.type || '' }),
  });
  // The object URL lives as long as the view.
  useEffect(() => () => (shown ? URL.revokeObjectURL(shown.url) : undefined), [shown]);
  const close = () => {
    setAsking(false);
    setShown(null);
    read.reset();
    form.resetFields();
  };
  if (!report.media) return null;
  return (
    <>
      <Button
        type="link"
        size="small"
        style={{ padding: 0 }}
        onClick={() => setAsking(true)}
        data-testid={`media-${report.number}`}
      >
        {t('intake.viewMedia')}
      </Button>
      <Modal
        open={asking}
        width={shown ? 720 : 480}
        title={t('intake.mediaTitle', { number: report.number })}
        onCancel={close}
        footer={
          shown ? (
            <Button onClick={close}>{t('intake.mediaClose')}</Button>
          ) : (
            <Space>
              <Button onClick={close}>{t('intake.mediaCancel')}</Button>
              <Button
                type="primary"
                loading={read.isPending}
                onClick={() => form.submit()}
                data-testid="media-purpose-ok"
              >
                {t('intake.viewMedia')}
              </Button>
            </Space>
          )
        }
        destroyOnHidden
      >
        {shown ? (
          <div data-testid="report-media" style={{ textAlign: 'center' }}>
            {shown.type.startsWith('video/') ? (
              // biome-ignore lint/a11y/useMediaCaption: a citizen's own short clip has no caption track to offer
              <video src={shown.url} controls style={{ maxWidth: '100%', maxHeight: 480 }} />
            ) : (
              <img src={shown.url} alt={report.number} style={{ maxWidth: '100%', maxHeight: 480 }} />
            )}
            <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0 }}>
              {t('intake.mediaAudited')}
            </Typography.Paragraph>
          </div>
        ) : (
          <Form form={form} layout="vertical" onFinish={(v) => read.mutate(v.purpose.trim())}>
            <Form.Item
              name="purpose"
              label={t('intake.mediaPurpose')}
              extra={t('intake.mediaPurposeHelp')}
              rules={[
                { required: true, whitespace: true, min: 2, message: t('intake.mediaPurposeRequired') },
              ]}
            >
              <Input autoFocus maxLength={200} data-testid="media-purpose" />
            </Form.Item>
            {read.error ? (
              <Alert
                type="error"
                showIcon
                title={
                  read.error instanceof ApiError && read.error.errors.length > 0
                    ? `${errorText(read.error)}（${read.error.errors.map((e) => e.field).join(', ')}）`
                    : errorText(read.error)
                }
              />
            ) : null}
          </Form>
        )}
      </Modal>
    </>
  );
}
