/**
 * S3Storage without a server: locations, error wording, and the AWS SDK as an optional peer
 * dependency — importing neo4j-backup never loads it, and an S3Storage without it says what to install.
 */
import { describe, expect, it, vi } from "vitest";

vi.mock("@aws-sdk/client-s3", () => {
  throw new Error("Cannot find package '@aws-sdk/client-s3' imported from neo4j-backup");
});

describe("S3 locations", async () => {
  const { normalizePrefix, parseS3Url } = await import("../../src/storage/s3/location.js");

  it("parses s3://bucket/prefix and normalizes the prefix", () => {
    expect(parseS3Url("s3://acme-backups")).toEqual({ bucket: "acme-backups", prefix: "" });
    expect(parseS3Url("s3://acme-backups/")).toEqual({ bucket: "acme-backups", prefix: "" });
    expect(parseS3Url("s3://acme-backups/neo4j/prod")).toEqual({
      bucket: "acme-backups",
      prefix: "neo4j/prod/",
    });
    expect(parseS3Url("s3://acme-backups/neo4j/prod//")).toEqual({
      bucket: "acme-backups",
      prefix: "neo4j/prod/",
    });
    expect(normalizePrefix("/a/b")).toBe("a/b/");
  });

  it("refuses what is not a bucket location", () => {
    for (const bad of ["acme-backups", "s3://", "s3://UPPER/x", "s3://a/../x", "http://acme/x", "s3://ab"]) {
      expect(() => parseS3Url(bad), bad).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }));
    }
  });
});

describe("S3 endpoints", async () => {
  const { S3Storage } = await import("../../src/storage/s3/s3-storage.js");

  it("an endpoint that is not an http:// or https:// address is refused when the storage is made, naming it", () => {
    for (const endpoint of ["not-a-url", "127.0.0.1:7070", "ftp://127.0.0.1:21", "http://", ""]) {
      expect(() => new S3Storage({ bucket: "acme-backups", endpoint }), endpoint).toThrow(
        expect.objectContaining({
          code: "INVALID_OPTIONS",
          message: `endpoint ${JSON.stringify(endpoint)} is not an http:// or https:// address`,
        }),
      );
    }
    for (const endpoint of ["http://127.0.0.1:7070", "https://s3.example.com"])
      expect(() => new S3Storage({ bucket: "acme-backups", endpoint })).not.toThrow();
  });
});

