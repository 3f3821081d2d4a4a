/**
 * The dashboard without a browser and without a database: the access check (token, cookie,
 * cross-site requests), the routes, the jobs, and a real server answering what needs no Neo4j —
 * refusals, the page and its files, downloads, /healthz, /metrics. (The page in a real browser
 * against a real Neo4j: test/integration/dashboard.test.ts.)
 */
import neo4j, { type Driver } from "neo4j-driver";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type AccessRequest,
  checkAccess,
  cookieName,
  createAccessToken,
  readCookie,
  TOKEN_HEADER,
  tokenMatches,
} from "../../src/dashboard/access.js";
import { type Dashboard, startDashboard } from "../../src/dashboard/index.js";
import { BusyError, Jobs } from "../../src/dashboard/jobs.js";
import { matchRoute } from "../../src/dashboard/routes.js";
import { MemoryStorage } from "../../src/index.js";

const TOKEN = createAccessToken();
const policy = { token: TOKEN, cookie: "neo4j_backup_4000" };

/** The `error.code` of a refused API request. */
async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

function request(overrides: Partial<AccessRequest>): AccessRequest {
  return { method: "GET", path: "/api/status", queryToken: undefined, headers: {}, ...overrides };
}

describe("the access token", () => {
  it("is 32 characters of base64url, new every time", () => {
    const a = createAccessToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(createAccessToken()).not.toBe(a);
  });

  it("matches only itself (not a prefix, not empty)", () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches(TOKEN, TOKEN.slice(0, -1))).toBe(false);
    expect(tokenMatches(TOKEN, `${TOKEN}x`)).toBe(false);
    expect(tokenMatches(TOKEN, "")).toBe(false);
    expect(tokenMatches(TOKEN, undefined)).toBe(false);
  });

  it("names its cookie with the port, since browsers share cookies between ports", () => {
    expect(cookieName(4000)).not.toBe(cookieName(4001));
    expect(readCookie(`a=1; ${cookieName(4000)}=xyz; b=2`, cookieName(4000))).toBe("xyz");
    expect(readCookie(`${cookieName(40001)}=xyz`, cookieName(4000))).toBeUndefined();
  });
});

describe("checkAccess", () => {
  it("refuses a request without the token, and one with a wrong token", () => {
    expect(checkAccess(request({}), policy)).toMatchObject({ allowed: false, status: 401 });
    expect(checkAccess(request({ queryToken: "wrong" }), policy)).toMatchObject({
      allowed: false,
      status: 401,
    });
    expect(
      checkAccess(
        request({ headers: { cookie: `${policy.cookie}=wrong`, [TOKEN_HEADER]: "wrong" } }),
        policy,
      ),
    ).toMatchObject({ allowed: false, status: 401 });
  });

  it("lets a GET in with the token in the cookie, the header or the query; the query one sets the cookie", () => {
    expect(checkAccess(request({ headers: { cookie: `${policy.cookie}=${TOKEN}` } }), policy)).toEqual({
      allowed: true,
      open: false,
      setCookie: false,
    });
    expect(checkAccess(request({ headers: { [TOKEN_HEADER]: TOKEN } }), policy)).toMatchObject({
      allowed: true,
    });
    expect(checkAccess(request({ path: "/", queryToken: TOKEN }), policy)).toMatchObject({
      allowed: true,
      setCookie: true,
    });
  });

  it("leaves /healthz and /metrics open to GET only", () => {
    for (const path of ["/healthz", "/metrics"]) {
      expect(checkAccess(request({ path }), policy)).toMatchObject({ allowed: true, open: true });
      expect(checkAccess(request({ method: "POST", path }), policy)).toMatchObject({ allowed: false });
    }
    expect(checkAccess(request({ path: "/healthz/x" }), policy)).toMatchObject({ allowed: false });
  });

  it("refuses a POST that carries the token only in its cookie (what a cross-site form would send)", () => {
    const verdict = checkAccess(
      request({ method: "POST", path: "/api/backups", headers: { cookie: `${policy.cookie}=${TOKEN}` } }),
      policy,
    );
    expect(verdict).toMatchObject({ allowed: false, status: 403 });
  });

  it("refuses a POST from another origin or site even with the token in the header", () => {
    const post = (headers: Record<string, string>) =>
      checkAccess(
        request({
          method: "POST",
          path: "/api/backups",
          headers: { host: "127.0.0.1:4000", [TOKEN_HEADER]: TOKEN, ...headers },
        }),
        policy,
      );
    expect(post({ origin: "http://evil.example" })).toMatchObject({ allowed: false, status: 403 });
    expect(post({ origin: "http://127.0.0.1:4001" })).toMatchObject({ allowed: false, status: 403 });
    expect(post({ origin: "null" })).toMatchObject({ allowed: false, status: 403 });
    expect(post({ "sec-fetch-site": "cross-site" })).toMatchObject({ allowed: false, status: 403 });
    expect(post({ "sec-fetch-site": "same-site" })).toMatchObject({ allowed: false, status: 403 });
    expect(post({ origin: "http://127.0.0.1:4000", "sec-fetch-site": "same-origin" })).toMatchObject({
      allowed: true,
    });
    // a client that is not a browser sends neither
    expect(post({})).toMatchObject({ allowed: true });
  });
});

