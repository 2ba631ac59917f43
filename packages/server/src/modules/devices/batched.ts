/**
 * Look-ups by key read together: the keys asked for while one read is running (and in the same
 * turn of the event loop as the first) go into the next read, one statement for up to `max` keys.
 * A thousand devices connecting at once, or each re-checked every few seconds while it publishes,
 * cost a handful of statements instead of one each (bench:devices: 400 single-row reads a second
 * on the embedded broker's event loop, the same loop that runs the broker and the batch writes).
 */
export class Batched<K, V> {
  private readonly queue = new Map<
    K,
    { resolve: (v: V | undefined) => void; reject: (e: unknown) => void }[]
  >();
  private running = false;
  private scheduled = false;

  /** `read` answers for the keys it is given (a key it leaves out is answered undefined). */
  constructor(
    private readonly read: (keys: K[]) => Promise<Map<K, V>>,
    private readonly max = 5_000,
  ) {}

  load(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const waiting = this.queue.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else this.queue.set(key, [{ resolve, reject }]);
      this.kick();
    });
  }

  private kick() {
    if (this.running || this.scheduled || this.queue.size === 0) return;
    this.scheduled = true;
    // The rest of this turn's look-ups join the first one's read.
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private async drain() {
    if (this.running || this.queue.size === 0) return;
    this.running = true;
    const batch = new Map<K, { resolve: (v: V | undefined) => void; reject: (e: unknown) => void }[]>();
    for (const [key, waiting] of this.queue) {
      if (batch.size >= this.max) break;
      batch.set(key, waiting);
    }
    for (const key of batch.keys()) this.queue.delete(key);
    try {
      const found = await this.read([...batch.keys()]);
      for (const [key, waiting] of batch) for (const w of waiting) w.resolve(found.get(key));
    } catch (error) {
      for (const waiting of batch.values()) for (const w of waiting) w.reject(error);
    } finally {
      this.running = false;
      this.kick();
    }
  }
}
