/**
 * What the dispatch module says to people, in both languages: the `detail` of its problem+json
 * answers (the problem's title comes from http/problem.ts) and the labels it puts into figures.
 * Services and routes take their texts from here and hold no sentences of their own.
 */
import {
  INCIDENT_STATUS_LABELS,
  type IncidentStatus,
  UNIT_STATUS_LABELS,
  type UnitStatus,
} from '@citywatch/core/dispatch/incident';

export interface Bilingual {
  zh: string;
  en: string;
}

export const DISPATCH_MESSAGES = {
  noSuchIncident: { zh: '警情不存在', en: 'No such incident' },
  noSuchUnit: { zh: '警力单元不存在', en: 'No such unit' },
  noSuchDiversion: { zh: '转办记录不存在', en: 'No such diversion' },
  unitNotAvailable: { zh: '该警力已被派出或不在岗', en: 'The unit is not available' },
  unitNotYours: {
    zh: '只能调派本单位及下属单位的警力；跨所支援须由市局调度',
    en: 'You may send only units of your own org and those under it; help across stations is sent by city-level dispatch',
  },
  noSuchHelpRequest: { zh: '支援请求不存在', en: 'No such help request' },
  helpOwnUnit: {
    zh: '该警力属于本单位，请直接调派，无需请求支援',
    en: 'The unit is your own: send it directly, no help request needed',
  },
  helpAlreadyAsked: {
    zh: '已就该警情向该警力发出支援请求，等待对方答复',
    en: 'This unit has already been asked for this incident',
  },
  helpDecided: { zh: '该支援请求已处理', en: 'The help request has already been decided' },
  demoMix: {
    zh: '演示警力只能处置演示警情，真实警力只能处置真实警情',
    en: 'Demo units serve only demo calls, and real units only real calls',
  },
  invalidHotlineToken: { zh: '12345 回调令牌无效', en: 'Invalid hotline token' },

  callSignTaken: (callSign: string): Bilingual => ({
    zh: `呼号 ${callSign} 已存在`,
    en: `Call sign ${callSign} is taken`,
  }),

  outsideCity: (cityName: string): Bilingual => ({
    zh: `报警位置不在${cityName}范围内`,
    en: `The location lies outside ${cityName}`,
  }),

  /** `status` as stored; the English names it raw, as it always has. */
  incidentNotOpen: (status: string): Bilingual => ({
    zh: `警情状态为「${INCIDENT_STATUS_LABELS[status as IncidentStatus].zh}」，不能派警`,
    en: `Cannot dispatch to an incident that is ${status}`,
  }),

  incidentTransition: (from: IncidentStatus, to: IncidentStatus): Bilingual => ({
    zh: `不能从「${INCIDENT_STATUS_LABELS[from].zh}」变更为「${INCIDENT_STATUS_LABELS[to].zh}」`,
    en: `Cannot go from ${INCIDENT_STATUS_LABELS[from].en} to ${INCIDENT_STATUS_LABELS[to].en}`,
  }),

  unitTransition: (from: UnitStatus, to: UnitStatus): Bilingual => ({
    zh: `不能从「${UNIT_STATUS_LABELS[from].zh}」变更为「${UNIT_STATUS_LABELS[to].zh}」`,
    en: `Cannot go from ${UNIT_STATUS_LABELS[from].en} to ${UNIT_STATUS_LABELS[to].en}`,
  }),
} as const;

/**
 * The figures' station key for calls outside every jurisdiction. It is a grouping key shown as it
 * is, so it has one (Chinese) form, like the station names it sits among.
 */
export const UNASSIGNED_STATION = '未划分辖区';
