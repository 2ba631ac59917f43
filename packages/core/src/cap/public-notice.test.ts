import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildCapXml } from './cap.js';
import {
  capPolygonText,
  type PublicNoticeAlert,
  parseCapPolygon,
  polygonCentre,
  publicNoticeAlert,
  publicNoticeDraftSchema,
} from './public-notice.js';
import { xmllintErrors } from './xsd-check.js';

/**
 * The outline of a closed OpenStreetMap way of the bundled city as a CAP polygon ("lat,lon …"):
 * 大运中心体育场 (the Universiade Centre stadium, way 166214606, 41 nodes; OpenStreetMap
 * contributors, ODbL).
 */
const ring = (p: string) => {
  const parsed = parseCapPolygon(p);
  if ('rule' in parsed) throw new Error(parsed.message);
  return parsed.ring;
};

function osmOutline(wayId: string): string {
  const osm = readFileSync(
    path.resolve(
      path.dirname(fileURLToPath(import.meta.url)),
      '../../../../../shared/data/roads/shenzhen-longgang/shenzhen_longgang.osm',
    ),
    'utf8',
  );
  const way = new RegExp(`<way id="${wayId}"[^>]*>([\\s\\S]*?)</way>`).exec(osm)?.[1] ?? '';
  return [...way.matchAll(/<nd ref="(\d+)"/g)]
    .map(([, id]) => {
      const node = new RegExp(`<node id="${id}"[^>]*lat="([^"]+)" lon="([^"]+)"`).exec(osm);
      return `${Number(node?.[1])},${Number(node?.[2])}`;
    })
    .join(' ');
}

const base: PublicNoticeAlert = {
  identifier: 'urn:uuid:0190f0a0-0000-7000-8000-000000000001',
  sender: 'cap@police.example.cn',
  sent: new Date('2026-11-28T10:00:00Z'),
  web: 'https://citywatch.example.cn/api/cap/alerts/0190f0a0-0000-7000-8000-000000000001.xml',
  kind: 'crowd',
  msgType: 'Alert',
  headlineZh: '龙岗中心城大运中心人员密集，请绕行',
  headlineEn: 'Dense crowd at Universiade Centre, Longgang: keep away',
  descriptionZh: '演唱会散场，大运中心周边人员密集，请市民错峰出行。',
  descriptionEn: 'A concert is ending; the area around the Universiade Centre is crowded.',
  areaDesc: '大运中心 Universiade Centre',
  lat: 22.6975,
  lon: 114.2185,
  radiusKm: 0.8,
  severity: 'Moderate',
  urgency: 'Immediate',
  expires: new Date('2026-11-28T14:00:00Z'),
  senderName: '市公安局 City Public Security Bureau',
};

