import { createServer } from 'node:net';

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

/** Whether this process could listen on address:port now (false: something else does); tried and let go. */
export function listenable(address: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EADDRINUSE' ? resolve(false) : reject(err),
    );
    server.listen({ host: address, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
