/**
 * The `/metrics` and `/healthz` endpoints of a long-running command (schedule), on node:http. Only
 * counts and times: no password, key or error message is ever served.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { BackupSchedule } from "../index.js";

/** What the endpoints serve. */
export interface MetricsEndpoints {
  /** The exposition text (collectMetrics). */
  metrics: () => Promise<string>;
  /** The content type of that text. */
  contentType: string;
  schedule: BackupSchedule;
}

/** A listening server. */
export interface MetricsServer {
  /** `http://host:port`. */
  url: string;
  close(): Promise<void>;
}

/** `/healthz`: 200 while the schedule runs, 503 once it stops; the body says when it runs next and how the last run ended. */
function health(schedule: BackupSchedule): { status: number; body: string } {
  const last = schedule.lastResult;
  const body = {
    status: schedule.stopped ? "stopping" : "ok",
    running: schedule.running,
    nextRun: schedule.nextRun()?.toISOString() ?? null,
    lastRun: last ? { outcome: last.outcome, finishedAt: last.finishedAt.toISOString() } : null,
  };
  return { status: schedule.stopped ? 503 : 200, body: `${JSON.stringify(body)}\n` };
}

/** Starts serving on `host:port` (port 0: any free port). */
export async function startMetricsServer(
  endpoints: MetricsEndpoints,
  host: string,
  port: number,
  onError: (error: unknown) => void,
): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    const send = (status: number, type: string, body: string) => {
      response.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      response.end(request.method === "HEAD" ? undefined : body);
    };
    if (request.method !== "GET" && request.method !== "HEAD")
      return send(405, "text/plain", "method not allowed\n");
    if (path === "/healthz") {
      const { status, body } = health(endpoints.schedule);
      return send(status, "application/json", body);
    }
    if (path !== "/metrics") return send(404, "text/plain", "not found: try /metrics or /healthz\n");
    endpoints.metrics().then(
      (text) => send(200, endpoints.contentType, text),
      (error) => {
        onError(error);
        send(500, "text/plain", "the metrics could not be collected; see the log\n");
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
