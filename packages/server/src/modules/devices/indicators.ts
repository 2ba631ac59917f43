/**
 * Devices' indicator: the device online rate (设备在线率), the share of the devices of an org's
 * subtree registered before the period ended and not revoked by then that reported at least once
 * in the period (last seen within it or later). The drill-down lists the devices.
 */
import {
  type IndicatorContext,
  type IndicatorDeclaration,
  iso,
  pagedRows,
  shareOf,
} from '../indicators/indicator.js';
import { orgsUnder } from '../scope.js';

function activeQuery(ctx: IndicatorContext) {
  return ctx.db
    .selectFrom('devices')
    .where('org_id', 'in', orgsUnder(ctx.db, ctx.scope))
    .where('created_at', '<', ctx.to)
    .where((eb) => eb.or([eb('revoked_at', 'is', null), eb('revoked_at', '>=', ctx.to)]));
}

export function devicesIndicators(): IndicatorDeclaration[] {
  return [
    {
      id: 'devices.online_rate',
      name: { zh: '前端设备在线率', en: 'Device online rate' },
      unit: 'share',
      target: 0.95,
      higherIsBetter: true,
      ruleVersion: 1,
      async compute(ctx) {
        const r = await activeQuery(ctx)
          .select((eb) => [
            eb.fn.countAll<string>().as('all'),
            eb.fn.count<string>('id').filterWhere('last_seen_at', '>=', ctx.from).as('seen'),
          ])
          .executeTakeFirstOrThrow();
        return shareOf(Number(r.seen), Number(r.all));
      },
      async rows(ctx, limit) {
        const q = activeQuery(ctx);
        const { rows, total } = await pagedRows(q, (q) =>
          q
            .select(['id', 'name', 'kind', 'last_seen_at'])
            .orderBy('last_seen_at', 'asc')
            .limit(limit)
            .execute(),
        );
        return {
          columns: [
            { key: 'name', zh: '设备', en: 'Device' },
            { key: 'kind', zh: '类型', en: 'Kind' },
            { key: 'lastSeenAt', zh: '最后上报', en: 'Last seen' },
            { key: 'online', zh: '期间在线', en: 'Online in period' },
          ],
          total,
          rows: rows.map((r) => ({
            id: r.id,
            name: r.name,
            kind: r.kind,
            lastSeenAt: iso(r.last_seen_at),
            online: r.last_seen_at !== null && new Date(r.last_seen_at) >= ctx.from,
          })),
        };
      },
    },
  ];
}
