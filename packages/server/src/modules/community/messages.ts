import { CASE_STATUS_LABELS, type CaseStatus } from '@citywatch/core/community/mediation';

/** What the community module says to people, in both languages (problem details, status notes). */
export const COMMUNITY_MESSAGES = {
  noSuchReport: { zh: '上报不存在', en: 'No such report' },
  noSuchToken: { zh: '查询码无效', en: 'No report has this tracking code' },
  alreadyDecided: { zh: '该上报已被处理', en: 'The report has already been decided' },
  unknownCategory: { zh: '未知的上报类别', en: 'Unknown report category' },
  positionRequired: {
    zh: '请提供位置：手机定位、地图选点，或带位置信息的照片',
    en: 'A position is needed: the phone’s location, a pin on the map, or a photo that carries one',
  },
  mediaType: {
    zh: '只接受 JPEG、PNG 照片或 MP4、MOV、WebM 短视频（按文件内容判断）',
    en: 'Only JPEG or PNG photos and MP4, MOV or WebM short videos are accepted (judged by the content)',
  },
  mediaForged: {
    zh: '文件扩展名或声明的类型与文件内容不符',
    en: 'The file’s extension or declared type does not match its content',
  },
  mediaBroken: { zh: '文件已损坏，无法处理', en: 'The file is damaged and cannot be processed' },
  mediaTooLarge: (limitMb: number) => ({
    zh: `文件不能超过 ${limitMb} MB`,
    en: `The file must not exceed ${limitMb} MB`,
  }),
  rateLimited: {
    zh: '提交过于频繁，请稍后再试；紧急情况请直接拨打 110',
    en: 'Too many reports; try again later. In an emergency call 110',
  },
  noMedia: { zh: '该上报没有附件', en: 'The report has no attachment' },
  notes: {
    received: { zh: '已收到，等待受理', en: 'Received; awaiting a decision' },
    incident: (n: string, station: string) => ({
      zh: `已转 110 警情 ${n}，由${station}处置`,
      en: `Became 110 incident ${n}, handled by ${station}`,
    }),
    case: (n: string) => ({ zh: `已转矛盾纠纷调解 ${n}`, en: `Became mediation case ${n}` }),
    hotline: { zh: '已转 12345 政务服务热线办理', en: 'Handed to the 12345 government hotline' },
    rejected: (reason: string) => ({ zh: `不予受理：${reason}`, en: `Rejected: ${reason}` }),
  },
  hotlineAgency: '12345 政务服务便民热线',
} as const;

export const CASE_MESSAGES = {
  noSuchCase: { zh: '调解案件不存在', en: 'No such mediation case' },
  noSuchMediator: {
    zh: '调解员不存在、不在您的管辖范围内，或不是调解员/社区民警',
    en: 'No such mediator within your jurisdiction (a mediator or community officer)',
  },
  notMediating: { zh: '案件不在调解中', en: 'The case is not being mediated' },
  followUpNeedsAgreement: { zh: '达成协议后才能回访', en: 'Follow-up visits come after an agreement' },
  closeNeedsFollowUp: {
    zh: '协议须经回访确认履行后才能结案',
    en: 'An agreed case is closed once a follow-up visit found the agreement performed',
  },
  alreadyEscalated: { zh: '该案件已转 110 警情', en: 'The case has already been escalated to 110' },
  escalateNeedsPlace: {
    zh: '案件没有位置，所属单位也没有位置，无法生成警情',
    en: 'Neither the case nor its station has a position for the incident',
  },
  noAgreement: { zh: '该案件尚无调解协议', en: 'The case has no agreement yet' },
  unassigned: '未指派调解员',
  transition: (from: CaseStatus, to: CaseStatus) => ({
    zh: `不能从「${CASE_STATUS_LABELS[from].zh}」变更为「${CASE_STATUS_LABELS[to].zh}」`,
    en: `Cannot go from ${CASE_STATUS_LABELS[from].en} to ${CASE_STATUS_LABELS[to].en}`,
  }),
} as const;
