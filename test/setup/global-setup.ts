/**
 * Chooses the Neo4j servers the integration tests run against, in this order:
 *
 * 1. `NEO4J_URI` (+ `NEO4J_USERNAME`, `NEO4J_PASSWORD`): that server, as it is;
 * 2. a Docker engine that answers: @testcontainers/neo4j, one container per version;
 * 3. Java + Maven: the local Community jars from Maven Central (scripts/neo4j/server.mjs).
 *
 * By default two versions run: the newest 5.26 LTS and the newest calendar release
 * (`NEO4J_TEST_LINES=5.26,latest`). Everything started here is stopped at teardown.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import neo4j from "neo4j-driver";
import type { TestProject } from "vitest/node";
import type { TestServer } from "../support/servers.js";

const PASSWORD = "neo4j-backup-test";
type Stop = () => Promise<void>;

async function describeServer(
  uri: string,
  username: string,
  password: string,
  label: string,
): Promise<TestServer> {
  const driver = neo4j.driver(uri, neo4j.auth.basic(username, password));
  try {
    await driver.verifyConnectivity();
    const { records } = await driver.executeQuery(
      "CALL dbms.components() YIELD name, versions, edition WHERE name = 'Neo4j Kernel' RETURN versions[0] AS v, edition",
    );
    return {
      label,
      uri,
      username,
      password,
      version: String(records[0]?.get("v")),
      edition: String(records[0]?.get("edition")),
    };
  } finally {
    await driver.close();
  }
}

function has(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

async function dockerAnswers(): Promise<boolean> {
  if (!process.env.DOCKER_HOST && !existsSync("/var/run/docker.sock")) return false;
  return has("docker", ["info"]);
}

function lines(): string[] {
  return (process.env.NEO4J_TEST_LINES ?? "5.26,latest")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: Stop[] = [];
  const servers: TestServer[] = [];
  const teardown = async () => {
    await Promise.allSettled(stops.map((stop) => stop()));
  };
  try {
    if (process.env.NEO4J_URI) {
      const username = process.env.NEO4J_USERNAME ?? "neo4j";
      const password = process.env.NEO4J_PASSWORD ?? "";
      servers.push(await describeServer(process.env.NEO4J_URI, username, password, "NEO4J_URI"));
    } else if (await dockerAnswers()) {
      const { Neo4jContainer } = await import("@testcontainers/neo4j");
      for (const line of lines()) {
        const image = line === "latest" ? "neo4j:latest" : `neo4j:${line}`;
        const container = await new Neo4jContainer(image).withPassword(PASSWORD).start();
        stops.push(async () => {
          await container.stop();
        });
        servers.push(await describeServer(container.getBoltUri(), "neo4j", PASSWORD, line));
      }
    } else if (has("java", ["-version"]) && has("mvn", ["-v"])) {
      const { startNeo4j } = await import("../../scripts/neo4j/server.mjs");
      const started = await Promise.all(
        lines().map((line) =>
          startNeo4j({
            line: line as "5.26" | "latest",
            password: PASSWORD,
            log: (m: string) => console.log(`[neo4j ${line}] ${m}`),
          }),
        ),
      );
      for (const [i, s] of started.entries()) {
        stops.push(() => s.stop());
        servers.push(await describeServer(s.uri, s.username, s.password, lines()[i]!));
      }
    } else {
      throw new Error(
        "Integration tests need a Neo4j server. Set NEO4J_URI (and NEO4J_USERNAME, NEO4J_PASSWORD), " +
          "or run a Docker engine, or install a JDK 17+ and Apache Maven so the tests can start Neo4j from Maven Central jars.",
      );
    }
  } catch (error) {
    await teardown();
    throw error;
  }
  for (const s of servers)
    console.log(`[neo4j] ${s.label}: Neo4j ${s.version} ${s.edition} at ${s.uri} (auth on)`);
  project.provide("neo4jServers", servers);
  return teardown;
}
