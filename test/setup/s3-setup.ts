/**
 * The S3-compatible server of the integration tests and the fault suite, started beside Neo4j:
 *
 * 1. `S3_ENDPOINT` (+ `S3_ACCESS_KEY_ID`, `S3_SECRET_ACCESS_KEY`, `S3_REGION`, `S3_BUCKET`): that
 *    service, as it is (the bucket must exist; tests write below fresh prefixes and remove them);
 * 2. otherwise versitygw from scripts/s3/server.mjs (built with `go install` into the cache when
 *    missing), on a free 127.0.0.1 port over a temporary folder, stopped by pid at teardown.
 */
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import type { TestProject } from "vitest/node";
import type { S3TestService } from "../support/s3.js";

const BUCKET = "neo4j-backup-test";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const env = process.env;
  if (env.S3_ENDPOINT || env.S3_BUCKET) {
    const service: S3TestService = {
      label: "S3_ENDPOINT",
      ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT } : {}),
      region: env.S3_REGION ?? env.AWS_REGION ?? "us-east-1",
      ...(env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY
        ? { credentials: { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY } }
        : {}),
      bucket: env.S3_BUCKET ?? BUCKET,
      forcePathStyle: env.S3_FORCE_PATH_STYLE !== "false" && env.S3_ENDPOINT !== undefined,
      pid: null,
    };
    project.provide("s3Service", service);
    console.log(`[s3] ${service.endpoint ?? "AWS"} bucket ${service.bucket}`);
    return async () => {};
  }
  const { startS3Server } = await import("../../scripts/s3/server.mjs");
  const server = await startS3Server({ log: (m: string) => console.log(`[s3] ${m}`) });
  try {
    const client = new S3Client({
      endpoint: server.endpoint,
      region: server.region,
      forcePathStyle: true,
      credentials: server.credentials,
    });
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    client.destroy();
  } catch (error) {
    await server.stop();
    throw error;
  }
  project.provide("s3Service", {
    label: "versitygw",
    endpoint: server.endpoint,
    region: server.region,
    credentials: server.credentials,
    bucket: BUCKET,
    forcePathStyle: true,
    pid: server.pid,
    dir: server.dir,
    port: server.port,
  });
  return () => server.stop();
}
