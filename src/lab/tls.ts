import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { type SecureContext, TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { cannotStart } from '../core/errors.js';

const run = promisify(execFile);

export interface NodeCertificate {
  certFile: string;
  keyFile: string;
}

/** What a server's certificate is valid for: the DNS names and IP addresses clients may connect by. */
export interface CertificateSubject {
  /** The server's id: the file names and the certificate's CN. */
  name: string;
  dnsNames: string[];
  addresses: string[];
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (err) {
    const e = err as { code?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT')
      throw cannotStart("'openssl' not found on PATH: install it with 'apt-get install -y openssl'");
    throw cannotStart(`openssl ${args[0]} failed: ${(e.stderr ?? e.message).trim().split('\n').pop()}`);
  }
}

/**
 * A certificate authority of the lab's own and one certificate per server, made with openssl at start-up (EC P-256:
 * quick to make), for the MemoryDB nodes and the Aurora instance fronts alike. Clients trust the CA file (`caFile`
 * in `drill lab status`), as they would Amazon's.
 */
export async function makeCertificates(
  dir: string,
  caName: string,
  nodes: CertificateSubject[],
): Promise<{ caFile: string; nodes: Map<string, NodeCertificate> }> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caFile = join(dir, 'ca.crt');
  const caKey = join(dir, 'ca.key');
  const days = '3650';
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    caKey,
    '-out',
    caFile,
    '-days',
    days,
    '-subj',
    `/CN=${caName}`,
  ]);
  const certs = new Map<string, NodeCertificate>();
  await Promise.all(
    nodes.map(async (n) => {
      const keyFile = join(dir, `${n.name}.key`);
      const certFile = join(dir, `${n.name}.crt`);
      const csr = join(dir, `${n.name}.csr`);
      const ext = join(dir, `${n.name}.ext`);
      const names = [...n.dnsNames.map((d) => `DNS:${d}`), ...n.addresses.map((a) => `IP:${a}`)];
      writeFileSync(ext, `subjectAltName=${names.join(',')}\n`);
      await openssl(['req', '-new', ...ec, '-keyout', keyFile, '-out', csr, '-subj', `/CN=${n.name}`]);
      await openssl([
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        caFile,
        '-CAkey',
        caKey,
        '-set_serial',
        `0x${randomBytes(8).toString('hex')}`,
        '-out',
        certFile,
        '-days',
        days,
        '-extfile',
        ext,
      ]);
      certs.set(n.name, { certFile, keyFile });
    }),
  );
  return { caFile, nodes: certs };
}

/**
 * The server side of TLS on a MySQL connection after its SSL request: `early` is what was read past the request
 * (a ClientHello that came in the same segment). Such bytes are fed to TLS through a stream of our own, since a
 * socket's handle, once TLS takes it over, never sees what JavaScript already read.
 */
export function acceptTls(socket: Socket, early: Buffer, secureContext: SecureContext): TLSSocket {
  socket.removeAllListeners('data');
  if (early.length === 0) return new TLSSocket(socket, { isServer: true, secureContext });
  const carrier = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      socket.write(chunk, done);
    },
    final(done) {
      socket.end();
      done();
    },
    destroy(err, done) {
      socket.destroy();
      done(err);
    },
  });
  carrier.push(early);
  socket.on('data', (chunk: Buffer) => carrier.push(chunk));
  socket.on('end', () => carrier.push(null));
  socket.on('close', () => carrier.destroy());
  return new TLSSocket(carrier as unknown as Socket, { isServer: true, secureContext });
}
