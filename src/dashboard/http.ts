/**
 * Small pieces of HTTP for the dashboard: the headers every answer carries, JSON answers, request
 * bodies with a size limit, and the errors a request can end with.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** A request the dashboard refuses, with its HTTP status and a stable code. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "RequestError";
  }
}

/**
 * Headers on every answer: nothing cached, no framing, no sniffing, no referrer, and a content
 * security policy that lets the page load its own files only (no inline script, no other origin).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

/** Answers with `body` as JSON. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
  });
  response.end(text);
}

/** Answers with plain text. */
export function sendText(
  response: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

/** Largest request body accepted: the requests carry a reason or a confirmation, nothing more. */
const MAX_BODY_BYTES = 16 * 1024;

/** The JSON object in a request's body (an empty body is `{}`). */
export async function readJsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const type = request.headers["content-type"] ?? "";
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new RequestError(413, "BAD_REQUEST", "the request body is too large");
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return {};
  if (!/^application\/json\b/i.test(type)) {
    throw new RequestError(415, "BAD_REQUEST", "send the request body as application/json");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RequestError(400, "BAD_REQUEST", "the request body is not JSON");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new RequestError(400, "BAD_REQUEST", "the request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}
