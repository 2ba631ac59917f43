/** What the volunteers part of the community module says to people, in both languages. */
export const VOLUNTEER_MESSAGES = {
  noSuchTeam: { zh: '志愿者队伍不存在', en: 'No such volunteer team' },
  noSuchMember: { zh: '志愿者不存在', en: 'No such volunteer' },
  noSuchShift: { zh: '班次不存在', en: 'No such shift' },
  leaderNotMember: { zh: '队长须是本队队员', en: 'The leader must be a member of the team' },
  badToken: { zh: '志愿者链接无效', en: 'This volunteer link is not valid' },
  refused: { zh: '操作不被允许', en: 'Not allowed' },
  tooFar: (metres: number, radius: number) => ({
    zh: `当前位置距班次地点 ${metres} 米，超出签到范围（${radius} 米或巡逻区域内）`,
    en: `You are ${metres} m from the shift's place, outside the check-in range (${radius} m, or inside the patrol area)`,
  }),
  rules: {
    shift_over: { zh: '班次已结束', en: 'The shift is over' },
    shift_started: { zh: '班次已开始，不能再换班', en: 'The shift has started; it can no longer be swapped' },
    already_signed: { zh: '您已报名该班次', en: 'You are already signed up for this shift' },
    capacity: { zh: '该班次名额已满', en: 'The shift is full' },
    overlap: { zh: '与您已报名的其他班次时间重叠', en: 'It overlaps another shift you signed up for' },
    not_signed: { zh: '您未报名该班次', en: 'You are not signed up for this shift' },
    no_offer: { zh: '该班次没有可接的换班', en: 'Nobody offers a place on this shift' },
    too_early: {
      zh: '班次开始前 30 分钟内才能签到',
      en: 'Check-in opens 30 minutes before the shift starts',
    },
    already_checked_in: { zh: '您已签到', en: 'You have already checked in' },
    not_checked_in: { zh: '您尚未签到或已签退', en: 'You are not checked in' },
  },
} as const;
