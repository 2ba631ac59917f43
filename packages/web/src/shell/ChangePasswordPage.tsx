import { LockOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { applyServerErrors } from '../api/formErrors';
import { authApi } from '../api/identity';
import { useSession } from '../auth/session';

type PasswordForm = { currentPassword: string; newPassword: string; confirm: string };

/**
 * Shown instead of the app while the account's password was generated (the first admin) or reset
 * by someone else: the server refuses everything else until the owner has chosen their own.
 */
export function ChangePasswordPage() {
  const { t } = useTranslation();
  const { refresh, logout } = useSession();
  const [form] = Form.useForm<PasswordForm>();
  const [submitting, setSubmitting] = useState(false);
  const [errors, setErrors] = useState<string[]>([]);

  const onFinish = async (values: PasswordForm) => {
    setSubmitting(true);
    setErrors([]);
    try {
      await authApi.changePassword({
        currentPassword: values.currentPassword,
        newPassword: values.newPassword,
      });
      await refresh();
    } catch (error) {
      setErrors(applyServerErrors(form, error, ['currentPassword', 'newPassword']));
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <div style={{ minHeight: '100vh', display: 'grid', placeItems: 'center', background: '#f0f2f5' }}>
      <Card style={{ width: 400 }} data-testid="change-password">
        <Typography.Title level={4}>{t('password.title')}</Typography.Title>
        <Typography.Paragraph type="secondary">{t('password.why')}</Typography.Paragraph>
        {errors.map((e) => (
          <Alert key={e} type="error" showIcon title={e} style={{ marginBottom: 12 }} />
        ))}
        <Form form={form} layout="vertical" onFinish={onFinish} requiredMark={false}>
          <Form.Item
            name="currentPassword"
            label={t('password.current')}
            rules={[{ required: true, message: t('password.required') }]}
          >
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
          </Form.Item>
          <Form.Item
            name="newPassword"
            label={t('password.new')}
            rules={[{ required: true, min: 10, max: 128, message: t('password.rule') }]}
          >
            <Input.Password prefix={<LockOutlined />} autoComplete="new-password" />
          </Form.Item>
          <Form.Item
            name="confirm"
            label={t('password.confirm')}
            dependencies={['newPassword']}
            rules={[
              { required: true, message: t('password.required') },
              ({ getFieldValue }) => ({
                validator: (_, value) =>
                  value === getFieldValue('newPassword')
                    ? Promise.resolve()
                    : Promise.reject(new Error(t('password.mismatch'))),
              }),
            ]}
          >
            <Input.Password prefix={<LockOutlined />} autoComplete="new-password" />
          </Form.Item>
          <Button
            type="primary"
            htmlType="submit"
            block
            loading={submitting}
            data-testid="change-password-submit"
          >
            {t('password.submit')}
          </Button>
          <Button type="link" block onClick={() => void logout()} style={{ marginTop: 8 }}>
            {t('shell.logout')}
          </Button>
        </Form>
      </Card>
    </div>
  );
}
