// Writes <bytes> into a new in-place backup of a FileSystemStorage and stops before publishing:
// prints "written", then waits to be killed. Usage: node temp-writer.mjs <entry> <directory> <bytes>
const [entry, directory, bytes] = process.argv.slice(2);
const { FileSystemStorage } = await import(entry);
const writer = await new FileSystemStorage({ directory }).openWriter();
await writer.append(new Uint8Array(Number(bytes)).fill(0x20));
process.stdout.write("written\n");
setInterval(() => {}, 1000);
