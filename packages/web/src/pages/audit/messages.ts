import type { AuditAction } from '@citywatch/core/identity/schemas';
import type { PageMessages, Shape } from '../page';

/**
 * Messages of the audit log page (审计日志): the `audit` i18n namespace. Plain data, registered by the page list
 * (pages/index.ts); components read them with `useTranslation('audit')`.
 */
const zhCN = {
  /** The page's entry in the menu. */
  menu: '审计日志',
  title: '审计日志',
  seq: '序号',
  at: '时间',
  user: '用户',
  action: '操作',
  resource: '资源',
  purpose: '事由',
  detail: '详情',
  hash: '哈希',
  allActions: '全部操作',
  usernamePlaceholder: '用户名',
  verify: '校验哈希链',
  verifyOk: '哈希链完整：已校验 {{checked}} 条记录，未发现篡改。',
  verifyBad: '哈希链校验失败：第 {{seq}} 条记录异常（已校验 {{checked}} 条）。',
  verifyReason: '原因：{{reason}}',
  system: '系统',
  actions: {
    login: '登录',
    login_failed: '登录失败',
    logout: '退出登录',
    permission_denied: '越权访问',
    write: '数据变更',
    personal_data_read: '查阅个人信息',
    sessions_ended: '强制下线',
    hotlist_change: '布控名单变更',
    hotlist_hit: '布控比中',
  },
};

export type AuditMessages = Shape<typeof zhCN>;

const en: AuditMessages = {
  menu: 'Audit log',
  title: 'Audit log',
  seq: 'Seq',
  at: 'Time',
  user: 'User',
  action: 'Action',
  resource: 'Resource',
  purpose: 'Purpose',
  detail: 'Detail',
  hash: 'Hash',
  allActions: 'All actions',
  usernamePlaceholder: 'Username',
  verify: 'Verify hash chain',
  verifyOk: 'Hash chain intact: {{checked}} entries checked, no tampering found.',
  verifyBad: 'Hash chain broken at entry {{seq}} ({{checked}} entries checked).',
  verifyReason: 'Reason: {{reason}}',
  system: 'System',
  actions: {
    login: 'Sign-in',
    login_failed: 'Failed sign-in',
    logout: 'Sign-out',
    permission_denied: 'Permission denied',
    write: 'Change',
    personal_data_read: 'Personal data read',
    sessions_ended: 'Sessions ended',
    hotlist_change: 'Hotlist change',
    hotlist_hit: 'Hotlist hit',
  },
};

export const auditMessages: PageMessages<typeof zhCN> = { 'zh-CN': zhCN, en };

// Compile-time guard: every audit action has a label in the primary language.
type Covers<K extends string, T> = [K] extends [keyof T] ? true : never;
const _actions: Covers<AuditAction, typeof zhCN.actions> = true;
void _actions;
