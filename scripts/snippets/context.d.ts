// What the code snippets in README.md and docs/*.md may use without declaring it: a driver and a
// storage made earlier on the same page, the application's own migration, and an example storage
// of the reader's own. Anything else a snippet uses it must import or declare.
declare const driver: import("neo4j-driver").Driver;
declare const storage: import("neo4j-backup").BackupStorage;
declare function migrate(): Promise<void>;

declare module "*/blob-storage.js" {
  import type { BackupStorage, BackupWriter } from "neo4j-backup";
  /** The reader's own storage in docs/storage.md's example. */
  export interface BlobStorage extends BackupStorage {
    openWriter(): Promise<BackupWriter>;
    deleteEverything(): Promise<void>;
  }
  export const BlobStorage: new (options: { container: string; prefix: string }) => BlobStorage;
}
