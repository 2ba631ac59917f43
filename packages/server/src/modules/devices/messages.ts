/** The devices module's texts, Chinese first. */
export const DEVICE_MESSAGES = {
  noSuchDevice: { zh: '设备不存在', en: 'No such device' },
  alreadyRevoked: { zh: '该设备令牌已吊销', en: 'This device token is already revoked' },
};
