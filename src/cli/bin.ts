#!/usr/bin/env node
import { main } from "./main.js";

// a reader that went away (`neo4j-backup list | head -1`) is not a failure of the command
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
}

void main();
