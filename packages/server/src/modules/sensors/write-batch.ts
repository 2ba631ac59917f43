/**
 * Writes gathered into one statement: the items added while one write is running (and in the same
 * turn of the event loop as the first) go into the next write, up to `max` of them with distinct
 * keys (a later item with a key already in the batch waits for the next one, in order). Alarm
 * raises cost one upsert each before (about 9 ms on PGlite, bench:devices); a burst of them now
 * costs one statement per batch.
 */
export class WriteBatch<K, In, Out> {
  private queue: { key: K; item: In; resolve: (v: Out) => void; reject: (e: unknown) => void }[] = [];
  private running = false;
  private scheduled = false;
  /** Statements run (for the stats). */
  writes = 0;

  /** `write` answers per key of the items it is given; a key it leaves out fails its item. */
  constructor(
    private readonly write: (items: In[]) => Promise<Map<K, Out>>,
    private readonly keyOf: (item: In) => K,
    private readonly max = 500,
  ) {}

  add(item: In): Promise<Out> {
    return new Promise((resolve, reject) => {
      this.queue.push({ key: this.keyOf(item), item, resolve, reject });
      this.kick();
    });
  }

  private kick() {
    if (this.running || this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    // The rest of this turn's items join the first one's write.
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private async drain() {
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    const batch: typeof this.queue = [];
    const rest: typeof this.queue = [];
    const keys = new Set<K>();
    for (const entry of this.queue) {
      if (batch.length < this.max && !keys.has(entry.key)) {
        keys.add(entry.key);
        batch.push(entry);
      } else rest.push(entry);
    }
    this.queue = rest;
    try {
      this.writes++;
      const answers = await this.write(batch.map((e) => e.item));
      for (const e of batch) {
        const answer = answers.get(e.key);
        if (answer === undefined) e.reject(new Error(`write answered nothing for ${String(e.key)}`));
        else e.resolve(answer);
      }
    } catch (error) {
      for (const e of batch) e.reject(error);
    } finally {
      this.running = false;
      this.kick();
    }
  }
}
