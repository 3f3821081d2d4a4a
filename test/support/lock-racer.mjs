// One of several processes racing for a FileSystemStorage lock: waits until <start at> (epoch ms) so
// that all racers start together, takes the lock, prints "acquired <epoch ms>", holds it for
// <hold ms>, prints "released <epoch ms>" just before releasing, and exits.
// Usage: node lock-racer.mjs <entry> <directory> <lease ms> <start at> <hold ms>
const [entry, directory, lease, startAt, hold] = process.argv.slice(2);
const { FileSystemStorage } = await import(entry);
const storage = new FileSystemStorage({ directory, lockLeaseMs: Number(lease) });
while (Date.now() < Number(startAt)) await new Promise((r) => setTimeout(r, 1));
const lock = await storage.lock({ timeoutMs: 60_000 });
process.stdout.write(`acquired ${Date.now()}\n`);
await new Promise((r) => setTimeout(r, Number(hold)));
process.stdout.write(`released ${Date.now()}\n`);
await lock.release();
