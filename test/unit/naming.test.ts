import { describe, expect, it } from "vitest";
import { backupFileName, parseBackupFileName } from "../../src/format/naming.js";
import { latestBackupName } from "../../src/lifecycle/latest.js";
import { MemoryStorage } from "../../src/storage/memory.js";
import { chunks } from "../support/documents.js";

describe("backup names", () => {
  it("are <prefix>_YYYYMMDD_HHMMSS.json in UTC, with a suffix for a second one in the same second", () => {
    const at = new Date(Date.UTC(2025, 0, 28, 14, 30, 22));
    expect(backupFileName("ign_scripts_db_backup", at)).toBe("ign_scripts_db_backup_20250128_143022.json");
    expect(backupFileName("b", at, 2)).toBe("b_20250128_143022_2.json");
    expect(parseBackupFileName("b_20250128_143022_2.json")).toEqual({
      prefix: "b",
      timestamp: "20250128_143022",
      attempt: 2,
      date: new Date(Date.UTC(2025, 0, 28, 14, 30, 22)),
    });
    expect(parseBackupFileName("b_20251399_143022.json")).toBeUndefined();
    expect(() => backupFileName("../x", at)).toThrow(/invalid backup prefix/);
  });

  it("the latest backup is chosen by the timestamp in its name, then by its suffix", async () => {
    const storage = new MemoryStorage();
    for (const name of [
      "b_20250128_143022.json",
      "b_20250129_090000.json",
      "b_20250129_090000_2.json",
      "b_20250101_000000.json",
    ]) {
      await storage.write(name, chunks("{}"));
    }
    expect(await latestBackupName(storage)).toBe("b_20250129_090000_2.json");
    await expect(latestBackupName(new MemoryStorage())).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