describe("S3 errors", async () => {
  const { s3Error, isConcurrentWrite, isConflict, isNotFound } = await import(
    "../../src/storage/s3/errors.js"
  );
  const place = { bucket: "acme", key: "p/x.json", region: "eu-west-1" };
  const sdk = (name: string, status: number, message = name) =>
    Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status, attempts: 5 } });

  it("names the reason, the bucket and the key for what retrying cannot fix", () => {
    const cases: [Error, string, RegExp][] = [
      [
        sdk("NoSuchBucket", 404),
        "NO_SUCH_BUCKET",
        /the bucket acme does not exist \(s3:\/\/acme\/p\/x\.json\)/,
      ],
      [sdk("AccessDenied", 403), "ACCESS_DENIED", /access denied to s3:\/\/acme\/p\/x\.json/],
      [
        sdk("SignatureDoesNotMatch", 403),
        "BAD_CREDENTIALS",
        /refused the credentials for s3:\/\/acme\/p\/x\.json/,
      ],
      [sdk("InvalidAccessKeyId", 403), "BAD_CREDENTIALS", /refused the credentials/],
      [
        sdk("AuthorizationHeaderMalformed", 400, 'the region "eu-west-1" is wrong; expecting "us-east-2"'),
        "WRONG_REGION",
        /not in region eu-west-1; it is in us-east-2/,
      ],
      [
        sdk("CredentialsProviderError", 0, "Could not load credentials from any providers"),
        "NO_CREDENTIALS",
        /no AWS credentials/,
      ],
      [sdk("Error", 0, "Region is missing"), "NO_REGION", /no AWS region/],
      [
        Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }),
        "UNAVAILABLE",
        /failed for s3:\/\/acme/,
      ],
      [sdk("InternalError", 500), "UNAVAILABLE", /after 5 attempts/],
    ];
    for (const [error, reason, message] of cases) {
      const wrapped = s3Error(error, "writing x.json", place);
      expect(wrapped, reason).toMatchObject({
        code: "STORAGE",
        details: { reason, bucket: "acme", key: "p/x.json" },
      });
      expect(wrapped.message, reason).toMatch(message);
    }
    expect(s3Error(Object.assign(new Error("x"), { name: "AbortError" }), "writing", place).code).toBe(
      "ABORTED",
    );
  });

  it("tells conditions that failed and absent objects apart from the missing bucket", () => {
    expect(isConflict(sdk("PreconditionFailed", 412))).toBe(true);
    expect(isConflict(sdk("ConditionalRequestConflict", 409))).toBe(true);
    expect(isConflict(sdk("NoSuchKey", 404))).toBe(false);
    expect(isNotFound(sdk("NoSuchKey", 404))).toBe(true);
    expect(isNotFound(sdk("NotFound", 404))).toBe(true);
    expect(isNotFound(sdk("NoSuchBucket", 404))).toBe(false);
  });

  it("tells a write under way (409, tried again) from a key already there (412)", () => {
    expect(isConcurrentWrite(sdk("ConditionalRequestConflict", 409))).toBe(true);
    expect(isConcurrentWrite(sdk("OperationAborted", 409))).toBe(true);
    expect(isConcurrentWrite(sdk("PreconditionFailed", 412))).toBe(false);
    expect(isConcurrentWrite(sdk("NoSuchKey", 404))).toBe(false);
  });
});

describe("the AWS SDK is optional", () => {
  it("importing neo4j-backup does not load it; an S3Storage without it says what to install", async () => {
    const lib = await import("../../src/index.js");
    const storage = new lib.S3Storage({ bucket: "acme-backups", prefix: "x" });
    expect(storage.describe()).toBe("s3://acme-backups/x/");
    await expect(storage.list()).rejects.toMatchObject({
      code: "STORAGE",
      details: { reason: "SDK_MISSING" },
      message: expect.stringContaining("npm install @aws-sdk/client-s3"),
    });
  }, 60_000);

  it("describe() names the endpoint's host, never credentials in it", async () => {
    const { S3Storage } = await import("../../src/index.js");
    const storage = new S3Storage({ bucket: "b-1", endpoint: "http://user:secret@127.0.0.1:9000/path" });
    expect(storage.describe()).toBe("s3://b-1/ at http://127.0.0.1:9000");
  });
});

describe("the command's storage options", async () => {
  const { storageChoice, isS3Location } = await import("../../src/cli/storage.js");
  const { s3Hint } = await import("../../src/cli/s3-hints.js");

  it("reads --storage and the S3 options; hints name what to do", () => {
    expect(
      storageChoice({
        storage: " s3://b/p ",
        s3Endpoint: "http://x",
        s3Region: "eu-west-1",
        s3ForcePathStyle: true,
      }),
    ).toEqual({
      location: "s3://b/p",
      s3Endpoint: "http://x",
      s3Region: "eu-west-1",
      s3ForcePathStyle: true,
    });
    expect(storageChoice({ storage: "" })).toEqual({});
    expect(isS3Location("s3://b")).toBe(true);
    expect(isS3Location("./s3/backups")).toBe(false);
    expect(s3Hint({ details: { reason: "WRONG_REGION" } })).toMatch(/--s3-region/);
    expect(s3Hint({ details: { reason: "SDK_MISSING" } })).toMatch(/npm install @aws-sdk\/client-s3/);
    expect(s3Hint(new Error("x"))).toBeUndefined();
  });
});
