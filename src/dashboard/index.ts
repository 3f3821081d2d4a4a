/**
 * neo4j-backup/dashboard — a web page for backup management, on node:http, for this machine by
 * default:
 *
 * ```ts
 * import { startDashboard } from "neo4j-backup/dashboard";
 *
 * const dashboard = await startDashboard({ driver, storage });
 * console.log(`Open ${dashboard.url}`); // carries the access token
 * // … later
 * await dashboard.close();
 * ```
 *
 * It calls the public API only (see docs/operations.md, "Dashboard").
 */
export { TOKEN_HEADER } from "./access.js";
export type { JobKind, JobSnapshot } from "./jobs.js";
export type { Dashboard, DashboardOptions, DashboardStatus } from "./options.js";
export { startDashboard } from "./server.js";
