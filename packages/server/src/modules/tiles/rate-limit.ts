/**
 * A token bucket per client address, in memory: enough to stop one address from walking the whole
 * city tile by tile through the public base map, while a phone panning a small pin map never
 * notices. Per process (each node limits on its own): a soft limit, no shared state needed.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    /** Tokens a new client starts with and the most a bucket holds (the burst). */
    private readonly capacity: number,
    /** Tokens added back per second. */
    private readonly refillPerSecond: number,
    private readonly now: () => number = Date.now,
    /** Beyond this many addresses, full buckets are forgotten (they equal a new one). */
    private readonly maxTracked = 10_000,
  ) {}

  /** Takes one token for the address: 0 when granted, else the milliseconds until one is back. */
  take(address: string): number {
    const now = this.now();
    const bucket = this.buckets.get(address) ?? { tokens: this.capacity, at: now };
    bucket.tokens = Math.min(
      this.capacity,
      bucket.tokens + ((now - bucket.at) / 1000) * this.refillPerSecond,
    );
    bucket.at = now;
    if (!this.buckets.has(address)) {
      if (this.buckets.size >= this.maxTracked) this.forgetFull(now);
      this.buckets.set(address, bucket);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / this.refillPerSecond) * 1000);
  }

  private forgetFull(now: number) {
    for (const [address, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.refillPerSecond >= this.capacity)
        this.buckets.delete(address);
    }
  }
}
