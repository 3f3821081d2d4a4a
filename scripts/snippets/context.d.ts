// What the code snippets in README.md and docs/*.md may use without declaring it: a driver and a
// storage made earlier on the same page, the application's own migration, and an example storage
// of the reader's own. Anything else a snippet uses it must import or declare.
declare const driver: import("neo4j-driver").Driver;
declare const storage: import("neo4j-backup").BackupStorage;
declare function migrate(): Promise<void>;

declare module "*/s3-storage.js" {
  export class S3Storage implements import("neo4j-backup").BackupStorage {
    constructor(options: { bucket: string; prefix: string });
    write: import("neo4j-backup").BackupStorage["write"];
    read: import("neo4j-backup").BackupStorage["read"];
    stat: import("neo4j-backup").BackupStorage["stat"];
    list: import("neo4j-backup").BackupStorage["list"];
    remove: import("neo4j-backup").BackupStorage["remove"];
    describe: import("neo4j-backup").BackupStorage["describe"];
    readIndex: import("neo4j-backup").BackupStorage["readIndex"];
    writeIndex: import("neo4j-backup").BackupStorage["writeIndex"];
    lock: import("neo4j-backup").BackupStorage["lock"];
    openWriter: NonNullable<import("neo4j-backup").BackupStorage["openWriter"]>;
    deleteEverything(): Promise<void>;
  }
}
