declare module '../events/events.js' {
  interface DomainEventPayloads {
    /** A rectification case passed its deadline unfixed: escalated to the station's head. */
    'oversight.case_overdue': { caseId: string; unitId: string; unitName: string; deadline: string };
    /** A case changed state (filed, reported, verified, closed). */
    'oversight.case_changed': { caseId: string; unitId: string; status: string };
  }
}

export {};
