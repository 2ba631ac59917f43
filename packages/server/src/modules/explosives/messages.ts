/** The explosives module's texts, Chinese first. */
export const EXPLOSIVES_MESSAGES = {
  noSuchEnterprise: {
    zh: '涉爆单位不存在或不在辖区内',
    en: 'No such explosives enterprise in your jurisdiction',
  },
  noSuchPermit: { zh: '许可证不存在', en: 'No such permit' },
  permitNotOpen: { zh: '该许可证已审批完毕或已驳回', en: 'This permit is already decided' },
  notBound: { zh: '企业用户尚未绑定单位', en: 'This enterprise user is not bound to a unit' },
  noRoute: { zh: '该许可证不是带路线的运输许可', en: 'This permit is not a transport permit with a route' },
  permitNotApproved: { zh: '该许可证尚未批准', en: 'This permit is not approved' },
  noSuchAlarm: { zh: '告警不存在', en: 'No such alarm' },
  noDevices: { zh: '设备令牌服务未启用', en: 'Device tokens are not available here' },
  vehicleTaken: { zh: '该车牌已登记', en: 'This plate is already registered' },
  noActivePermit: {
    zh: '该车辆今日没有已批准的运输许可',
    en: 'This vehicle has no approved transport permit valid today',
  },
  monthClosed: { zh: '该月已月结', en: 'This month is already closed' },
  previousMonthOpen: { zh: '上月尚未月结', en: 'The month before is not closed yet' },
  dayUnclosed: (date: string, n: number) => ({
    zh: `本月尚有未日清的日期（${date} 起共 ${n} 项），不能月结`,
    en: `Days of this month are not closed (${n} missing counts, the first on ${date}); the month cannot close`,
  }),
};
