/**
 * startDashboard: the web page for backup management on node:http — the access check, the
 * routes, the page's files, the jobs and their live progress (server-sent events).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { BackupError, resolveDatabase, silentLogger } from "../index.js";
import { type AccessPolicy, checkAccess, cookieName, createAccessToken, TOKEN_PARAMETER } from "./access.js";
import {
  type DashboardContext,
  describeError,
  isUnreachable,
  readBackup,
  readBackups,
  readHealth,
  readHistory,
  readLive,
  readStatus,
  removeBackup,
  sendDownload,
  setPinned,
  startCreate,
  startRestore,
  startValidate,
  startVerify,
  statusOf,
} from "./api.js";
import { type Asset, loadAssets, pageWithToken } from "./assets.js";
import { RequestError, readJsonBody, SECURITY_HEADERS, sendJson, sendText } from "./http.js";
import { Jobs } from "./jobs.js";
import type { Dashboard, DashboardOptions } from "./options.js";
import { matchRoute, type RouteName } from "./routes.js";
import { followJob, followStatus } from "./sse.js";

/** Everything a request is answered with. */
interface Site {
  ctx: DashboardContext;
  assets: Map<string, Asset>;
  policy: AccessPolicy;
}

function checkOptions(options: DashboardOptions): void {
  if (!options?.driver || typeof options.driver.session !== "function") {
    throw new BackupError("INVALID_OPTIONS", "startDashboard needs `driver`: a neo4j-driver Driver");
  }
  if (!options.storage || typeof options.storage.lock !== "function") {
    throw new BackupError("INVALID_OPTIONS", "startDashboard needs `storage`: a BackupStorage");
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new BackupError("INVALID_OPTIONS", `port must be a whole number from 0 to 65535, not ${port}`);
  }
}

/**
 * Starts the dashboard: a web page for backup management, served on `host:port` (default
 * 127.0.0.1 and a free port) to the holder of a new random access token — open `url`, which
 * carries it. Resolves once it listens.
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  checkOptions(options);
  const logger = options.logger ?? silentLogger;
  // a server that does not answer now: the page shows the storage and fills in the database's
  // part once it answers
  const database = await resolveDatabase(options.driver, options.database).catch((error: unknown) => {
    if (!isUnreachable(error)) throw error;
    logger.warn(
      { err: error.message },
      "dashboard: the database cannot be reached; showing the storage only",
    );
    return null;
  });
  const assets = await loadAssets();
  const token = createAccessToken();
  const jobs = new Jobs((error) => describeError(error, logger));
  const ctx: DashboardContext = { options, database, jobs, logger };
  const server = createServer();
  const host = options.host ?? "127.0.0.1";
  await listen(server, host, options.port ?? 0);
  const port = (server.address() as AddressInfo).port;
  const site: Site = { ctx, assets, policy: { token, cookie: cookieName(port) } };
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    void answer(site, request, response);
  });
  const origin = `http://${urlHost(host)}:${port}`;
  logger.info({ origin, readOnly: options.readOnly === true }, "dashboard: listening");
  let closing: Promise<void> | undefined;
  return {
    url: `${origin}/?${TOKEN_PARAMETER}=${token}`,
    origin,
    token,
    host,
    port,
    close: () => {
      closing ??= close(server, jobs);
      return closing;
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** The host as a URL names it: a wildcard address as this machine's loopback, IPv6 in brackets. */
function urlHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

async function close(server: Server, jobs: Jobs): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // pages following a job keep their connection open: end them
  server.closeAllConnections();
  await jobs.stop(new BackupError("ABORTED", "the dashboard was stopped"));
  await closed;
}

/** Answers one request: access, route, handler; errors as JSON. */
async function answer(site: Site, request: IncomingMessage, response: ServerResponse): Promise<void> {
  try {
    const url = new URL(request.url ?? "/", "http://dashboard");
    const verdict = checkAccess(
      {
        method: request.method ?? "GET",
        path: url.pathname,
        queryToken: url.searchParams.get(TOKEN_PARAMETER) ?? undefined,
        headers: request.headers,
      },
      site.policy,
    );
    if (!verdict.allowed) return refuse(response, verdict.status, verdict.reason);
    if (verdict.setCookie && url.pathname === "/") return enter(site, response);
    const route = matchRoute(request.method ?? "GET", url.pathname);
    if ("status" in route) {
      const allow: Record<string, string> = route.allow ? { Allow: route.allow } : {};
      return sendText(
        response,
        route.status,
        route.status === 404 ? "not found\n" : "method not allowed\n",
        allow,
      );
    }
    await dispatch(site, route.name, route.params, request, response);
  } catch (error) {
    fail(site.ctx, response, error);
  }
}

