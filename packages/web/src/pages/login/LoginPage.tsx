import { LockOutlined, SafetyCertificateFilled, UserOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, Segmented, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation, useNavigate } from 'react-router-dom';
import { ApiError } from '../../api/client';
import { useSession } from '../../auth/session';
import { currentLanguage, isLanguage, LANGUAGES, setLanguage } from '../../i18n';

type LoginForm = { username: string; password: string };

function fromPath(state: unknown): string {
  if (typeof state === 'object' && state !== null && 'from' in state) {
    const from = (state as { from: unknown }).from;
    if (typeof from === 'string' && from.startsWith('/') && !from.startsWith('/login')) return from;
  }
  return '/';
}

export function LoginPage() {
  const { t } = useTranslation();
  const { state, login } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [form] = Form.useForm<LoginForm>();
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<{ title: string; description?: string } | null>(null);

  if (state.status === 'signedIn') return <Navigate to={fromPath(location.state)} replace />;

  const onFinish = async (values: LoginForm) => {
    setSubmitting(true);
    setError(null);
    try {
      await login(values.username.trim(), values.password);
      navigate(fromPath(location.state), { replace: true });
    } catch (err) {
      form.setFieldValue('password', '');
      if (!(err instanceof ApiError)) setError({ title: String(err) });
      else if (err.status === 0) setError({ title: t('common.networkError') });
      else if (err.status === 401) setError({ title: err.detail ?? t('login.badCredentials') });
      else if (err.status === 423) {
        // The server's title says what happened (locked), its detail for how long.
        setError(err.detail ? { title: err.title, description: err.detail } : { title: t('login.locked') });
      } else
        setError(
          err.detail && err.detail !== err.title
            ? { title: err.title, description: err.detail }
            : { title: err.title },
        );
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <div
      style={{
        minHeight: '100vh',
        display: 'flex',
        flexDirection: 'column',
        alignItems: 'center',
        justifyContent: 'center',
        gap: 24,
        background: 'linear-gradient(160deg, #0b1b36 0%, #12305f 55%, #1f4e9c 100%)',
        padding: 16,
        boxSizing: 'border-box',
      }}
    >
      <div style={{ textAlign: 'center', color: '#fff' }}>
        <SafetyCertificateFilled style={{ fontSize: 48, color: '#f5c518' }} />
        <Typography.Title level={2} style={{ color: '#fff', margin: '12px 0 0' }}>
          {t('app.name')}
        </Typography.Title>
      </div>
      <Card
        style={{ width: 380, maxWidth: '100%' }}
        title={t('login.title')}
        extra={
          <Segmented
            size="small"
            value={currentLanguage()}
            options={LANGUAGES.map((lng) => ({ value: lng, label: t(`lang.${lng}`) }))}
            onChange={(v) => {
              if (isLanguage(v)) void setLanguage(v);
            }}
          />
        }
      >
        <Form<LoginForm> form={form} layout="vertical" onFinish={onFinish} requiredMark={false} size="large">
          {error && (
            <Alert
              type="error"
              showIcon
              title={error.title}
              description={error.description}
              style={{ marginBottom: 16 }}
              data-testid="login-error"
            />
          )}
          <Form.Item
            name="username"
            label={t('login.username')}
            rules={[{ required: true, whitespace: true, message: t('login.usernameRequired') }]}
          >
            <Input prefix={<UserOutlined />} autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item
            name="password"
            label={t('login.password')}
            rules={[{ required: true, message: t('login.passwordRequired') }]}
          >
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={submitting}>
            {t('login.submit')}
          </Button>
        </Form>
        <Typography.Paragraph type="secondary" style={{ marginTop: 16, marginBottom: 0, fontSize: 12 }}>
          {t('login.notice')}
        </Typography.Paragraph>
      </Card>
    </div>
  );
}
