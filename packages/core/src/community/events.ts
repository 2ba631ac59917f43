declare module '../events/events.js' {
  interface DomainEventPayloads {
    /** A citizen report reached the intake queue of its org. */
    'community.report_received': { reportId: string; number: string; category: string };
    /** A dispatcher decided a report (incident, case, 12345, rejected). */
    'community.report_decided': { reportId: string; number: string; status: string };
    /** A mediation case was opened or changed (status, mediator, sessions, agreement, follow-ups). */
    'community.case_changed': { caseId: string };
  }
}

export {};
