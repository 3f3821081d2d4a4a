/**
 * Who may use the dashboard: the holder of its access token. The token comes once in the URL the
 * dashboard prints; opening that URL moves it into a cookie (HttpOnly, SameSite=Strict) and out of
 * the address bar. Every request needs it — except `/healthz` and `/metrics`, which carry counts
 * and times only, for scrapers. A request that changes something (POST) must also carry the token
 * in a header, which a page of another site cannot add, and must come from the dashboard's own
 * origin when the browser says where it comes from (Origin, Sec-Fetch-Site).
 */
import { randomBytes, timingSafeEqual } from "node:crypto";

/** The header that carries the access token on requests that change something. */
export const TOKEN_HEADER = "x-neo4j-backup-token";

/** The query parameter of the URL the dashboard prints. */
export const TOKEN_PARAMETER = "token";

/** Paths open without the token (GET only): health and metrics for scrapers. */
export const OPEN_PATHS: ReadonlySet<string> = new Set(["/healthz", "/metrics"]);

/** A new random access token: 32 characters of base64url (192 bits). */
export function createAccessToken(): string {
  return randomBytes(24).toString("base64url");
}

/** True when `given` is the token; compares in constant time. */
export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined || given === "") return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The name of the dashboard's cookie: with the port, since browsers share cookies across ports. */
export function cookieName(port: number): string {
  return `neo4j_backup_${port}`;
}

/** The parts of a request access depends on. */
export interface AccessRequest {
  method: string;
  /** The path without the query. */
  path: string;
  /** The `token` query parameter, if any. */
  queryToken: string | undefined;
  /** Request headers, lower-case names (as node:http gives them). */
  headers: Record<string, string | string[] | undefined>;
}

/** What access is checked against. */
export interface AccessPolicy {
  token: string;
  /** See {@link cookieName}. */
  cookie: string;
}

/** The outcome of {@link checkAccess}. */
export type AccessVerdict =
  | { allowed: true; open: boolean; setCookie: boolean }
  | { allowed: false; status: 401 | 403; reason: string };

const SAFE_METHODS = new Set(["GET", "HEAD"]);

function header(headers: AccessRequest["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The value of cookie `name` in a Cookie header. */
export function readCookie(cookieHeader: string | undefined, name: string): string | undefined {
  for (const part of (cookieHeader ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/**
 * Decides whether a request may proceed. Reads nothing but its arguments, so it is tested without
 * a server.
 */
export function checkAccess(request: AccessRequest, policy: AccessPolicy): AccessVerdict {
  const safe = SAFE_METHODS.has(request.method);
  if (safe && OPEN_PATHS.has(request.path)) return { allowed: true, open: true, setCookie: false };
  const fromHeader = header(request.headers, TOKEN_HEADER);
  const fromCookie = readCookie(header(request.headers, "cookie"), policy.cookie);
  const fromQuery = request.queryToken;
  const headerOk = tokenMatches(policy.token, fromHeader);
  const queryOk = tokenMatches(policy.token, fromQuery);
  if (!headerOk && !queryOk && !tokenMatches(policy.token, fromCookie)) {
    return {
      allowed: false,
      status: 401,
      reason: "the access token is missing or wrong: open the URL that neo4j-backup ui printed",
    };
  }
  if (safe) return { allowed: true, open: false, setCookie: queryOk };
  return checkStateChange(request, headerOk);
}

/** A request that changes something: the token in the header, and no sign of another site. */
function checkStateChange(request: AccessRequest, headerOk: boolean): AccessVerdict {
  if (!headerOk) {
    return {
      allowed: false,
      status: 403,
      reason: `a request that changes something must carry the token in the ${TOKEN_HEADER} header`,
    };
  }
  const site = header(request.headers, "sec-fetch-site");
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    return { allowed: false, status: 403, reason: `cross-site request refused (Sec-Fetch-Site: ${site})` };
  }
  const origin = header(request.headers, "origin");
  const host = header(request.headers, "host");
  if (origin !== undefined && (host === undefined || !sameOrigin(origin, host))) {
    return { allowed: false, status: 403, reason: "cross-origin request refused (Origin)" };
  }
  return { allowed: true, open: false, setCookie: false };
}

/** True when `origin` (scheme://host:port) names the host the request was sent to. */
function sameOrigin(origin: string, host: string): boolean {
  try {
    const url = new URL(origin);
    return url.protocol === "http:" && url.host === new URL(`http://${host}`).host;
  } catch {
    return false;
  }
}
