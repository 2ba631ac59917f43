import { Button, Card, Result } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';

export type FeatureModule =
  | 'dispatch'
  | 'coverage'
  | 'perimeter'
  | 'patrol'
  | 'oversight'
  | 'places'
  | 'metrics';

/** Stands in for a feature page until its feature work replaces it. */
export function PlaceholderPage({ module }: { module: FeatureModule }) {
  const { t } = useTranslation();
  const name = t(`menu.${module}`);
  return (
    <Card>
      <Result
        status="info"
        title={t('placeholder.title')}
        subTitle={t('placeholder.subtitle', { module: name })}
        data-testid={`placeholder-${module}`}
      />
    </Card>
  );
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
