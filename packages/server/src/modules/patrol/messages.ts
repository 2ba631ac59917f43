/** The patrol module's texts, Chinese first. */
export const messages = {
  importRefused: (reason: string) => ({
    zh: `无法导入该文件：${reason}`,
    en: `The file cannot be imported: ${reason}`,
  }),
  noEvaluation: (city: string) => ({
    zh: `${city} 尚无本单位的热点模型评估，请先运行评估`,
    en: `No hot-spot evaluation of ${city} for your org yet; run one first`,
  }),
  badUnit: (reason: string) => ({ zh: `统计单元不可用：${reason}`, en: `Unit not available: ${reason}` }),
  windowOrder: { zh: '结束时间必须晚于开始时间', en: 'The window must end after it starts' },
};