describe("matchRoute", () => {
  it("routes each path and method, with decoded parameters", () => {
    expect(matchRoute("GET", "/")).toEqual({ name: "page", params: {} });
    expect(matchRoute("GET", "/api/status")).toEqual({ name: "status", params: {} });
    expect(matchRoute("GET", "/api/backups")).toMatchObject({ name: "backups" });
    expect(matchRoute("POST", "/api/backups")).toMatchObject({ name: "create" });
    expect(matchRoute("GET", "/api/backups/a%2Eb.json")).toEqual({
      name: "backup",
      params: { name: "a.b.json" },
    });
    expect(matchRoute("GET", "/api/backups/x.json/download")).toMatchObject({ name: "download" });
    for (const action of ["validate", "verify", "restore"] as const) {
      expect(matchRoute("POST", `/api/backups/x.json/${action}`)).toEqual({
        name: action,
        params: { name: "x.json" },
      });
    }
    expect(matchRoute("GET", "/api/jobs/abc/events")).toEqual({ name: "job-events", params: { id: "abc" } });
    expect(matchRoute("GET", "/healthz")).toMatchObject({ name: "healthz" });
    expect(matchRoute("GET", "/metrics")).toMatchObject({ name: "metrics" });
  });

  it("changes nothing on GET: create, validate, verify and restore are POST only (405 otherwise)", () => {
    expect(matchRoute("GET", "/api/backups/x.json/restore")).toEqual({ status: 405, allow: "POST" });
    expect(matchRoute("GET", "/api/backups/x.json/verify")).toEqual({ status: 405, allow: "POST" });
    expect(matchRoute("DELETE", "/api/backups")).toEqual({ status: 405, allow: "GET, POST" });
    expect(matchRoute("POST", "/api/status")).toEqual({ status: 405, allow: "GET" });
  });

  it("answers 404 for unknown paths and for names that hide a separator", () => {
    expect(matchRoute("GET", "/api/nothing")).toEqual({ status: 404 });
    expect(matchRoute("GET", "/api/backups/..%2Fsecret.json")).toEqual({ status: 404 });
    expect(matchRoute("GET", "/api/backups/%E0%A4%A")).toEqual({ status: 404 });
    expect(matchRoute("GET", "/assets/..%2F..%2Fpackage.json")).toEqual({ status: 404 });
  });
});

describe("Jobs", () => {
  const jobs = () => new Jobs((error) => ({ code: "X", message: (error as Error).message }));

  it("runs one job at a time and reports its progress and result to followers", async () => {
    const runner = jobs();
    let finish!: (value: unknown) => void;
    const job = runner.start("create", null, (control) => {
      control.progress({ phase: "nodes", nodes: 5 });
      return new Promise((resolve) => (finish = resolve));
    });
    expect(() => runner.start("verify", "x.json", async () => 1)).toThrow(BusyError);
    const seen: string[] = [];
    runner.follow(job.id, (j) => seen.push(`${j.state}:${JSON.stringify(j.progress)}`));
    finish({ name: "b.json" });
    await runner.stop(undefined);
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(['running:{"phase":"nodes","nodes":5}', 'succeeded:{"phase":"nodes","nodes":5}']);
    expect(runner.get(job.id)).toMatchObject({ state: "succeeded", result: { name: "b.json" } });
    expect(runner.start("verify", "x.json", async () => 1).state).toBe("running");
  });

  it("a follower that goes away stops listening; the job goes on", async () => {
    const runner = jobs();
    let finish!: () => void;
    const job = runner.start("restore", "x.json", () => new Promise<void>((resolve) => (finish = resolve)));
    const seen: string[] = [];
    const stop = runner.follow(job.id, (j) => seen.push(j.state))!;
    stop();
    finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(["running"]);
    expect(runner.get(job.id)!.state).toBe("succeeded");
  });

  it("stop() aborts the running job through its signal and waits for it to end", async () => {
    const runner = jobs();
    let cleanedUp = false;
    const job = runner.start(
      "restore",
      "x.json",
      (control) =>
        new Promise((_, reject) =>
          control.signal.addEventListener("abort", () =>
            setTimeout(() => {
              cleanedUp = true;
              reject(new Error("aborted and rolled back"));
            }, 20),
          ),
        ),
    );
    await runner.stop(new Error("stopping"));
    expect(cleanedUp).toBe(true);
    expect(runner.get(job.id)).toMatchObject({
      state: "failed",
      error: { code: "X", message: "aborted and rolled back" },
    });
  });
});

