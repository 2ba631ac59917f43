import type { PageMessages, Shape } from '../page';

/**
 * Messages of the users page (用户管理): the `users` i18n namespace. Plain data, registered by the page list
 * (pages/index.ts); components read them with `useTranslation('users')`.
 */
const zhCN = {
  /** The page's entry in the menu. */
  menu: '用户管理',
  title: '用户管理',
  create: '新建用户',
  editTitle: '编辑用户',
  username: '用户名',
  displayName: '姓名',
  password: '密码',
  newPassword: '重置密码',
  newPasswordHint: '留空则不修改密码',
  passwordHint: '至少 10 位',
  usernameHint: '3–32 位小写字母、数字或 _ . -',
  org: '所属单位',
  roles: '角色',
  active: '状态',
  activeYes: '启用',
  activeNo: '停用',
  createdAt: '创建时间',
  deactivate: '停用',
  activate: '启用',
  deactivateConfirm: '确定停用用户「{{name}}」吗？停用后该用户无法登录。',
  activateConfirm: '确定启用用户「{{name}}」吗？',
  endSessions: '强制下线',
  endSessionsConfirm: '确定强制用户「{{name}}」下线吗？其所有会话将立即失效。',
  endSessionsDone: '已强制「{{name}}」下线',
  created: '用户「{{name}}」已创建',
  updated: '用户「{{name}}」已更新',
  deactivated: '用户「{{name}}」已停用',
  activated: '用户「{{name}}」已启用',
  required: '请填写{{field}}',
  selectOrg: '请选择所属单位',
  selectRoles: '请选择角色',
  searchPlaceholder: '按用户名或姓名筛选',
};

export type UsersMessages = Shape<typeof zhCN>;

const en: UsersMessages = {
  menu: 'Users',
  title: 'Users',
  create: 'New user',
  editTitle: 'Edit user',
  username: 'Username',
  displayName: 'Name',
  password: 'Password',
  newPassword: 'Reset password',
  newPasswordHint: 'Leave empty to keep the current password',
  passwordHint: 'At least 10 characters',
  usernameHint: '3–32 lowercase letters, digits or _ . -',
  org: 'Organisation',
  roles: 'Roles',
  active: 'Status',
  activeYes: 'Active',
  activeNo: 'Deactivated',
  createdAt: 'Created',
  deactivate: 'Deactivate',
  activate: 'Activate',
  deactivateConfirm: 'Deactivate “{{name}}”? The user will no longer be able to sign in.',
  activateConfirm: 'Activate “{{name}}”?',
  endSessions: 'Force sign-out',
  endSessionsConfirm: 'Sign “{{name}}” out everywhere? All their sessions end at once.',
  endSessionsDone: '“{{name}}” has been signed out',
  created: 'User “{{name}}” created',
  updated: 'User “{{name}}” updated',
  deactivated: 'User “{{name}}” deactivated',
  activated: 'User “{{name}}” activated',
  required: 'Enter the {{field}}',
  selectOrg: 'Choose an organisation',
  selectRoles: 'Choose at least one role',
  searchPlaceholder: 'Filter by username or name',
};

export const usersMessages: PageMessages<typeof zhCN> = { 'zh-CN': zhCN, en };
