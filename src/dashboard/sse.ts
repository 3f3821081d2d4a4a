/**
 * A job's live progress as server-sent events: one `job` event with the job at once, one on every
 * change, and a comment every 15 s that keeps proxies from closing a quiet connection. The stream
 * ends when the job does; a page that goes away only stops listening — the job goes on.
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
