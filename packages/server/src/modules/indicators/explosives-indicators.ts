/**
 * Explosives' indicator, declared here for the explosives module (attached to it in MODULES):
 * variance-free magazine-days (账实相符天数率). Each magazine of an enterprise in the org's subtree
 * counts each Shanghai day of the period; a day is variance-free when no variance alarm names that
 * magazine's account for that book date (the daily count's `magazine:<name>/<product>` subject and
 * its `date`). The value is the share of magazine-days without one; the drill-down lists the
 * magazines with their days, variance days and the dates.
 */
import { daysBetween } from '@citywatch/core/indicators/period';
import { sql } from 'kysely';
import { orgsUnder } from '../scope.js';
import { type IndicatorContext, type IndicatorDeclaration, shareOf } from './indicator.js';

interface MagazineDays {
  enterpriseId: string;
  magazine: string;
  days: number;
  varianceDates: string[];
}

/** Every magazine in scope with the book dates of the period on which it had a variance alarm. */
function magazineDays(ctx: IndicatorContext): Promise<MagazineDays[]> {
  return ctx.memo('explosives.magazine_days', async () => {
    const days = daysBetween(ctx.from, ctx.to);
    if (days.length === 0) return [];
    const scope = orgsUnder(ctx.db, ctx.scope);
    const [magazines, alarms] = await Promise.all([
      ctx.db
        .selectFrom('explosives_magazines')
        .select(['enterprise_id', 'name'])
        .where('org_id', 'in', scope)
        .orderBy('enterprise_id')
        .orderBy('name')
        .execute(),
      ctx.db
        .selectFrom('explosives_alarms')
        .select(['enterprise_id', 'subject', sql<string>`detail->>'date'`.as('date')])
        .where('org_id', 'in', scope)
        .where('kind', '=', 'variance')
        .where(sql<string>`detail->>'date'`, '>=', days[0])
        .where(sql<string>`detail->>'date'`, '<=', days[days.length - 1])
        .execute(),
    ]);
    const dates = new Map<string, Set<string>>();
    for (const a of alarms) {
      // subject: `magazine:<name>/<product>`; the magazine is the account's name.
      const account = a.subject.slice(0, a.subject.lastIndexOf('/'));
      if (!account.startsWith('magazine:')) continue;
      const key = `${a.enterprise_id}\u0000${account.slice('magazine:'.length)}`;
      const set = dates.get(key) ?? new Set<string>();
      set.add(a.date);
      dates.set(key, set);
    }
    return magazines.map((m) => ({
      enterpriseId: m.enterprise_id,
      magazine: m.name,
      days: days.length,
      varianceDates: [...(dates.get(`${m.enterprise_id}\u0000${m.name}`) ?? [])].sort(),
    }));
  });
}

export function explosivesIndicators(): IndicatorDeclaration[] {
  return [
    {
      id: 'explosives.variance_free_days',
      name: { zh: '民爆库房账实相符天数率', en: 'Variance-free magazine days' },
      unit: 'share',
      target: 1,
      higherIsBetter: true,
      ruleVersion: 1,
      async compute(ctx) {
        const list = await magazineDays(ctx);
        const all = list.reduce((s, m) => s + m.days, 0);
        const free = list.reduce((s, m) => s + m.days - m.varianceDates.length, 0);
        return shareOf(free, all);
      },
      async rows(ctx, limit) {
        const list = await magazineDays(ctx);
        // Magazines with variance days first, then by enterprise and name.
        const ordered = [...list].sort((a, b) => b.varianceDates.length - a.varianceDates.length);
        return {
          columns: [
            { key: 'enterprise', zh: '企业', en: 'Enterprise' },
            { key: 'magazine', zh: '库房', en: 'Magazine' },
            { key: 'days', zh: '天数', en: 'Days' },
            { key: 'varianceDays', zh: '账实不符天数', en: 'Variance days' },
            { key: 'varianceFreeDays', zh: '相符天数', en: 'Variance-free days' },
            { key: 'varianceDates', zh: '不符日期', en: 'Variance dates' },
          ],
          total: list.length,
          rows: ordered.slice(0, limit).map((m) => ({
            id: `${m.enterpriseId}/${m.magazine}`,
            enterprise: m.enterpriseId,
            magazine: m.magazine,
            days: m.days,
            varianceDays: m.varianceDates.length,
            varianceFreeDays: m.days - m.varianceDates.length,
            varianceDates: m.varianceDates.join(', '),
          })),
        };
      },
    },
  ];
}