/** The page opened with the token in its URL: the token goes into a cookie, the URL loses it. */
function enter(site: Site, response: ServerResponse): void {
  response.writeHead(303, {
    ...SECURITY_HEADERS,
    Location: "/",
    "Set-Cookie": `${site.policy.cookie}=${site.policy.token}; HttpOnly; SameSite=Strict; Path=/`,
    "Content-Length": 0,
  });
  response.end();
}

/** Text made safe to place in HTML. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function refuse(response: ServerResponse, status: number, reason: string): void {
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>neo4j-backup</title></head><body><h1>Access refused</h1><p>${escapeHtml(reason)}</p></body></html>`;
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    "Content-Type": "text/html; charset=utf-8",
    "Content-Length": Buffer.byteLength(page),
  });
  response.end(page);
}

function fail(ctx: DashboardContext, response: ServerResponse, error: unknown): void {
  const described = describeError(error, ctx.logger);
  const status =
    error instanceof RequestError ? error.status : error instanceof BackupError ? statusOf(error) : 500;
  if (response.headersSent) {
    response.destroy();
    return;
  }
  sendJson(response, status, { error: described });
}

async function dispatch(
  site: Site,
  name: RouteName,
  params: Record<string, string>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const { ctx } = site;
  const json = async (status: number, body: Promise<unknown> | unknown) =>
    sendJson(response, status, await body);
  switch (name) {
    case "page":
      return sendPage(site, response);
    case "asset":
      return sendAsset(site, params.file!, response);
    case "status":
      return json(200, readStatus(ctx));
    case "status-events":
      return followStatus(
        () => readLive(ctx),
        (error) => describeError(error, ctx.logger),
        response,
        ctx.options.statusIntervalMs,
      );
    case "history":
      return json(200, readHistory(ctx));
    case "backups":
      return json(200, readBackups(ctx));
    case "backup":
      return json(200, readBackup(ctx, params.name!));
    case "download":
      return sendDownload(ctx, params.name!, response);
    case "create":
      return json(202, await startCreate(ctx, await readJsonBody(request)));
    case "validate":
      return json(202, startValidate(ctx, params.name!));
    case "verify":
      return json(202, startVerify(ctx, params.name!));
    case "restore":
      return json(202, startRestore(ctx, params.name!, await readJsonBody(request)));
    case "delete":
      return json(200, removeBackup(ctx, params.name!, await readJsonBody(request)));
    case "pin":
      return json(200, setPinned(ctx, params.name!, await readJsonBody(request)));
    case "jobs":
      return json(200, { jobs: ctx.jobs.list() });
    case "job":
      return json(200, knownJob(ctx, params.id!));
    case "job-events":
      return followJob(ctx.jobs, params.id!, response);
    case "healthz": {
      const health = await readHealth(ctx);
      return json(health.status, health.body);
    }
    case "metrics":
      return sendMetrics(ctx, response);
  }
}

function knownJob(ctx: DashboardContext, id: string) {
  const job = ctx.jobs.get(id);
  if (!job) throw new RequestError(404, "NOT_FOUND", `there is no job ${id}`);
  return job;
}

function sendPage(site: Site, response: ServerResponse): void {
  const page = pageWithToken(site.assets.get("index.html")!, site.policy.token);
  response.writeHead(200, {
    ...SECURITY_HEADERS,
    "Content-Type": "text/html; charset=utf-8",
    "Content-Length": page.length,
  });
  response.end(page);
}

function sendAsset(site: Site, file: string, response: ServerResponse): void {
  const asset = file === "index.html" ? undefined : site.assets.get(file);
  if (!asset) {
    sendText(response, 404, "not found\n");
    return;
  }
  response.writeHead(200, {
    ...SECURITY_HEADERS,
    "Content-Type": asset.type,
    "Content-Length": asset.body.length,
  });
  response.end(asset.body);
}

async function sendMetrics(ctx: DashboardContext, response: ServerResponse): Promise<void> {
  const render = ctx.options.renderMetrics;
  if (!render) return sendText(response, 404, "no metrics here: the dashboard was started without them\n");
  const text = await render();
  sendText(response, 200, text, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
}
