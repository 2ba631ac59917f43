/**
 * Emergency driving (lights and siren) as a travel-time profile of its own (issue 16).
 *
 * Rule: a unit sent to an incident of an urgent priority drives as an emergency vehicle from its
 * dispatch until its own on-scene report, whether or not its AVL device reports lights and siren;
 * units sent to the most urgent incidents are expected to drive with them on. The learning
 * (server eta module) counts those traversals, and any under a fix flagged `emergency`, as the
 * emergency profile, and dispatch times recommendations for urgent incidents with it.
 */

/** Incident priorities whose units count as emergency driving on their way: the highest. */
export const URGENT_PRIORITIES: readonly string[] = ['P1'];

/** Whether an incident of this priority is timed (and its units learned) as emergency driving. */
export function isUrgentPriority(priority: string): boolean {
  return URGENT_PRIORITIES.includes(priority);
}
