import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { cannotStart } from '../../core/errors.js';
import { LabFault } from './fault.js';
import { type RdsApi, rdsMemberName, rdsNamespace, rdsVersion } from './rds.js';
import { type SnsApi, snsLinkActions, snsMemberName, snsNamespace, snsVersion } from './sns.js';
import { queryError, queryResponse, type XmlValue } from './xml.js';

/** The lab's SNS and the certificate its messages are signed with (served at its SigningCertURL path). */
export interface SnsService {
  api: SnsApi;
  signer: { readonly certificatePath: string; readonly certificatePem: string };
}

/** A JSON service routed by its `X-Amz-Target` (awsJson1_1: MemoryDB, Secrets Manager). */
export interface JsonService {
  targets: (target: string) => boolean;
  handle: (target: string, body: string) => { status: number; body: string };
}

interface Service {
  namespace: string;
  memberName: (list: string) => string;
  handle: (action: string, params: URLSearchParams) => Record<string, XmlValue> | undefined;
}

/**
 * The lab's control plane: one HTTP endpoint that the unmodified AWS SDK and CLI talk to (AWS_ENDPOINT_URL_RDS,
 * AWS_ENDPOINT_URL_SNS, `--endpoint-url`), in the services' real wire protocol. Requests are told apart by their
 * awsQuery `Version`; the links in SNS messages (SubscribeURL, UnsubscribeURL) carry none and go to SNS. JSON
 * services (MemoryDB, Secrets Manager) by their `X-Amz-Target` header.
 */
export class ControlPlane {
  private server: Server | undefined;

  constructor(
    readonly address: string,
    readonly port: number,
    private readonly rds: RdsApi,
    private readonly sns?: SnsService,
    private readonly json: JsonService[] = [],
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
    const url = new URL(req.url ?? '/', 'http://lab');
    const target = req.headers['x-amz-target'];
    const json = typeof target === 'string' ? this.json.find((j) => j.targets(target)) : undefined;
    if (typeof target === 'string' && json) {
      const { status, body } = json.handle(target, Buffer.concat(chunks).toString('utf8'));
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId });
      res.end(body);
      return;
    }
    if (req.method === 'GET' && this.sns && url.pathname === this.sns.signer.certificatePath) {
      res.writeHead(200, { 'content-type': 'application/x-pem-file', 'x-amzn-requestid': requestId });
      res.end(this.sns.signer.certificatePem);
      return;
    }
    const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    for (const [k, v] of url.searchParams) params.append(k, v);
    const action = params.get('Action') ?? '';
    const service = this.serviceFor(params.get('Version'), action);
    const reply = (status: number, body: string): void => {
      res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
      res.end(body);
    };
    try {
      if (!action) throw new LabFault('MissingAction', 'The request must contain the parameter Action.');
      if (!service) {
        throw new LabFault('InvalidAction', `The lab does not serve API version ${params.get('Version')}.`);
      }
      const result = service.handle(action, params);
      reply(200, queryResponse(action, service.namespace, result, requestId, service.memberName));
    } catch (err) {
      const namespace = service?.namespace ?? rdsNamespace;
      if (err instanceof LabFault) reply(err.status, queryError(namespace, err.code, err.message, requestId));
      else reply(500, queryError(namespace, 'InternalFailure', (err as Error).message, requestId, false));
    }
  }

  private serviceFor(version: string | null, action: string): Service | undefined {
    const sns = this.sns?.api;
    if (sns && (version === snsVersion || (version === null && snsLinkActions.has(action)))) {
      return { namespace: snsNamespace, memberName: snsMemberName, handle: (a, p) => sns.handle(a, p) };
    }
    if (version === null || version === rdsVersion) {
      return { namespace: rdsNamespace, memberName: rdsMemberName, handle: (a, p) => this.rds.handle(a, p) };
    }
    return undefined;
  }
}
