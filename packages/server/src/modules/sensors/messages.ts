/** The sensors module's texts, Chinese first. */
export const SENSOR_MESSAGES = {
  noSuchCommunity: { zh: '社区不存在', en: 'No such community' },
  noSuchDevice: { zh: '设备不存在', en: 'No such device' },
  noSuchAlarm: { zh: '告警不存在', en: 'No such alarm' },
  noSuchArea: { zh: '人群区域不存在', en: 'No such crowd area' },
  noSuchTicket: { zh: '故障工单不存在', en: 'No such fault ticket' },
  ticketClosed: { zh: '故障工单已关闭', en: 'The fault ticket is closed already' },
  ticketAcknowledged: { zh: '故障工单已确认', en: 'The fault ticket is acknowledged already' },
  alarmUnchanged: { zh: '告警已处于该状态', en: 'The alarm is already in that state' },
};