describe('public notices as CAP 1.2', () => {
  it('an alert, its update and its cancel validate against the OASIS CAP 1.2 XSD', () => {
    const ref = { sender: base.sender, identifier: base.identifier, sent: base.sent };
    for (const n of [
      base,
      { ...base, identifier: 'urn:uuid:u2', msgType: 'Update' as const, references: ref },
      {
        ...base,
        identifier: 'urn:uuid:u3',
        msgType: 'Cancel' as const,
        kind: 'road_closure' as const,
        references: ref,
      },
    ]) {
      const xml = buildCapXml(publicNoticeAlert(n), 480);
      expect(xmllintErrors(xml), xml).toEqual([]);
      expect(xml).toContain(`<msgType>${n.msgType}</msgType>`);
      expect(xml).toContain('<scope>Public</scope>');
      expect(xml).toContain('<circle>22.6975,114.2185 0.8</circle>');
      if (n.msgType !== 'Alert') {
        expect(xml).toContain(
          `<references>${base.sender},${base.identifier},2026-11-28T18:00:00+08:00</references>`,
        );
      }
    }
    const cancel = buildCapXml(publicNoticeAlert({ ...base, msgType: 'Cancel', references: ref }));
    expect(cancel).toContain('<responseType>AllClear</responseType>');
    expect(cancel).toContain('<urgency>Past</urgency>');
  });

  it('refuses a draft without a place or with a radius beyond 50 km, naming the field', () => {
    const draft = {
      kind: 'crowd',
      headlineZh: '标题',
      headlineEn: 'Title',
      descriptionZh: '说明',
      descriptionEn: 'Text',
      areaDesc: 'Somewhere',
      lat: 22.7,
      lon: 114.2,
      radiusKm: 1,
      expiresAt: '2026-11-28T14:00:00Z',
    };
    expect(publicNoticeDraftSchema.safeParse(draft).success).toBe(true);
    const far = publicNoticeDraftSchema.safeParse({ ...draft, radiusKm: 80 });
    expect(far.success).toBe(false);
    expect(far.error?.issues[0].path).toEqual(['radiusKm']);
    const nowhere = publicNoticeDraftSchema.safeParse({ ...draft, lat: undefined });
    expect(nowhere.error?.issues[0].path).toEqual(['lat']);
  });

  it('a polygon area: written as CAP <polygon>, valid against the XSD; refused by rule and pair', () => {
    const polygon = osmOutline('166214606');
    expect(polygon.split(' ')).toHaveLength(41);
    const xml = buildCapXml(publicNoticeAlert({ ...base, radiusKm: null, polygon }), 480);
    expect(xmllintErrors(xml), xml).toEqual([]);
    // Written to the builder's 6 decimals (≈ 0.1 m).
    expect(xml).toContain(`<polygon>${capPolygonText(ring(polygon))}</polygon>`);
    expect(xml.match(/<polygon>/g)).toHaveLength(2); // zh-CN and en-US
    expect(xml).not.toContain('<circle>');
    const draft = {
      kind: 'crowd',
      headlineZh: '标题',
      headlineEn: 'Title',
      descriptionZh: '说明',
      descriptionEn: 'Text',
      areaDesc: 'Somewhere',
      polygon,
      expiresAt: '2026-11-28T14:00:00Z',
    };
    expect(publicNoticeDraftSchema.safeParse(draft).success).toBe(true);
    const refused = (p: string) => {
      const r = publicNoticeDraftSchema.safeParse({ ...draft, polygon: p });
      const issue = r.error?.issues[0] as { path: PropertyKey[]; params?: { rule?: string } } | undefined;
      return issue ? [issue.path.join('.'), issue.params?.rule] : null;
    };
    const pairs = polygon.split(' ');
    expect(refused(pairs.slice(0, 4).join(' '))).toEqual(['polygon.3', 'not_closed']);
    expect(refused([pairs[0], pairs[1], pairs[0]].join(' '))).toEqual(['polygon', 'too_few_positions']);
    const moved = (i: number, pair: string) => pairs.map((p, j) => (j === i ? pair : p)).join(' ');
    expect(refused(moved(2, `9${pairs[2]}`))).toEqual(['polygon.2', 'invalid_position']);
    expect(refused(moved(2, pairs[2].split(',')[1]))).toEqual(['polygon.2', 'invalid_position']);
    expect(refused([pairs[0], pairs[1], pairs[1], pairs[0]].join(' '))).toEqual(['polygon', 'zero_area']);
    // Three distinct corners on one line: no area either.
    expect(refused('22.70,114.20 22.71,114.21 22.72,114.22 22.70,114.20')).toEqual(['polygon', 'zero_area']);
    // One area: not both, not neither.
    expect(refused(polygon)).toBeNull();
    const both = publicNoticeDraftSchema.safeParse({ ...draft, radiusKm: 1 });
    expect(both.error?.issues.map((x) => x.path.join('.'))).toEqual(['radiusKm']);
    const neither = publicNoticeDraftSchema.safeParse({ ...draft, polygon: undefined });
    expect(neither.error?.issues.map((x) => x.path.join('.'))).toEqual(['lat', 'lon', 'radiusKm']);
    expect(ring(polygon)).toEqual(pairs.map((p) => p.split(',').map(Number).reverse()));
  });

  it('puts a polygon notice at the centre of its area, not at the mean of its corners', () => {
    // A 0.02° square around (114.21, 22.70) whose east side is drawn with nine extra points: the
    // corners' mean moves east, the area's centre does not.
    const east = Array.from({ length: 9 }, (_, i) => [114.22, 22.69 + (i + 1) * 0.002] as [number, number]);
    const square: [number, number][] = [
      [114.2, 22.69],
      [114.22, 22.69],
      ...east,
      [114.22, 22.71],
      [114.2, 22.71],
      [114.2, 22.69],
    ];
    const centre = polygonCentre(square);
    expect(centre.lon).toBeCloseTo(114.21, 9);
    expect(centre.lat).toBeCloseTo(22.7, 9);
    const corners = square.slice(0, -1);
    expect(corners.reduce((n, p) => n + p[0], 0) / corners.length).toBeGreaterThan(114.216);
    // Either direction of drawing gives the same centre.
    const reversed = polygonCentre([...square].reverse());
    expect(reversed.lon).toBeCloseTo(centre.lon, 12);
    expect(reversed.lat).toBeCloseTo(centre.lat, 12);
  });
});
