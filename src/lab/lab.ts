import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cannotStart, usageError } from '../core/errors.js';
import { RdsEventSubscriptions } from './api/event-subscriptions.js';
import { RdsApi } from './api/rds.js';
import { ControlPlane } from './api/server.js';
import { SnsApi } from './api/sns.js';
import { SnsSigner } from './api/sns-signing.js';
import { type AuroraLabCluster, type TimingProfile, timingProfiles } from './aurora/cluster.js';
import { type LabNames, labNames } from './aurora/names.js';
import { NotifyingAuroraCluster } from './aurora/notify-events.js';
import { LabProxy } from './aurora/proxy.js';
import { defaultLabStateDir } from './defaults.js';
import { LabDns } from './dns.js';
import { GroundTruth } from './groundtruth.js';
import { SnsDelivery } from './notify-delivery.js';

export interface LabOptions {
  stateDir: string;
  readers: number;
  dnsPort: number;
  apiPort: number;
  timing: TimingProfile['name'];
  user: string;
  password?: string;
  lossy: boolean;
  region: string;
  /** Last octet of the first instance's loopback address: 11 puts instances on 127.0.0.11, .12, ... */
  firstAddress: number;
  /** Overrides the timing profile's DNS propagation delay. */
  dnsDelayMs?: number;
}

export const labDefaults = {
  stateDir: defaultLabStateDir(),
  readers: 1,
  dnsPort: 10053,
  apiPort: 10080,
  timing: 'fast' as const,
  user: 'admin',
  region: 'us-east-1',
  firstAddress: 11,
};

/** What `drill lab status --json` prints (never the password). */
export interface LabStatus {
  pid: number;
  state: 'starting' | 'ready' | 'stopping';
  startedAt: string;
  stateDir: string;
  timing: string;
  lossy: boolean;
  aurora: {
    clusterId: string;
    clusterEndpoint: string;
    readerEndpoint: string;
    proxyEndpoint: string;
    proxyAddress: string;
    user: string;
    instances: { id: string; host: string; address: string; role: string; pid: number | null }[];
  };
  dnsServer: string;
  apiEndpoint: string;
  /** The lab's SNS: the same endpoint as the RDS API. */
  snsEndpoint: string;
  /** Mails and SQS messages the lab's SNS delivered, one file each. */
  outbox: string;
  region: string;
  groundTruthFile: string;
}

const statusFile = (dir: string) => join(dir, 'lab.json');
const passwordFile = (dir: string) => join(dir, 'password');

export function readLabStatus(stateDir: string): LabStatus | undefined {
  try {
    return JSON.parse(readFileSync(statusFile(stateDir), 'utf8')) as LabStatus;
  } catch {
    return undefined;
  }
}

