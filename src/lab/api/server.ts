import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { cannotStart } from '../../core/errors.js';
import { LabFault } from '../aurora/cluster.js';
import { type RdsApi, rdsMemberName, rdsNamespace, rdsVersion } from './rds.js';
import { queryError, queryResponse } from './xml.js';

/**
 * The lab's control plane: one HTTP endpoint that the unmodified AWS SDK and CLI talk to (AWS_ENDPOINT_URL_RDS,
 * `--endpoint-url`), in the services' real wire protocol. Requests are told apart by their awsQuery `Version`.
 */
export class ControlPlane {
  private server: Server | undefined;

  constructor(
    readonly address: string,
    readonly port: number,
    private readonly rds: RdsApi,
  ) {}

  get url(): string {
    return `http://${this.address}:${this.port}`;
  }

  async listen(): Promise<void> {
    const server = createServer((req, res) => void this.serve(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          cannotStart(
            err.code === 'EADDRINUSE'
              ? `API port ${this.address}:${this.port} is in use: choose another with --api-port`
              : `cannot serve the API on ${this.address}:${this.port}: ${err.message}`,
          ),
        ),
      );
      server.listen(this.port, this.address, () => resolve());
    });
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    for (const [k, v] of new URL(req.url ?? '/', 'http://lab').searchParams) params.append(k, v);
    const action = params.get('Action') ?? '';
    const version = params.get('Version') ?? rdsVersion;
    const reply = (status: number, body: string): void => {
      res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
      res.end(body);
    };
    try {
      if (!action) throw new LabFault('MissingAction', 'The request must contain the parameter Action.');
      if (version !== rdsVersion) {
        throw new LabFault('InvalidAction', `The lab does not serve API version ${version}.`);
      }
      const result = this.rds.handle(action, params);
      reply(200, queryResponse(action, rdsNamespace, result, requestId, rdsMemberName));
    } catch (err) {
      if (err instanceof LabFault)
        reply(err.status, queryError(rdsNamespace, err.code, err.message, requestId));
      else reply(500, queryError(rdsNamespace, 'InternalFailure', (err as Error).message, requestId, false));
    }
  }
}
