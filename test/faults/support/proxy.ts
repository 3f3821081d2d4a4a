/**
 * A TCP proxy in front of a Bolt port that can cut every connection at once (and refuse new ones
 * until it is healed) — a network failure, with a real server behind it.
 */
import net from "node:net";

export interface CuttableProxy {
  /** `bolt://127.0.0.1:<port>` of the proxy. */
  uri: string;
  /** Destroys every open connection and refuses new ones. */
  cut(): void;
  /** Accepts connections again. */
  heal(): void;
  close(): Promise<void>;
}

export async function startProxy(target: string): Promise<CuttableProxy> {
  const { hostname, port } = new URL(target.replace(/^[a-z+]+:/, "http:"));
  const sockets = new Set<net.Socket>();
  let broken = false;
  const server = net.createServer((client) => {
    if (broken) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as net.AddressInfo;
  return {
    uri: `bolt://127.0.0.1:${address.port}`,
    cut() {
      broken = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    heal() {
      broken = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
