declare module '../events/events.js' {
  interface DomainEventPayloads {
    /**
     * A scheduled video patrol tour's shift ended without a completed run: escalated to the
     * commanders of the tour's org (live to consoles holding video.approve in scope).
     */
    'video.tour_missed': { tourId: string; tourName: string; shift: 'day' | 'night'; shiftStart: string };
  }
}

export {};
