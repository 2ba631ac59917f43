import { describe, expect, it } from 'vitest';
import { buildCapXml } from './cap.js';
import { type PublicNoticeAlert, publicNoticeAlert, publicNoticeDraftSchema } from './public-notice.js';
import { xmllintErrors } from './xsd-check.js';

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
});