export function readLabPassword(stateDir: string): string | undefined {
  try {
    return readFileSync(passwordFile(stateDir), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Refuses a second lab on a state dir whose lab still runs; returns a dead lab's status (for its leftovers). */
export function refuseIfRunning(stateDir: string): LabStatus | undefined {
  const dir = resolve(stateDir);
  const running = readLabStatus(dir);
  if (running && alive(running.pid)) {
    throw cannotStart(
      `a lab is already running from ${dir} (pid ${running.pid}): use it, or stop it with 'drill lab down --state-dir ${dir}'`,
    );
  }
  return running;
}

/** The status of the lab running from `stateDir` (and in `state`, if given), or exit 3 saying none runs. */
export function requireRunning(stateDir: string, state?: LabStatus['state']): LabStatus {
  const dir = resolve(stateDir);
  const status = readLabStatus(dir);
  if (!status || !alive(status.pid) || (state !== undefined && status.state !== state)) {
    throw cannotStart(
      `no lab is running from ${dir}: start one with 'drill lab up --detach --state-dir ${dir}'`,
    );
  }
  return status;
}

export function alive(pid: number | null | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A running lab: the Aurora cluster, its DNS server and its control plane, all on loopback, all under one state
 * directory. One process owns every part; `stop()` (or `drill lab down`, which signals that process) leaves
 * nothing running.
 */
export class Lab {
  readonly names: LabNames;
  readonly groundTruth: GroundTruth;
  readonly cluster: AuroraLabCluster;
  readonly dns: LabDns;
  readonly api: ControlPlane;
  readonly proxy: LabProxy;
  readonly sns: SnsApi;
  readonly eventSubscriptions: RdsEventSubscriptions;
  private readonly delivery: SnsDelivery;
  readonly password: string;
  private readonly startedAt = new Date().toISOString();
  private state: LabStatus['state'] = 'starting';

  private constructor(readonly options: LabOptions) {
    this.names = labNames(undefined, options.region);
    this.password = options.password ?? randomBytes(12).toString('base64url');
    this.groundTruth = new GroundTruth(join(options.stateDir, 'ground-truth.ndjson'));
    const cluster = new NotifyingAuroraCluster({
      dir: join(options.stateDir, 'aurora'),
      names: this.names,
      readers: options.readers,
      user: options.user,
      password: this.password,
      timing: {
        ...timingProfiles[options.timing],
        ...(options.dnsDelayMs !== undefined ? { dnsDelayMs: options.dnsDelayMs } : {}),
      },
      lossy: options.lossy,
      groundTruth: this.groundTruth,
      firstAddress: options.firstAddress,
    });
    this.cluster = cluster;
    this.dns = new LabDns('127.0.0.1', options.dnsPort, (name) => this.resolveName(name));
    this.proxy = new LabProxy(this.proxyAddress, this.cluster.frontPort, this.cluster, {
      user: options.user,
      password: this.password,
    });
    // lab.json follows every change of role and process, for `drill lab status` in another terminal.
    this.groundTruth.onRecord = (r) => {
      if (r.kind === 'role' || r.kind === 'instance-up') this.writeStatus();
    };
    const proxyView = () => ({
      name: this.names.proxyName,
      endpoint: this.names.proxyEndpoint,
      status: 'available' as const,
    });
    // Notifications: SNS in memory, RDS event subscriptions publishing the cluster's events to it.
    const signer = new SnsSigner(options.region);
    this.delivery = new SnsDelivery({
      apiUrl: `http://127.0.0.1:${options.apiPort}`,
      outboxDir: join(options.stateDir, 'outbox'),
      signer,
      groundTruth: this.groundTruth,
      log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
    });
    this.sns = new SnsApi(options.region, this.delivery);
    this.eventSubscriptions = new RdsEventSubscriptions({
      region: options.region,
      sns: this.sns,
      sourceIds: (type) => this.sourceIds(type),
    });
    cluster.onEvent = (e) => this.eventSubscriptions.deliver(e);
    this.api = new ControlPlane(
      '127.0.0.1',
      options.apiPort,
      new RdsApi(this.cluster, proxyView, this.eventSubscriptions),
      { api: this.sns, signer },
    );
  }

  /** Starts a lab in this process; a failure part-way stops what was started and says why. */
  static async start(options: LabOptions): Promise<Lab> {
    if (options.readers < 0 || options.readers > 8) throw usageError('--readers must be 0-8');
    if (options.firstAddress < 3 || options.firstAddress + options.readers > 254) {
      throw usageError(
        '--first-address must leave room for the proxy and every instance within 127.0.0.2-254',
      );
    }
    const stateDir = resolve(options.stateDir);
    const running = refuseIfRunning(stateDir);
    if (running) killLeftovers(running);
    mkdirSync(stateDir, { recursive: true });
    // lab.log is being written by this very process when it was started with --detach.
    for (const entry of readdirSync(stateDir)) {
      if (entry !== 'aurora' && entry !== 'lab.log')
        rmSync(join(stateDir, entry), { recursive: true, force: true });
    }
    // Keep only the datadir template between labs: it is what makes start-up fast.
    const auroraDir = join(stateDir, 'aurora');
    if (existsSync(auroraDir)) {
      for (const entry of readdirSync(auroraDir)) {
        if (entry !== 'template') rmSync(join(auroraDir, entry), { recursive: true, force: true });
      }
    }
    const lab = new Lab({ ...options, stateDir });
    writeFileSync(passwordFile(stateDir), `${lab.password}\n`, { mode: 0o600 });
    lab.groundTruth.record('lab', { state: 'starting' });
    lab.writeStatus();
    try {
      await lab.dns.listen();
      await lab.api.listen();
      await lab.cluster.start();
      await lab.proxy.listen();
    } catch (err) {
      await lab.stop();
      throw err;
    }
    lab.state = 'ready';
    lab.writeStatus();
    lab.groundTruth.record('lab', { state: 'ready' });
    return lab;
  }

  async stop(): Promise<void> {
    this.state = 'stopping';
    this.writeStatus();
    this.delivery.close();
    await Promise.allSettled([this.proxy.close(), this.cluster.stop(), this.dns.close(), this.api.close()]);
    this.groundTruth.record('lab', { state: 'stopped' });
    rmSync(statusFile(this.options.stateDir), { force: true });
    rmSync(passwordFile(this.options.stateDir), { force: true });
  }

  status(): LabStatus {
    return {
      pid: process.pid,
      state: this.state,
      startedAt: this.startedAt,
      stateDir: this.options.stateDir,
      timing: this.options.timing,
      lossy: this.options.lossy,
      aurora: {
        clusterId: this.names.clusterId,
        clusterEndpoint: this.names.clusterEndpoint,
        readerEndpoint: this.names.readerEndpoint,
        proxyEndpoint: this.names.proxyEndpoint,
        proxyAddress: this.proxyAddress,
        user: this.options.user,
        instances: this.cluster.instances.map((i) => ({
          id: i.id,
          host: this.names.instanceHost(i.id),
          address: i.address,
          role: i.role,
          pid: i.db.pid ?? null,
        })),
      },
      dnsServer: `${this.dns.address}:${this.dns.port}`,
      apiEndpoint: this.api.url,
      snsEndpoint: this.api.url,
      outbox: join(this.options.stateDir, 'outbox'),
      region: this.options.region,
      groundTruthFile: join(this.options.stateDir, 'ground-truth.ndjson'),
    };
  }

  /** Keeps lab.json current so `drill lab status` from another terminal sees roles as they change. */
  writeStatus(): void {
    writeFileSync(statusFile(this.options.stateDir), `${JSON.stringify(this.status(), null, 2)}\n`);
  }

  /** The proxy sits just below the instances: 127.0.0.10 for instances from .11. */
  get proxyAddress(): string {
    return `127.0.0.${this.options.firstAddress - 1}`;
  }

  /** What RDS event subscriptions may name as SourceIds, per source type. */
  private sourceIds(sourceType: string): string[] {
    if (sourceType === 'db-cluster') return [this.names.clusterId];
    if (sourceType === 'db-instance') return this.cluster.instances.map((i) => i.id);
    if (sourceType === 'db-proxy') return [this.names.proxyName];
    return [];
  }

  private resolveName(name: string): string[] | undefined {
    const c = this.cluster;
    if (name === this.names.proxyEndpoint) return [this.proxyAddress];
    if (name === this.names.clusterEndpoint) return c.clusterDnsAddress ? [c.clusterDnsAddress] : [];
    if (name === this.names.readerEndpoint) {
      return c.readerDnsAddresses.length ? c.readerDnsAddresses : [c.clusterDnsAddress];
    }
    const instance = c.instances.find((i) => this.names.instanceHost(i.id) === name);
    return instance ? [instance.address] : undefined;
  }
}

/** The lines a user pastes into a second terminal to point drill, the AWS SDK and the AWS CLI at the lab. */
export function exportLines(status: LabStatus, password: string | undefined): string[] {
  return [
    `export AWS_ENDPOINT_URL_RDS=${status.apiEndpoint}`,
    `export AWS_ENDPOINT_URL_SNS=${status.snsEndpoint ?? status.apiEndpoint}`,
    `export AWS_REGION=${status.region}`,
    'export AWS_ACCESS_KEY_ID=lab AWS_SECRET_ACCESS_KEY=lab',
    `export DRILL_DNS_SERVER=${status.dnsServer}`,
    `export DRILL_ENDPOINT=${status.aurora.clusterEndpoint}`,
    `export DRILL_USER=${status.aurora.user}`,
    ...(password ? [`export DRILL_PASSWORD=${password}`] : []),
  ];
}

/** A lab whose owner died (kill -9): its servers may still run; stop them by their recorded pids. */
export function killLeftovers(status: LabStatus): void {
  for (const i of status.aurora.instances) {
    if (i.pid && alive(i.pid) && isMariadb(i.pid)) process.kill(i.pid, 'SIGKILL');
  }
}

function isMariadb(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('mariadbd');
  } catch {
    return false;
  }
}