describe("the dashboard's server, without a database", () => {
  const NAME = "neo4j_backup_20250101_000000.json";
  const CONTENT = "not really a backup, but bytes to download\n".repeat(1000);
  let driver: Driver;
  let storage: MemoryStorage;
  let dashboard: Dashboard;
  let readOnly: Dashboard;

  beforeAll(async () => {
    // a driver is created lazily: nothing here reaches the database (it is named, so not looked up)
    driver = neo4j.driver("bolt://127.0.0.1:9", neo4j.auth.basic("neo4j", "Quokka-Secret-1234"));
    storage = new MemoryStorage();
    await storage.write(
      NAME,
      (async function* () {
        yield CONTENT;
      })(),
    );
    dashboard = await startDashboard({
      driver,
      storage,
      database: "neo4j",
      renderMetrics: () => "neo4j_backup_test 1\n",
    });
    readOnly = await startDashboard({ driver, storage, database: "neo4j", readOnly: true });
  });

  afterAll(async () => {
    await dashboard?.close();
    await readOnly?.close();
    await driver?.close();
  });

  const get = (d: Dashboard, path: string, headers: Record<string, string> = {}) =>
    fetch(new URL(path, d.origin), { headers, redirect: "manual" });
  const post = (d: Dashboard, path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(new URL(path, d.origin), {
      method: "POST",
      headers: { "content-type": "application/json", [TOKEN_HEADER]: d.token, ...headers },
      body: JSON.stringify(body),
    });

  it("listens on 127.0.0.1 by default and prints a URL that carries the token", () => {
    expect(dashboard.host).toBe("127.0.0.1");
    expect(dashboard.url).toBe(`http://127.0.0.1:${dashboard.port}/?token=${dashboard.token}`);
    expect(readOnly.token).not.toBe(dashboard.token);
  });

  it("refuses every route without the token, before doing anything", async () => {
    for (const path of [
      "/",
      "/assets/app.js",
      "/api/status",
      "/api/backups",
      `/api/backups/${NAME}/download`,
    ]) {
      const response = await get(dashboard, path);
      expect(response.status, path).toBe(401);
      expect(await response.text()).toContain("access token");
    }
    const response = await fetch(new URL("/api/backups", dashboard.origin), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(401);
    // another dashboard's token is not this one's
    expect((await get(dashboard, "/", { [TOKEN_HEADER]: readOnly.token })).status).toBe(401);
  });

  it("opened with the token: moves it into an HttpOnly, SameSite=Strict cookie and out of the URL", async () => {
    const response = await get(dashboard, `/?token=${dashboard.token}`);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/");
    const cookie = response.headers.get("set-cookie")!;
    expect(cookie).toContain(`${cookieName(dashboard.port)}=${dashboard.token}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await get(dashboard, "/", { cookie: cookie.split(";")[0]! });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/assets/app.js">');
    expect(html).toContain(`content="${dashboard.token}"`);
    expect(html).not.toMatch(/https?:\/\/(?!127)/);
  });

  it("serves its own files (no CDN) and nothing else from the assets folder", async () => {
    const auth = { [TOKEN_HEADER]: dashboard.token };
    for (const [file, type] of [
      ["app.js", "text/javascript"],
      ["style.css", "text/css"],
    ]) {
      const response = await get(dashboard, `/assets/${file}`, auth);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain(type!);
      expect(await response.text()).not.toMatch(/https?:\/\//);
    }
    expect((await get(dashboard, "/assets/index.html", auth)).status).toBe(404);
    expect((await get(dashboard, "/assets/..%2Fserver.ts", auth)).status).toBe(404);
  });

  it("streams a download of the stored bytes, as an attachment", async () => {
    const response = await get(dashboard, `/api/backups/${NAME}/download`, {
      [TOKEN_HEADER]: dashboard.token,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toBe(`attachment; filename="${NAME}"`);
    expect(response.headers.get("content-length")).toBe(String(CONTENT.length));
    expect(await response.text()).toBe(CONTENT);
    const missing = await get(dashboard, "/api/backups/neo4j_backup_20990101_000000.json/download", {
      [TOKEN_HEADER]: dashboard.token,
    });
    expect(missing.status).toBe(404);
    const invalid = await get(dashboard, "/api/backups/..passwd/download", {
      [TOKEN_HEADER]: dashboard.token,
    });
    expect(invalid.status).toBe(400);
  });

  it("starts no restore without the database's name typed as confirmation", async () => {
    for (const confirm of [undefined, "", "Neo4j", "system"]) {
      const response = await post(dashboard, `/api/backups/${NAME}/restore`, { confirm, mode: "replace" });
      expect(response.status).toBe(400);
      expect(await errorCode(response)).toBe("CONFIRMATION_MISMATCH");
    }
    const jobs = await (await get(dashboard, "/api/jobs", { [TOKEN_HEADER]: dashboard.token })).json();
    expect(jobs).toEqual({ jobs: [] });
  });

  it("a refusal echoes nothing of the request as markup", async () => {
    const response = await post(
      dashboard,
      "/api/backups",
      { reason: "x" },
      { "sec-fetch-site": "<script>x</script>" },
    );
    expect(response.status).toBe(403);
    const text = await response.text();
    expect(text).not.toContain("<script>");
    expect(text).toContain("&#60;script&#62;");
  });

  it("starts no backup without a reason", async () => {
    const response = await post(dashboard, "/api/backups", { reason: "   " });
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe("BAD_REQUEST");
  });

  it("refuses state changes from another origin and without the header", async () => {
    const foreign = await post(dashboard, "/api/backups", { reason: "x" }, { origin: "http://evil.example" });
    expect(foreign.status).toBe(403);
    const cookieOnly = await fetch(new URL("/api/backups", dashboard.origin), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        cookie: `${cookieName(dashboard.port)}=${dashboard.token}`,
      },
      body: JSON.stringify({ reason: "x" }),
    });
    expect(cookieOnly.status).toBe(403);
  });

  it("read-only: refuses create and restore", async () => {
    const create = await post(readOnly, "/api/backups", { reason: "x" });
    expect(create.status).toBe(403);
    expect(await errorCode(create)).toBe("READ_ONLY");
    const restore = await post(readOnly, `/api/backups/${NAME}/restore`, {
      confirm: "neo4j",
      mode: "replace",
    });
    expect(restore.status).toBe(403);
    expect(await errorCode(restore)).toBe("READ_ONLY");
  });

  it("answers /healthz without the token, in counts and times only (503 when unhealthy)", async () => {
    const response = await get(dashboard, "/healthz");
    expect(response.status).toBe(503);
    const body = await response.json();
    expect(body).toEqual({
      healthy: false,
      problems: 1,
      lastBackup: null,
      ageDays: null,
      maxAgeDays: 7,
      pendingRestore: false,
      pendingRestores: 0,
    });
    expect(JSON.stringify(body)).not.toContain("neo4j_backup");
  });

  it("/metrics: the renderer's text when one is given, 404 without", async () => {
    const metrics = await get(dashboard, "/metrics");
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    expect(await metrics.text()).toBe("neo4j_backup_test 1\n");
    expect((await get(readOnly, "/metrics")).status).toBe(404);
  });

  it("404 for unknown paths, 405 for a GET of a POST route", async () => {
    const auth = { [TOKEN_HEADER]: dashboard.token };
    expect((await get(dashboard, "/nothing", auth)).status).toBe(404);
    const wrong = await get(dashboard, `/api/backups/${NAME}/restore`, auth);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST");
  });
});

describe("closing the dashboard", () => {
  let driver: Driver;
  afterEach(async () => driver?.close());

  it("stops listening", async () => {
    driver = neo4j.driver("bolt://127.0.0.1:9", neo4j.auth.basic("neo4j", "x"));
    const dashboard = await startDashboard({ driver, storage: new MemoryStorage(), database: "neo4j" });
    await dashboard.close();
    await expect(fetch(new URL("/healthz", dashboard.origin))).rejects.toThrow();
    // closing twice is harmless
    await dashboard.close();
  });

  it("refuses options it cannot work with", async () => {
    driver = neo4j.driver("bolt://127.0.0.1:9", neo4j.auth.basic("neo4j", "x"));
    await expect(startDashboard({ driver, storage: undefined as never })).rejects.toMatchObject({
      code: "INVALID_OPTIONS",
    });
    await expect(startDashboard({ driver, storage: new MemoryStorage(), port: 70000 })).rejects.toMatchObject(
      {
        code: "INVALID_OPTIONS",
      },
    );
  });
});
