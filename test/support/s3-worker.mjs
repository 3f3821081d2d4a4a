// A separate process working on an S3Storage, for tests across processes. Usage:
//   node --import tsx s3-worker.mjs <s3-storage.ts> <options JSON> lock
//     takes the lock, prints "locked", holds it until stdin closes (or it is killed)
//   node --import tsx s3-worker.mjs <index.ts> <options JSON> copy <folder> <name>
//     copyBackup from the folder into the storage; prints one JSON line: {ok} or {code, message}
const [entry, optionsJson, command, ...args] = process.argv.slice(2);
const lib = await import(entry);
const storage = new lib.S3Storage(JSON.parse(optionsJson));
if (command === "lock") {
  const lock = await storage.lock();
  process.stdout.write("locked\n");
  process.stdin.resume();
  process.stdin.on("end", async () => {
    await lock.release();
    process.exit(0);
  });
} else if (command === "copy") {
  const [folder, name] = args;
  try {
    const from = new lib.FileSystemStorage({ directory: folder });
    const result = await lib.copyBackup({ from, to: storage, name, lockTimeoutMs: 120_000 });
    process.stdout.write(`${JSON.stringify({ ok: true, name: result.name })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ ok: false, code: error.code, message: error.message })}\n`);
  }
}
