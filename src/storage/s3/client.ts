/**
 * The S3 client of an S3Storage: region, endpoint, path-style addressing, credentials (given, or
 * the standard AWS chain: environment, shared profiles, web identity, container and instance
 * metadata), retries with backoff, and timeouts so a dropped connection fails instead of hanging.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { S3Sdk } from "./sdk.js";

/** Credentials passed in instead of the standard AWS chain. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When temporary credentials expire (a provider is asked again before). */
  expiration?: Date;
}

/** How to reach the service; the connection part of {@link S3StorageOptions}. */
export interface S3ConnectionOptions {
  /** Region of the bucket; default `AWS_REGION`, the profile's region, or `us-east-1` with a custom endpoint. */
  region?: string;
  /** A custom endpoint for S3-compatible services, e.g. `http://127.0.0.1:7070`. */
  endpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible servers need. */
  forcePathStyle?: boolean;
  /** Credentials, or a function returning them; default: the standard AWS credential chain. */
  credentials?: S3Credentials | (() => Promise<S3Credentials>);
  /** A shared-config profile for the standard chain (like `AWS_PROFILE`). */
  profile?: string;
  /** Attempts per request, retries with exponential backoff included; default 5. */
  maxAttempts?: number;
  /** Milliseconds to wait for a connection; default 10 000. */
  connectionTimeoutMs?: number;
  /** Milliseconds a connection may stay silent before the request fails and is retried; default 120 000. */
  socketTimeoutMs?: number;
}

/** The region to use: given, from the environment, or us-east-1 for a custom endpoint. */
export function resolveRegion(options: S3ConnectionOptions, env = process.env): string | undefined {
  return (
    options.region ??
    env.AWS_REGION ??
    env.AWS_DEFAULT_REGION ??
    (options.endpoint !== undefined && options.profile === undefined ? "us-east-1" : undefined)
  );
}

/** Requests whose successful answer carries the stored object's content type. */
const OBJECT_COMMANDS = new Set(["GetObjectCommand", "HeadObjectCommand"]);

/** The name of the error a response that is not S3's (an HTML page) is refused with. */
export const NOT_S3_ERROR = "NotS3Endpoint";

/**
 * Refuses a response that is a web page before the SDK parses it: an endpoint that answers HTML
 * (a web console, a proxy's or a router's page) is not an S3 service, and the SDK would otherwise
 * read the page as an empty listing or fail with a raw XML parse error.
 */
function refuseHtml(client: S3Client): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      const response = out.response as { statusCode?: number; headers?: Record<string, string> };
      const status = response?.statusCode ?? 0;
      // an object's own content type comes back with it: only the service's answers are S3's
      const objectAnswer = OBJECT_COMMANDS.has(context.commandName ?? "") && status >= 200 && status < 400;
      const type = response?.headers?.["content-type"] ?? "";
      if (!objectAnswer && /^\s*text\/html/i.test(type)) {
        throw Object.assign(new Error(`it answered with an HTML page (HTTP ${response.statusCode ?? "?"})`), {
          name: NOT_S3_ERROR,
          $metadata: { httpStatusCode: response.statusCode },
        });
      }
      return out;
    },
    // inside the deserializer: the raw response, before it is parsed
    { step: "deserialize", priority: "low", name: "neo4jBackupRefuseHtml" },
  );
}

/** Creates the client; nothing is sent yet. */
export function createS3Client(sdk: S3Sdk, options: S3ConnectionOptions): S3Client {
  const client = newClient(sdk, options);
  refuseHtml(client);
  return client;
}

function newClient(sdk: S3Sdk, options: S3ConnectionOptions): S3Client {
  const region = resolveRegion(options);
  return new sdk.client.S3Client({
    ...(region ? { region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    forcePathStyle: options.forcePathStyle ?? false,
    maxAttempts: options.maxAttempts ?? 5,
    retryMode: "standard",
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 10_000,
      socketTimeout: options.socketTimeoutMs ?? 120_000,
    },
  });
}
