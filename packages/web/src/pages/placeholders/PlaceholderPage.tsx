import { Card, Result } from 'antd';
import { useTranslation } from 'react-i18next';

/** Stands in for a feature page until its feature work replaces it. */
export function PlaceholderPage({ namespace }: { namespace: 'metrics' }) {
  const { t } = useTranslation();
  const { t: own } = useTranslation(namespace);
  const name = own('menu');
  return (
    <Card>
      <Result
        status="info"
        title={t('placeholder.title')}
        subTitle={t('placeholder.subtitle', { module: name })}
        data-testid={`placeholder-${namespace}`}
      />
    </Card>
  );
}
