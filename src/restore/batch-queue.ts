/** Write batches in flight at once, and the first failure among them. */

/** Runs async jobs with at most `limit` in flight; the first failure stops new jobs and is thrown. */
export class BatchQueue {
  private readonly running = new Set<Promise<void>>();
  private failure: unknown;
  constructor(private readonly limit: number) {}

  /** Starts `job` once fewer than `limit` run; throws the first failure of an earlier job. */
  async submit(job: () => Promise<void>): Promise<void> {
    if (this.failure) throw this.failure;
    while (this.running.size >= this.limit) {
      await Promise.race(this.running);
      if (this.failure) throw this.failure;
    }
    const p: Promise<void> = job()
      .catch((error) => {
        this.failure ??= error;
      })
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  /** Waits for every job; throws the first failure. */
  async drain(): Promise<void> {
    await Promise.all(this.running);
    if (this.failure) throw this.failure;
  }

  /** Waits for every job still running, ignoring their outcome (used before undoing a failed restore). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.running);
  }
}
