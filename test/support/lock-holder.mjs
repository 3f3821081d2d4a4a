// Holds a FileSystemStorage lock in a separate process: prints "locked", then waits for stdin to close
// (or is killed). Usage: node lock-holder.mjs <dist entry> <directory>
const [entry, directory] = process.argv.slice(2);
const { FileSystemStorage } = await import(entry);
const lock = await new FileSystemStorage({ directory }).lock();
process.stdout.write("locked\n");
process.stdin.resume();
process.stdin.on("end", async () => {
  await lock.release();
  process.exit(0);
});
