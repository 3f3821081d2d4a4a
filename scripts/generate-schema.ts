/**
 * Writes docs/backup-file.schema.json from the zod schema of the backup file.
 * `npm run schema`; a unit test fails when the committed file is out of date.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { backupFileSchema } from "../src/format/schema.js";

/** The JSON Schema text of the backup file format. */
export function backupFileJsonSchema(): string {
  const schema = z.toJSONSchema(backupFileSchema, { target: "draft-2020-12" });
  return `${JSON.stringify({ ...schema, title: "neo4j-backup file, format version 2" }, null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const target = new URL("../docs/backup-file.schema.json", import.meta.url);
  writeFileSync(target, backupFileJsonSchema());
  console.log(`wrote ${fileURLToPath(target)}`);
}
