/**
 * Server-sent events. A job's live progress: one `job` event with the job at once, one on every
 * change, and a comment every 15 s that keeps proxies from closing a quiet connection; the stream
 * ends when the job does, and a page that goes away only stops listening — the job goes on. The
 * live status: a `status` event at once and whenever what the page shows changed.
 */
import type { ServerResponse } from "node:http";
import { RequestError, SECURITY_HEADERS } from "./http.js";
import type { JobSnapshot, Jobs } from "./jobs.js";

const KEEP_ALIVE_MS = 15_000;

/** `GET /api/jobs/:id/events`. */
export function followJob(jobs: Jobs, id: string, response: ServerResponse): void {
  if (!jobs.get(id)) throw new RequestError(404, "NOT_FOUND", `there is no job ${id}`);
  response.writeHead(200, {
    ...SECURITY_HEADERS,
    "Content-Type": "text/event-stream; charset=utf-8",
    Connection: "keep-alive",
  });
  const keepAlive = setInterval(() => response.write(": keep-alive\n\n"), KEEP_ALIVE_MS);
  let stop: (() => void) | undefined;
  const end = () => {
    clearInterval(keepAlive);
    stop?.();
    if (!response.writableEnded) response.end();
  };
  // the page went away (closed, reloaded): stop listening; the job goes on
  response.on("close", end);
  stop = jobs.follow(id, (job: JobSnapshot) => {
    response.write(`event: job\ndata: ${JSON.stringify(job)}\n\n`);
    if (job.state !== "running") end();
  });
}

/** How often the live status is read again (the default; tests take less). */
export const STATUS_INTERVAL_MS = 5_000;

/**
 * `GET /api/status/events`: `read()` at once and every `intervalMs`, sent as a `status` event when
 * its JSON differs from the last one sent (a failed read as a `status-error` event with the
 * error's code and message). Ends when the page goes away.
 */
export function followStatus(
  read: () => Promise<unknown>,
  describe: (error: unknown) => { code: string; message: string },
  response: ServerResponse,
  intervalMs = STATUS_INTERVAL_MS,
): void {
  response.writeHead(200, {
    ...SECURITY_HEADERS,
    "Content-Type": "text/event-stream; charset=utf-8",
    Connection: "keep-alive",
  });
  let last = "";
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    const sent = await read().then(
      (value) => ({ event: "status", data: JSON.stringify(value) }),
      (error: unknown) => ({ event: "status-error", data: JSON.stringify(describe(error)) }),
    );
    if (closed) return;
    if (sent.data !== last) response.write(`event: ${sent.event}\ndata: ${sent.data}\n\n`);
    else response.write(": unchanged\n\n");
    last = sent.data;
    timer = setTimeout(() => void tick(), intervalMs);
  };
  response.on("close", () => {
    closed = true;
    clearTimeout(timer);
  });
  void tick();
}
