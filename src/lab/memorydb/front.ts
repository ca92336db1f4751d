import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { NodeCertificate } from '../tls.js';
import { CommandStream } from './commands.js';

/** A user who logs in with IAM tokens: the front checks the token and logs in to redis-server with `password`. */
export interface IamLogin {
  user: string;
  /** Why a token is refused, or undefined for a good one. */
  check: (token: string) => string | undefined;
  /** What redis-server knows the user by (random, the lab's own). */
  password: string;
}

export interface NodeFrontOptions {
  name: string;
  address: string;
  /** The port clients know (6379). */
  port: number;
  /** redis-server's own plain port on the same address. */
  backendPort: number;
  /** TLS as MemoryDB offers it, with the node's certificate; undefined: plain TCP. */
  tls: NodeCertificate | undefined;
  iam: IamLogin | undefined;
}

/**
 * What clients reach of a lab node: its address and port, TLS, and IAM authentication, in front of redis-server
 * (whose Redis 7.0 cannot check a SigV4 token itself). Bytes pass both ways as they are; AUTH and HELLO for the
 * IAM user are read, and the token is swapped for the user's real password when MemoryDB would take it, or for
 * one redis-server refuses (WRONGPASS, as MemoryDB answers) when not. It listens only while its node runs, so a
 * dead node refuses connections as it did without a front.
 */
export class NodeFront {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  /** Sent for a refused token: no user has it. */
  private readonly refused = randomBytes(24).toString('hex');

  constructor(private readonly options: NodeFrontOptions) {}

  async open(): Promise<void> {
    if (this.server) return;
    const o = this.options;
    const server = o.tls
      ? createTlsServer({ cert: readFileSync(o.tls.certFile), key: readFileSync(o.tls.keyFile) }, (s) =>
          this.accept(s),
        )
      : createServer((s) => this.accept(s));
    // A client that fails its TLS handshake is its own problem, as with redis-server.
    server.on('tlsClientError', (_err, socket) => socket.destroy());
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // Closed before it listened (its node died at once): nothing to wait for.
      server.once('close', resolve);
      server.listen(o.port, o.address, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  /** Stops listening and cuts every connection, as the node's death does. */
  close(): void {
    this.server?.close();
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  private accept(client: Socket): void {
    const o = this.options;
    const backend = connect(o.backendPort, o.address);
    client.setNoDelay(true);
    backend.setNoDelay(true);
    this.sockets.add(client);
    this.sockets.add(backend);
    const end = () => {
      client.destroy();
      backend.destroy();
      this.sockets.delete(client);
      this.sockets.delete(backend);
    };
    client.on('error', end).on('close', end);
    backend.on('error', end).on('close', end);
    backend.pipe(client);
    let waiting = false;
    const commands = new CommandStream(
      (bytes) => {
        if (backend.write(bytes) || waiting) return;
        // redis-server reads slower than the client writes: the client waits, as it would on redis-server.
        waiting = true;
        client.pause();
        backend.once('drain', () => {
          waiting = false;
          client.resume();
        });
      },
      (args) => this.login(args),
    );
    client.on('data', (chunk: Buffer) => {
      // A command goes on in pieces (its name is read first): corked, they leave as one write.
      backend.cork();
      commands.feed(chunk);
      backend.uncork();
    });
  }

  /** AUTH user token / HELLO v AUTH user token, for the IAM user: the token checked and swapped. */
  private login(args: Buffer[]): Buffer[] | undefined {
    const iam = this.options.iam;
    if (!iam) return undefined;
    const name = args[0]?.toString('latin1').toUpperCase();
    let at = -1;
    if (name === 'AUTH' && args.length === 3) at = 1;
    if (name === 'HELLO') {
      const auth = args.findIndex((a, i) => i >= 2 && a.toString('latin1').toUpperCase() === 'AUTH');
      if (auth > 0 && auth + 2 < args.length) at = auth + 1;
    }
    if (at < 0 || args[at]?.toString() !== iam.user) return undefined;
    const why = iam.check(args[at + 1]?.toString() ?? '');
    if (why) {
      process.stderr.write(
        `${new Date().toISOString()} ${this.options.name}: IAM token for ${iam.user} refused: ${why}\n`,
      );
    }
    const swapped = [...args];
    swapped[at + 1] = Buffer.from(why ? this.refused : iam.password);
    return swapped;
  }
}
