/**
 * The dashboard's jobs: a create, restore, validate or verify runs in the dashboard's process, not
 * in the request that started it — closing the page neither stops nor harms it, and the page
 * follows it again when it is reopened. One job runs at a time. Stopping the dashboard aborts the
 * running job through its signal and waits for it: the library then publishes nothing half, and a
 * replace restore puts the previous contents back.
 */
import { randomUUID } from "node:crypto";

/** What a job does. */
export type JobKind = "create" | "restore" | "validate" | "verify";

/** A job as the page sees it. */
export interface JobSnapshot {
  id: string;
  kind: JobKind;
  /** The backup it works on (for create: null until it is published). */
  backup: string | null;
  state: "running" | "succeeded" | "failed";
  /** ISO 8601. */
  started: string;
  finished: string | null;
  /** The latest progress the library reported (phase and counts). */
  progress: unknown;
  /** The library's result, once it succeeded. */
  result: unknown;
  /** Why it failed: the error's stable code and its message. */
  error: { code: string; message: string } | null;
}

/** What the work of a job is given. */
export interface JobControl {
  /** Aborted when the dashboard stops. */
  signal: AbortSignal;
  /** Reports progress to every follower. */
  progress(progress: unknown): void;
}

/** Refused because another job is running. */
export class BusyError extends Error {
  constructor(readonly running: JobSnapshot) {
    super(`a ${running.kind} is running (started ${running.started}); wait until it ends`);
    this.name = "BusyError";
  }
}

type Listener = (job: JobSnapshot) => void;

interface Job {
  snapshot: JobSnapshot;
  controller: AbortController;
  listeners: Set<Listener>;
  settled: Promise<void>;
}

/** Finished jobs kept for the page. */
const KEPT = 20;

/** The jobs of one dashboard. */
export class Jobs {
  private readonly jobs = new Map<string, Job>();
  private running: Job | undefined;

  constructor(private readonly describeError: (error: unknown) => { code: string; message: string }) {}

  /** Starts `work` as a job; throws {@link BusyError} while another runs. */
  start(kind: JobKind, backup: string | null, work: (control: JobControl) => Promise<unknown>): JobSnapshot {
    if (this.running) throw new BusyError({ ...this.running.snapshot });
    const job: Job = {
      snapshot: {
        id: randomUUID(),
        kind,
        backup,
        state: "running",
        started: new Date().toISOString(),
        finished: null,
        progress: null,
        result: null,
        error: null,
      },
      controller: new AbortController(),
      listeners: new Set(),
      settled: Promise.resolve(),
    };
    this.running = job;
    this.jobs.set(job.snapshot.id, job);
    this.forgetOld();
    const control: JobControl = {
      signal: job.controller.signal,
      progress: (progress) => {
        job.snapshot.progress = progress;
        this.notify(job);
      },
    };
    job.settled = this.run(job, work, control);
    return { ...job.snapshot };
  }

  private async run(job: Job, work: (control: JobControl) => Promise<unknown>, control: JobControl) {
    try {
      job.snapshot.result = (await work(control)) ?? null;
      job.snapshot.state = "succeeded";
    } catch (error) {
      job.snapshot.error = this.describeError(error);
      job.snapshot.state = "failed";
    }
    job.snapshot.finished = new Date().toISOString();
    if (this.running === job) this.running = undefined;
    this.notify(job);
    job.listeners.clear();
  }

  private notify(job: Job): void {
    const snapshot = { ...job.snapshot };
    for (const listener of job.listeners) listener(snapshot);
  }

  private forgetOld(): void {
    const finished = [...this.jobs.values()].filter((j) => j !== this.running);
    for (const job of finished.slice(0, Math.max(0, finished.length - KEPT)))
      this.jobs.delete(job.snapshot.id);
  }

  /** One job, or undefined when unknown. */
  get(id: string): JobSnapshot | undefined {
    const job = this.jobs.get(id);
    return job ? { ...job.snapshot } : undefined;
  }

  /** Every kept job, the newest first. */
  list(): JobSnapshot[] {
    return [...this.jobs.values()].map((j) => ({ ...j.snapshot })).reverse();
  }

  /**
   * Calls `listener` with the job now and on every change until it ends; returns the function that
   * stops listening (a page that goes away). Undefined when the job is unknown.
   */
  follow(id: string, listener: Listener): (() => void) | undefined {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    listener({ ...job.snapshot });
    if (job.snapshot.state !== "running") return () => {};
    job.listeners.add(listener);
    return () => job.listeners.delete(listener);
  }

  /** Aborts the running job, if any, and waits until it has ended. */
  async stop(reason: unknown): Promise<void> {
    const job = this.running;
    if (!job) return;
    job.controller.abort(reason);
    await job.settled;
  }
}
