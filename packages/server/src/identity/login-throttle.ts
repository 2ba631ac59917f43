/**
 * Failed logins counted per client address over a sliding window: past the limit, that address
 * gets 429 for a while, whatever usernames it tries (the per-account lock-out alone lets one
 * address try a password against every account). Kept in memory per API node: a city's nodes
 * each throttle on their own, which bounds an attacker to nodes × limit.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => Date,
  ) {}

  /** Milliseconds until this address may try again, or 0 when it may now. */
  retryAfterMs(address: string | null): number {
    if (!address || this.limit <= 0) return 0;
    const recent = this.recent(address);
    if (recent.length < this.limit) return 0;
    return Math.max(1000, recent[recent.length - this.limit] + this.windowMs - this.now().getTime());
  }

  recordFailure(address: string | null) {
    if (!address || this.limit <= 0) return;
    const recent = this.recent(address);
    recent.push(this.now().getTime());
    this.failures.set(address, recent.slice(-this.limit));
    // Forget addresses whose failures all aged out, so the map cannot grow without bound.
    if (this.failures.size > 10_000) {
      for (const [a] of this.failures) if (this.recent(a).length === 0) this.failures.delete(a);
    }
  }

  private recent(address: string): number[] {
    const since = this.now().getTime() - this.windowMs;
    return (this.failures.get(address) ?? []).filter((t) => t > since);
  }
}
