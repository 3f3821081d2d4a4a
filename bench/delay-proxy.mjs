/**
 * A TCP proxy that adds a fixed one-way delay to every byte in both directions, for measuring how
 * the client behaves with a network hop between it and the server (bench/scaling.ts).
 *
 *   node bench/delay-proxy.mjs <target host> <target port> <one-way delay ms>
 *
 * Listens on a free port of 127.0.0.1 and prints "ready <port>". Order is kept: every chunk is
 * forwarded its delay after it arrived, and chunks of one direction arrive in order. A direction
 * whose destination is slow to drain pauses its source, so memory stays bounded.
 */
import net from "node:net";

const [targetHost, targetPort, delayText] = process.argv.slice(2);
const delayMs = Number(delayText);
const HIGH_WATER = 8 << 20;

/** Forwards `from` to `to`, each chunk `delayMs` after it arrived. */
function forward(from, to) {
  let queued = 0;
  from.on("data", (chunk) => {
    queued += chunk.length;
    if (queued > HIGH_WATER) from.pause();
    setTimeout(() => {
      queued -= chunk.length;
      if (!to.destroyed) to.write(chunk);
      if (queued <= HIGH_WATER && to.writableLength <= HIGH_WATER) from.resume();
    }, delayMs);
  });
  to.on("drain", () => {
    if (queued <= HIGH_WATER) from.resume();
  });
  from.on("end", () => setTimeout(() => to.end(), delayMs + 1));
  from.on("error", () => to.destroy());
}

const server = net.createServer((client) => {
  client.setNoDelay(true);
  const upstream = net.connect(Number(targetPort), targetHost, () => upstream.setNoDelay(true));
  forward(client, upstream);
  forward(upstream, client);
  upstream.on("close", () => client.destroy());
  client.on("close", () => upstream.destroy());
});
server.listen(0, "127.0.0.1", () => console.log(`ready ${server.address().port}`));
