import { describe, expect, it } from 'vitest';
import { buildCapAtomFeed } from './atom';
import { buildCapXml, type CapAlertInput, capDateTime } from './cap';
import { ringClosureAlert } from './road-closure';
import { xmllintErrors } from './xsd-check';

const SENT = new Date('2026-11-23T08:00:00Z');
const LONGGANG: [number, number][] = [
  [114.195, 22.676],
  [114.225, 22.676],
  [114.225, 22.699],
  [114.195, 22.699],
  [114.195, 22.676],
];

const notice = (scope: 'Public' | 'Restricted') =>
  ringClosureAlert({
    identifier: 'urn:uuid:0193a1b2-0000-7000-8000-000000000001',
    sender: 'cap@citywatch.local',
    senderName: { zh: '某市公安局', en: 'City Public Security Bureau' },
    sent: SENT,
    expires: new Date(SENT.getTime() + 2 * 3_600_000),
    ringName: '龙岗中心圈 <核心> & 周边',
    geometry: { type: 'MultiPolygon', coordinates: [[LONGGANG], [LONGGANG.map(([x, y]) => [x + 0.1, y])]] },
    scope,
    reason: '持刀伤人后驾车逃逸',
    planId: '0193a1b2-0000-7000-8000-0000000000aa',
    web: 'https://citywatch.local/api/cap/alerts/x.xml',
  });

describe('CAP 1.2', () => {
  it('writes times as CAP wants them: seconds and an offset, UTC as -00:00, never Z', () => {
    expect(capDateTime(SENT)).toBe('2026-11-23T08:00:00-00:00');
    expect(capDateTime(SENT, 480)).toBe('2026-11-23T16:00:00+08:00');
  });

  it('builds a road-closure alert in zh-CN and en that validates against the OASIS XSD', () => {
    for (const scope of ['Public', 'Restricted'] as const) {
      const xml = buildCapXml(notice(scope));
      expect(xmllintErrors(xml)).toEqual([]);
      expect(xml).toContain('<language>zh-CN</language>');
      expect(xml).toContain('<language>en-US</language>');
      // Escaped, and both parts of the MultiPolygon as polygons "lat,lon …" (first = last).
      expect(xml).toContain('龙岗中心圈 &lt;核心&gt; &amp; 周边');
      const polygons = [...xml.matchAll(/<polygon>([^<]+)<\/polygon>/g)].map((m) => m[1]);
      expect(polygons).toHaveLength(4); // 2 parts × 2 languages
      expect(polygons[0].split(' ')[0]).toBe('22.676,114.195');
      expect(polygons[0].split(' ')[0]).toBe(polygons[0].split(' ').at(-1));
      // The reason goes to partner agencies only, never into the public notice.
      expect(xml.includes('持刀伤人')).toBe(scope === 'Restricted');
      if (scope === 'Restricted') expect(xml).toContain('<restriction>');
    }
  });

  it('builds circles, geocodes, parameters and an update referencing the first alert, all valid', () => {
    const update: CapAlertInput = {
      identifier: 'CW-2',
      sender: 'cap@citywatch.local',
      sent: SENT,
      status: 'Exercise',
      msgType: 'Update',
      scope: 'Public',
      references: [{ sender: 'cap@citywatch.local', identifier: 'CW-1', sent: SENT }],
      info: [
        {
          language: 'zh-CN',
          category: ['Safety'],
          event: '人员密集预警',
          urgency: 'Expected',
          severity: 'Minor',
          certainty: 'Likely',
          parameters: [{ valueName: 'density', value: '4.2' }],
          areas: [
            {
              areaDesc: '东门步行街',
              circles: [{ lon: 114.12, lat: 22.55, radiusKm: 0.3 }],
              geocodes: [{ valueName: 'GB/T 2260', value: '440307' }],
            },
          ],
        },
      ],
    };
    const xml = buildCapXml(update, 480);
    expect(xmllintErrors(xml)).toEqual([]);
    expect(xml).toContain('<circle>22.55,114.12 0.3</circle>');
    expect(xml).toContain('<references>cap@citywatch.local,CW-1,2026-11-23T16:00:00+08:00</references>');
  });

  it('refuses what the standard forbids, naming the field', () => {
    const base = notice('Public');
    const fields = (input: CapAlertInput) => {
      try {
        buildCapXml(input);
        return [];
      } catch (error) {
        return (error as { issues: { path: (string | number)[] }[] }).issues.map((i) => i.path.join('.'));
      }
    };
    expect(fields({ ...base, identifier: 'has space' })).toEqual(['identifier']);
    expect(fields({ ...base, scope: 'Restricted' })).toEqual(['restriction']);
    expect(fields({ ...base, msgType: 'Cancel' })).toEqual(['references']);
    const open = {
      ...base,
      info: [{ ...base.info![0], areas: [{ areaDesc: 'x', polygons: [LONGGANG.slice(0, 4)] }] }],
    };
    expect(fields(open)).toEqual(['info.0.areas.0.polygons.0']);
  });

  it('the test itself catches an invalid document (xmllint is really consulted)', () => {
    const xml = buildCapXml(notice('Public')).replace('<status>Actual</status>', '<status>Real</status>');
    expect(xmllintErrors(xml).join('\n')).toMatch(/status/);
  });

  it('lists alerts in an Atom feed linking their CAP XML', () => {
    const feed = buildCapAtomFeed({
      selfUrl: 'https://citywatch.local/api/cap/feed.atom',
      title: 'citywatch CAP & alerts',
      author: '某市公安局',
      now: SENT,
      entries: [
        {
          url: 'https://citywatch.local/api/cap/alerts/1.xml',
          headline: '龙岗中心圈临时交通管控',
          sent: SENT,
          updated: SENT,
          author: '某市公安局',
        },
      ],
    });
    expect(xmllintErrors(feed, null)).toEqual([]);
    expect(feed).toContain('type="application/cap+xml"');
    expect(feed).toContain('<updated>2026-11-23T08:00:00.000Z</updated>');
  });
});
