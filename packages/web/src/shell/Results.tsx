import { Button, Card, Result } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';

/** A page this account may not open (the server did not grant its permission). */
export function ForbiddenPage() {
  const { t } = useTranslation();
  return <Result status="403" title={t('common.forbidden')} subTitle={t('common.forbiddenDetail')} />;
}

export function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <Card>
      <Result
        status="404"
        title={t('common.notFound')}
        extra={
          <Link to="/">
            <Button type="primary">{t('common.backHome')}</Button>
          </Link>
        }
      />
    </Card>
  );
}
