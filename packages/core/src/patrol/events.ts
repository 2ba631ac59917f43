declare module '../events/events.js' {
  interface DomainEventPayloads {
    /** Incident history was imported into a city: hot spots and evaluations may read differently. */
    'patrol.history_imported': { city: string; importId: string; imported: number };
  }
}

export {};
