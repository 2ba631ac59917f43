import type { PageMessages, Shape } from '../page';

/**
 * Messages of the organisations page (组织机构): the `orgs` i18n namespace. Plain data, registered by the page list
 * (pages/index.ts); components read them with `useTranslation('orgs')`.
 */
const zhCN = {
  /** The page's entry in the menu. */
  menu: '组织机构',
  title: '组织机构',
  name: '名称',
  kind: '层级',
  code: '机构代码',
  addChild: '添加下级',
  addChildTitle: '在「{{parent}}」下添加下级机构',
  parent: '上级机构',
  created: '机构「{{name}}」已创建',
  required: '请填写{{field}}',
  codeHint: '字母、数字或连字符',
  total: '共 {{count}} 个机构',
};

export type OrgsMessages = Shape<typeof zhCN>;

const en: OrgsMessages = {
  menu: 'Organisations',
  title: 'Organisations',
  name: 'Name',
  kind: 'Level',
  code: 'Code',
  addChild: 'Add child',
  addChildTitle: 'Add an organisation under “{{parent}}”',
  parent: 'Parent',
  created: 'Organisation “{{name}}” created',
  required: 'Enter the {{field}}',
  codeHint: 'Letters, digits or hyphens',
  total: '{{count}} organisations',
};

export const orgsMessages: PageMessages<typeof zhCN> = { 'zh-CN': zhCN, en };
