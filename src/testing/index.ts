/**
 * neo4j-backup/testing — the storage contract suite, for anyone who writes a storage.
 *
 * ```ts
 * import { describe, it } from "node:test"; // or vitest, jest, mocha
 * import { describeStorageContract } from "neo4j-backup/testing";
 *
 * describeStorageContract({ name: "MyStorage", create: () => new MyStorage() }, { describe, it });
 * ```
 */
export {
  describeStorageContract,
  type StorageContractTarget,
  type TestFramework,
} from "./storage-contract.js";
