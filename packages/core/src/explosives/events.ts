declare module '../events/events.js' {
  interface DomainEventPayloads {
    /** An explosives alarm (variance, serial anomaly, overdue transit…): a 24-hour report clock starts. */
    'explosives.alarm': {
      alarmId: string;
      enterpriseId: string;
      kind: string;
      subject: string;
      reportDueAt: string;
    };
    /**
     * An alarm's 24-hour report clock ran out unreported: escalated to the enterprise's station
     * (its head) and the command centre (the city's root org).
     */
    'explosives.report_overdue': {
      alarmId: string;
      enterpriseId: string;
      kind: string;
      subject: string;
      reportDueAt: string;
      stationOrgId: string;
      commandOrgId: string;
    };
    /** A permit changed state (applied, approved once, approved, refused). */
    'explosives.permit': { permitId: string; enterpriseId: string; status: string; approvals: number };
  }
}

export {};
