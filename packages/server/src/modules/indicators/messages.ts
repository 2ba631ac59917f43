/** The indicators module's messages, zh-CN first. */
export const messages = {
  unknownIndicator: (id: string) => ({ zh: `没有名为 ${id} 的指标`, en: `No indicator named ${id}` }),
  periodOrder: { zh: '统计周期的结束日期早于开始日期', en: 'The period ends before it starts' },
  periodTooLong: (days: number) => ({
    zh: `统计周期最长 ${days} 天`,
    en: `A period is at most ${days} days`,
  }),
  noSuchReport: { zh: '报表不存在', en: 'No such report' },
};
