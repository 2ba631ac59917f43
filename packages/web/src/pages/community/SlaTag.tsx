import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import type { MediationCase } from '../../api/community';

/** The clock of a case as a tag: days left, days overdue, or ended on time or late. */
export function SlaTag({ c }: { c: MediationCase }) {
  const { t } = useTranslation('community');
  if (c.endedAt)
    return (
      <Tag color={c.onTime ? 'green' : 'orange'}>
        {t('cases.ended', { onTime: t(c.onTime ? 'cases.onTime' : 'cases.late') })}
      </Tag>
    );
  if (c.overdue) return <Tag color="red">{t('cases.overdue', { days: -c.daysLeft })}</Tag>;
  return <Tag color={c.daysLeft <= 5 ? 'gold' : 'blue'}>{t('cases.daysLeft', { days: c.daysLeft })}</Tag>;
}
