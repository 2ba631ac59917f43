/**
 * Places' indicator: the standard-address collection rate (标准地址采集率), the share of the
 * addresses in the station areas of an org's subtree that carry a street and a house number (a
 * standard address, GA/T 1396 style: road + number). Not bound to a period: the gazetteer as it
 * stands. The drill-down lists the addresses, incomplete ones first.
 */
import type { IndicatorContext, IndicatorDeclaration } from '../indicators/indicator.js';
import { pagedRows, shareOf } from '../indicators/indicator.js';
import { orgsUnder } from '../scope.js';

function addressesQuery(ctx: IndicatorContext) {
  return ctx.db
    .selectFrom('gazetteer')
    .innerJoin('jurisdictions', 'jurisdictions.id', 'gazetteer.jurisdiction_id')
    .where('gazetteer.kind', '=', 'address')
    .where('jurisdictions.org_id', 'in', orgsUnder(ctx.db, ctx.scope));
}

export function placesIndicators(): IndicatorDeclaration[] {
  return [
    {
      id: 'places.address_collection_rate',
      name: { zh: '标准地址采集率', en: 'Standard address collection rate' },
      unit: 'share',
      target: 0.92,
      higherIsBetter: true,
      ruleVersion: 1,
      async compute(ctx) {
        const r = await addressesQuery(ctx)
          .select((eb) => [
            eb.fn.countAll<string>().as('all'),
            eb.fn
              .count<string>('gazetteer.id')
              .filterWhere((w) =>
                w.and([
                  w('gazetteer.street', 'is not', null),
                  w('gazetteer.street', '<>', ''),
                  w('gazetteer.housenumber', 'is not', null),
                  w('gazetteer.housenumber', '<>', ''),
                ]),
              )
              .as('standard'),
          ])
          .executeTakeFirstOrThrow();
        return shareOf(Number(r.standard), Number(r.all));
      },
      async rows(ctx, limit) {
        const q = addressesQuery(ctx);
        const { rows, total } = await pagedRows(q, (q) =>
          q
            .select([
              'gazetteer.label',
              'gazetteer.street',
              'gazetteer.housenumber',
              'jurisdictions.name as jurisdiction',
            ])
            // Incomplete ones first: they are what collection has to fix.
            .orderBy((eb) => eb.case().when('gazetteer.housenumber', 'is', null).then(0).else(1).end())
            .orderBy('gazetteer.label')
            .limit(limit)
            .execute(),
        );
        return {
          columns: [
            { key: 'label', zh: '地址', en: 'Address' },
            { key: 'street', zh: '街路巷', en: 'Street' },
            { key: 'housenumber', zh: '门牌号', en: 'Number' },
            { key: 'jurisdiction', zh: '辖区', en: 'Station area' },
            { key: 'standard', zh: '标准地址', en: 'Standard' },
          ],
          total,
          rows: rows.map((r) => ({ ...r, standard: Boolean(r.street && r.housenumber) })),
        };
      },
    },
  ];
}
