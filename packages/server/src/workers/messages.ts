/** The worker pool's texts, Chinese first. */
export const messages = {
  busy: (seconds: number) => ({
    zh: `计算任务排队已满，请约 ${seconds} 秒后重试`,
    en: `Too many computations are waiting; try again in about ${seconds} s`,
  }),
  timedOut: (seconds: number) => ({
    zh: `计算超过 ${seconds} 秒未完成，已停止；请缩小范围后重试`,
    en: `The computation took longer than ${seconds} s and was stopped; try a smaller area or fewer items`,
  }),
  outOfMemory: {
    zh: '计算所需内存超出限制，已停止；请缩小范围后重试',
    en: 'The computation needed more memory than a job may use and was stopped; try a smaller area',
  },
  crashed: {
    zh: '计算线程意外退出，请重试',
    en: 'The computation thread stopped unexpectedly; try again',
  },
  stopping: { zh: '服务正在停止', en: 'The server is stopping' },
};
