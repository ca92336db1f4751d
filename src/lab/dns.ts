import dns2 from 'dns2';
import { cannotStart } from '../core/errors.js';

const { Packet } = dns2;

/** Answers a name with addresses, or undefined when the name is not the lab's (NXDOMAIN). */
export type Zone = (name: string) => string[] | undefined;

/**
 * The lab's DNS server: authoritative for its RDS-shaped names, A records with a 5 s TTL (as Aurora's), over UDP
 * and TCP on loopback. Other names get NXDOMAIN, other record types an empty answer.
 */
export class LabDns {
  private server: ReturnType<typeof dns2.createServer> | undefined;

  constructor(
    readonly address: string,
    readonly port: number,
    private readonly zone: Zone,
    readonly ttl = 5,
  ) {}

  async listen(): Promise<void> {
    const server = dns2.createServer({
      udp: true,
      tcp: true,
      handle: (request, send) => {
        const response = Packet.createResponseFromRequest(request);
        response.header.aa = 1;
        const question = request.questions[0];
        if (question) {
          const addresses = this.zone(question.name.toLowerCase().replace(/\.$/, ''));
          if (addresses === undefined) response.header.rcode = 3;
          else if (question.type === Packet.TYPE.A || question.type === Packet.TYPE.ANY) {
            for (const address of addresses) {
              response.answers.push(
                Packet.createResourceFromQuestion(question, {
                  type: Packet.TYPE.A,
                  class: Packet.CLASS.IN,
                  ttl: this.ttl,
                  address,
                }),
              );
            }
          }
        }
        send(response);
      },
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.on('error', (err: Error) => {
        const code = (err as NodeJS.ErrnoException).code;
        reject(
          cannotStart(
            code === 'EADDRINUSE'
              ? `DNS port ${this.address}:${this.port} is in use: choose another with --dns-port`
              : `cannot serve DNS on ${this.address}:${this.port}: ${err.message}`,
          ),
        );
      });
      server
        .listen({
          udp: { port: this.port, address: this.address },
          tcp: { port: this.port, address: this.address },
        })
        .then(() => resolve(), reject);
    });
  }

  async close(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }
}
