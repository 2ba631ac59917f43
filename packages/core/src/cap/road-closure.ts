/**
 * The CAP alert of a perimeter ring's activation: a road-control notice (道路临时管控) over the
 * ring's area, in Chinese and English, until the plan expires.
 *
 * What the public version says is deliberately little: roads into and out of the area are
 * controlled, expect checks and delays, follow officers' directions. The reason for the closure
 * (a crime, a suspect's vehicle) and the checkpoints' positions stay out of it: they belong to
 * the police operation, not to a notice anyone can read. The restricted version (to the
 * neighbouring agencies' webhooks) carries the reason.
 */
import type { RingGeometry } from '../perimeter/ring';
import type { CapAlertInput } from './cap';

export interface RingClosureNotice {
  identifier: string;
  sender: string;
  senderName: { zh: string; en: string };
  sent: Date;
  expires: Date;
  ringName: string;
  geometry: RingGeometry;
  /** Public: the notice for everyone; Restricted: to partner agencies, with the reason. */
  scope: 'Public' | 'Restricted';
  /** The commander's reason (Restricted alerts only). */
  reason?: string;
  /** Where the alert can be read (its public URL). */
  web?: string;
  /** The plan it announces, as an incident reference. */
  planId: string;
}

/** Outer rings only: CAP polygons have no holes (a hole's roads are inside the control anyway). */
function outlines(geometry: RingGeometry): number[][][] {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  return polygons.map((p) => p[0].map(([lon, lat]) => [lon, lat]));
}

export function ringClosureAlert(n: RingClosureNotice): CapAlertInput {
  const area = (desc: string) => ({ areaDesc: desc, polygons: outlines(n.geometry) as [number, number][][] });
  const restricted = n.scope === 'Restricted';
  const common = {
    category: ['Security' as const, 'Transport' as const],
    responseType: ['Avoid' as const, 'Monitor' as const],
    urgency: 'Immediate' as const,
    severity: 'Moderate' as const,
    certainty: 'Observed' as const,
    effective: n.sent,
    onset: n.sent,
    expires: n.expires,
    web: n.web,
    eventCodes: [{ valueName: 'citywatch', value: 'perimeter.ring_activated' }],
  };
  const until = (tz: string) =>
    n.expires.toLocaleString(tz === 'zh' ? 'zh-CN' : 'en-GB', {
      timeZone: 'Asia/Shanghai',
      dateStyle: 'short',
      timeStyle: 'short',
    });
  return {
    identifier: n.identifier,
    sender: n.sender,
    sent: n.sent,
    status: 'Actual',
    msgType: 'Alert',
    scope: n.scope,
    ...(restricted ? { restriction: '公安机关及协作单位 / police and partner agencies only' } : {}),
    incidents: [n.planId],
    info: [
      {
        language: 'zh-CN',
        ...common,
        event: '道路临时管控',
        senderName: n.senderName.zh,
        headline: `${n.ringName}临时交通管控`,
        description: `公安机关对「${n.ringName}」范围内进出道路实施临时管控，预计持续至 ${until('zh')}（北京时间）。${
          restricted && n.reason ? `事由：${n.reason}` : '途经车辆可能被停车检查，通行将有延误。'
        }`,
        instruction: '请尽量绕行；途经时减速慢行，服从现场民警指挥，配合检查。',
        areas: [area(n.ringName)],
      },
      {
        language: 'en-US',
        ...common,
        event: 'Temporary road control',
        senderName: n.senderName.en,
        headline: `Temporary road control: ${n.ringName}`,
        description: `The police control the roads into and out of "${n.ringName}" until about ${until('en')} (Beijing time). ${
          restricted && n.reason
            ? `Reason: ${n.reason}`
            : 'Vehicles may be stopped and checked; expect delays.'
        }`,
        instruction: "Avoid the area if you can; if you pass, slow down and follow the officers' directions.",
        areas: [area(n.ringName)],
      },
    ],
  };
}
