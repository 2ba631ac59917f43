/**
 * The perimeter module's user-facing texts, in Chinese and English.
 *
 * Two forms, as the services have always used them:
 * - problem details: `{ zh, en }` pairs; the error handler picks one by Accept-Language;
 * - hotlist field messages: one "中文 | English" string, since a service does not know the request's
 *   language; the hotlist routes pick one side with `pickMessage`.
 */
import type { FieldError } from '../../http/problem.js';

const zhEn = (zh: string, en: string) => ({ zh, en });

/** Problem details of the rings, checkpoints, closure plans and interception advisor. */
export const RING_DETAILS = {
  noSuchCity: zhEn('城市不存在', 'No such city'),
  noSuchRing: zhEn('圈层不存在', 'No such ring'),
  noSuchCheckpoint: zhEn('查控点不存在', 'No such checkpoint'),
  noSuchPlan: zhEn('封控方案不存在', 'No such closure plan'),
  ringUnusable: zhEn('圈层多边形不可用', 'The ring polygon cannot be used'),
  ringHasActivePlan: zhEn(
    '该圈层有正在执行的封控方案，请先结束方案',
    'The ring has an active closure plan; end it first',
  ),
  noCutInCorridor: zhEn('无法在该走廊内求最小割', 'No cut within that corridor'),
  noRoadNearPoint: zhEn('附近没有道路', 'No road near that point'),
  noRoadNearScene: zhEn('现场附近没有道路', 'No road near the scene'),
  checkpointExists: (id: string) => zhEn(`查控点 ${id} 已存在`, `Checkpoint ${id} exists`),
  checkpointIdElsewhere: (id: string) =>
    zhEn(`编号 ${id} 已被其他单位的查控点使用`, `The id ${id} is used by a checkpoint of another org`),
  ringHasNoCheckpoints: zhEn('该圈层没有查控点，无法启动封控', 'The ring has no checkpoints to hold'),
  planAlreadyActive: zhEn('该圈层已有正在执行的封控方案', 'The ring already has an active closure plan'),
  planNotActive: (status: string) =>
    zhEn(`封控方案已${status === 'expired' ? '到期' : '结束'}`, `The plan has already ${status}`),
} as const;

/**
 * Field message of a checkpoint naming a ring of another city (or none). Only the English side
 * has ever been sent.
 */
export const RING_NOT_IN_CITY = zhEn('圈层不存在', 'No such ring in this city');

/** Problem details of the hotlist. */
export const HOTLIST_DETAILS = {
  approveOnlyPending: zhEn('只能审批待审批的条目', 'Only a pending entry can be approved'),
  approveFourEyes: zhEn(
    '布控条目须由创建人以外的人审批',
    'An entry must be approved by someone other than its creator',
  ),
  approveExpired: zhEn('条目已过期，请重新创建', 'The entry has expired; create it again'),
  renewOnlyActive: zhEn('只能续期已生效的条目', 'Only an approved entry can be renewed'),
  renewFourEyes: zhEn(
    '续期须由创建人和上次审批人以外的人办理',
    'A renewal must be made by someone other than the creator and the last approver',
  ),
  alreadyRevoked: zhEn('条目已撤销', 'The entry is already revoked'),
} as const;

// Bilingual on purpose: the service does not know the request's language; the routes pick one.
export const PLATE_MESSAGES: Record<string, string> = {
  empty: '号牌为空 | The plate is empty',
  too_long: '号牌过长 | The plate is too long',
  bad_character:
    '号牌含不允许的字符（I、O 不用于号牌） | The plate contains characters not used on plates (I, O)',
  bad_province: '省份简称不正确 | Unknown province abbreviation',
  bad_authority: '发牌机关代号须为字母（不含 I、O） | The authority code must be a letter (not I or O)',
  bad_serial: '号牌序号不符合 GA 36 | The serial does not follow GA 36',
  bad_length: '号牌长度不符合 GA 36 | The plate length does not follow GA 36',
};
export const RESIDENT_ID_MESSAGES: Record<string, string> = {
  bad_length: '身份号码须为 18 位 | A resident ID has 18 characters',
  bad_character: '身份号码只能含数字和末位 X | Digits only, X allowed last',
  bad_region: '行政区划代码不正确 | Unknown division code',
  bad_birth_date: '出生日期不正确 | Invalid birth date',
  bad_check_digit: '校验码不正确 | Wrong check digit',
};
const RULE_MESSAGES: Record<string, string> = {
  category_kind: '该类别不能布控此类对象 | This category cannot list this kind of value',
  required: '必填 | Required',
  invalid_format: '时间格式不正确 | Not a valid time',
  in_past: '到期时间须晚于当前时间 | The expiry must be in the future',
  max_30_days: '有效期最长 30 天 | At most 30 days',
  four_eyes: '须由另一人审批 | Needs a second person',
  expired: '已过期 | Expired',
};

/** Gives every hotlist field error without a message the bilingual text of its rule. */
export function localise(errors: FieldError[]): FieldError[] {
  return errors.map((e) => (e.message ? e : { ...e, message: RULE_MESSAGES[e.rule] ?? e.rule }));
}

/** Picks one language out of a "中文 | English" message. */
export function pickMessage(message: string, lang: 'zh-CN' | 'en'): string {
  const i = message.indexOf(' | ');
  if (i < 0) return message;
  return lang === 'en' ? message.slice(i + 3) : message.slice(0, i);
}
