/**
 * The dashboard's routes: which method and path does what. Pure, so that routing is tested without
 * a server. Every route that changes something is a POST; GET routes only read.
 */

/** What a route does. */
export type RouteName =
  | "page"
  | "asset"
  | "status"
  | "status-events"
  | "history"
  | "backups"
  | "backup"
  | "download"
  | "create"
  | "validate"
  | "verify"
  | "restore"
  | "delete"
  | "pin"
  | "jobs"
  | "job"
  | "job-events"
  | "healthz"
  | "metrics";

interface Route {
  method: "GET" | "POST";
  pattern: RegExp;
  name: RouteName;
  /** Names of the pattern's groups, in order. */
  params?: readonly string[];
}

const ROUTES: readonly Route[] = [
  { method: "GET", pattern: /^\/$/, name: "page" },
  { method: "GET", pattern: /^\/assets\/([^/]+)$/, name: "asset", params: ["file"] },
  { method: "GET", pattern: /^\/api\/status$/, name: "status" },
  { method: "GET", pattern: /^\/api\/status\/events$/, name: "status-events" },
  { method: "GET", pattern: /^\/api\/history$/, name: "history" },
  { method: "GET", pattern: /^\/api\/backups$/, name: "backups" },
  { method: "POST", pattern: /^\/api\/backups$/, name: "create" },
  { method: "GET", pattern: /^\/api\/backups\/([^/]+)$/, name: "backup", params: ["name"] },
  { method: "GET", pattern: /^\/api\/backups\/([^/]+)\/download$/, name: "download", params: ["name"] },
  { method: "POST", pattern: /^\/api\/backups\/([^/]+)\/validate$/, name: "validate", params: ["name"] },
  { method: "POST", pattern: /^\/api\/backups\/([^/]+)\/verify$/, name: "verify", params: ["name"] },
  { method: "POST", pattern: /^\/api\/backups\/([^/]+)\/restore$/, name: "restore", params: ["name"] },
  { method: "POST", pattern: /^\/api\/backups\/([^/]+)\/delete$/, name: "delete", params: ["name"] },
  { method: "POST", pattern: /^\/api\/backups\/([^/]+)\/pin$/, name: "pin", params: ["name"] },
  { method: "GET", pattern: /^\/api\/jobs$/, name: "jobs" },
  { method: "GET", pattern: /^\/api\/jobs\/([^/]+)$/, name: "job", params: ["id"] },
  { method: "GET", pattern: /^\/api\/jobs\/([^/]+)\/events$/, name: "job-events", params: ["id"] },
  { method: "GET", pattern: /^\/healthz$/, name: "healthz" },
  { method: "GET", pattern: /^\/metrics$/, name: "metrics" },
];

/** Routes that create, restore, delete or pin a backup: a read-only dashboard refuses them. */
export const WRITING_ROUTES: ReadonlySet<RouteName> = new Set(["create", "restore", "delete", "pin"]);

/** The outcome of {@link matchRoute}. */
export type RouteMatch =
  | { name: RouteName; params: Record<string, string> }
  | { status: 404 | 405; allow?: string };

/**
 * The route for `method` and `path` (without the query), with its decoded parameters; 404 for an
 * unknown path, 405 (with the methods it takes) for a known path asked with another method.
 */
export function matchRoute(method: string, path: string): RouteMatch {
  const allowed: string[] = [];
  for (const route of ROUTES) {
    const found = route.pattern.exec(path);
    if (!found) continue;
    if (route.method !== method) {
      allowed.push(route.method);
      continue;
    }
    const params: Record<string, string> = {};
    const decoded = (route.params ?? []).map((key, i) => [key, decodeSegment(found[i + 1]!)] as const);
    for (const [key, value] of decoded) {
      if (value === undefined) return { status: 404 };
      params[key] = value;
    }
    return { name: route.name, params };
  }
  return allowed.length ? { status: 405, allow: allowed.join(", ") } : { status: 404 };
}

/** A percent-decoded path segment, or undefined when it is malformed or holds a separator. */
function decodeSegment(segment: string): string | undefined {
  try {
    const value = decodeURIComponent(segment);
    return value.includes("/") || value.includes("\\") || value === "" ? undefined : value;
  } catch {
    return undefined;
  }
}
