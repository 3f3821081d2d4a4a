// Holds a FileSystemStorage lock in a separate process: prints "locked", then waits for stdin to close
// (or is killed). Usage: node lock-holder.mjs <dist entry> <directory> [lease ms]
const [entry, directory, lease] = process.argv.slice(2);
const { FileSystemStorage } = await import(entry);
const options = { directory, ...(lease ? { lockLeaseMs: Number(lease) } : {}) };
const lock = await new FileSystemStorage(options).lock();
process.stdout.write("locked\n");
process.stdin.resume();
process.stdin.on("end", async () => {
  await lock.release();
  process.exit(0);
});
