/** The identity module's texts, Chinese first (problem details; field messages come from the rule). */
export const messages = {
  accountLocked: (minutes: number) => ({
    zh: `连续登录失败次数过多，请 ${minutes} 分钟后再试`,
    en: `Too many failed logins; try again in ${minutes} min`,
  }),
  tooManyFailures: (minutes: number) => ({
    zh: `此地址登录失败次数过多，请 ${minutes} 分钟后再试`,
    en: `Too many failed logins from this address; try again in ${minutes} min`,
  }),
  dutiesConflict: {
    zh: '账号管理与布控审批不能由同一账号兼任',
    en: 'Account management and hotlist approval cannot be held by one account',
  },
  usernameTaken: (username: string) => ({
    zh: `用户名 ${username} 已存在`,
    en: `Username ${username} is taken`,
  }),
  cannotDeactivateSelf: { zh: '不能停用自己的账号', en: 'You cannot deactivate your own account' },
  orgCodeTaken: (code: string) => ({ zh: `机构代码 ${code} 已存在`, en: `Org code ${code} is taken` }),
};
