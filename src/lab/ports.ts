import { createServer, type Server } from 'node:net';

/** A TCP port nobody listens on right now (for a throwaway lab's DNS server and API). */
export function freePort(address = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, address, () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Listening sockets a starting lab holds on every address and port it will take, from its check that they are
 * free until just before each real bind: a second lab started at the same moment on the same addresses finds
 * them taken and says so, instead of both passing the check and one dying later on a bind.
 */
export class PortReservations {
  private readonly held = new Map<string, Server>();

  /** Takes address:port; false when something else listens there (nothing is held for it then). */
  take(address: string, port: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const server = createServer((socket) => socket.destroy());
      server.once('error', (err: NodeJS.ErrnoException) =>
        err.code === 'EADDRINUSE' ? resolve(false) : reject(err),
      );
      server.listen({ host: address, port, exclusive: true }, () => {
        this.held.set(`${address}:${port}`, server);
        resolve(true);
      });
    });
  }

  /** Lets address:port go (for the real bind, which follows at once); nothing when it is not held. */
  release(address: string, port: number): Promise<void> {
    const key = `${address}:${port}`;
    const server = this.held.get(key);
    if (!server) return Promise.resolve();
    this.held.delete(key);
    return new Promise((resolve) => server.close(() => resolve()));
  }

  /** Lets go of every address on port `port`, or every one held. */
  async releaseAll(port?: number): Promise<void> {
    const keys = [...this.held.keys()].filter((k) => port === undefined || k.endsWith(`:${port}`));
    await Promise.all(
      keys.map((k) => {
        const i = k.lastIndexOf(':');
        return this.release(k.slice(0, i), Number(k.slice(i + 1)));
      }),
    );
  }
}
