import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cannotStart, usageError } from '../core/errors.js';
import { RdsEventSubscriptions } from './api/event-subscriptions.js';
import { MemoryDbApi } from './api/memorydb.js';
import { RdsApi } from './api/rds.js';
import { SecretsManagerApi } from './api/secretsmanager.js';
import { ControlPlane } from './api/server.js';
import { SnsApi } from './api/sns.js';
import { SnsSigner } from './api/sns-signing.js';
import { type AuroraLabCluster, timingProfiles } from './aurora/cluster.js';
import { type LabNames, labNames } from './aurora/names.js';
import { NotifyingAuroraCluster } from './aurora/notify-events.js';
import { LabProxy } from './aurora/proxy.js';
import {
  forgetLab,
  interruptedStart,
  killLabProcesses,
  type LabOptions,
  type LabStatus,
  labDirUsing,
  labPasswordFile,
  labStatusFile,
  noteLab,
  refuseIfRunning,
} from './client.js';
import { LabDns } from './dns.js';
import { replaceFile } from './files.js';
import { GroundTruth } from './groundtruth.js';
import { MemoryDbLabCluster, memoryDbTimings } from './memorydb/cluster.js';
import { memoryDbNames } from './memorydb/names.js';
import { nodePorts } from './memorydb/node.js';
import { SnsDelivery } from './notify-delivery.js';
import { PortReservations } from './ports.js';
import { gone, labPidsFile, recordProcess } from './processes.js';

/** The lab's IAM database user: it logs in with tokens signed by the lab's keys (`lab`/`lab`), over TLS. */
export const labIamUser = 'drill_iam';
/** The keys the lab's APIs take (`lab`/`lab`): IAM tokens must be signed with them. */
const labKeys = (region: string) => ({ accessKeyId: 'lab', secretAccessKey: 'lab', region });
/** MemoryDB user names take letters, digits and hyphens. */
export const labMemoryDbIamUser = 'drill-iam';

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
  /** Secrets Manager, holding the cluster's master user secret. */
  readonly secrets: SecretsManagerApi;
  readonly eventSubscriptions: RdsEventSubscriptions;
  /** Only with `--memorydb`. */
  readonly memorydb: MemoryDbLabCluster | undefined;
  private readonly delivery: SnsDelivery;
  readonly password: string;
  private readonly startedAt = new Date().toISOString();
  /** The addresses and ports held from the check that they are free until each real bind. */
  private reservations = new PortReservations();
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
      requireTls: options.requireTls === true,
      iam: { user: labIamUser, keys: labKeys(options.region) },
      onSpawn: (pid, kind) => recordProcess(options.stateDir, pid, kind),
      beforeBind: (address, port) => this.reservations.release(address, port),
    });
    this.cluster = cluster;
    this.dns = new LabDns('127.0.0.1', options.dnsPort, (name) => this.resolveName(name));
    this.proxy = new LabProxy(
      this.proxyAddress,
      this.cluster.frontPort,
      this.cluster,
      { user: options.user, password: this.password },
      this.groundTruth,
    );
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
    this.memorydb = options.memorydb
      ? new MemoryDbLabCluster({
          ...options.memorydb,
          dir: join(options.stateDir, 'memorydb'),
          names: memoryDbNames(undefined, options.region),
          user: options.user,
          password: this.password,
          timing: memoryDbTimings[options.timing],
          lossy: options.lossy,
          groundTruth: this.groundTruth,
          onSpawn: (pid) => recordProcess(options.stateDir, pid, 'redis-server'),
          beforeBind: (address, port) => this.reservations.release(address, port),
          iam: { user: labMemoryDbIamUser, keys: labKeys(options.region) },
        })
      : undefined;
    this.secrets = new SecretsManagerApi({
      region: options.region,
      clusterId: this.names.clusterId,
      username: options.user,
      password: () => this.password,
      createdAt: new Date(this.startedAt),
    });
    const memorydbApi = new MemoryDbApi(this.memorydb, {
      region: options.region,
      quotaFile: memoryDbQuotaFile(options.stateDir),
      sns: this.sns,
    });
    this.api = new ControlPlane(
      '127.0.0.1',
      options.apiPort,
      new RdsApi(this.cluster, proxyView, this.eventSubscriptions, this.secrets),
      { api: this.sns, signer },
      [memorydbApi, this.secrets],
    );
  }

  /**
   * Starts a lab in this process; a failure part-way stops what was started and says why. `signal` aborted
   * before it is ready (Ctrl+C) does the same and rejects with exit 130. Every process it starts is written to
   * the state dir's `pids` file at once, for `drill lab down`.
   */
  static async start(options: LabOptions, { signal }: { signal?: AbortSignal } = {}): Promise<Lab> {
    if (options.readers < 0 || options.readers > 8) throw usageError('--readers must be 0-8');
    const m = options.memorydb;
    if (m && (m.shards < 1 || m.shards > 5 || m.replicas < 0 || m.replicas > 2)) {
      throw usageError('--shards must be 1-5 and --replicas 0-2');
    }
    if (m && (m.firstAddress < 2 || m.firstAddress + m.shards * (m.replicas + 1) - 1 > 254)) {
      throw usageError('--memorydb-first-address must leave room for every node within 127.0.1.2-254');
    }
    if (options.firstAddress < 3 || options.firstAddress + options.readers > 254) {
      throw usageError(
        '--first-address must leave room for the proxy and every instance within 127.0.0.2-254',
      );
    }
    if (signal?.aborted) throw interruptedStart();
    const stateDir = resolve(options.stateDir);
    refuseIfRunning(stateDir);
    // Servers a dead lab left behind (its owner killed with -9) hold its addresses: they go first.
    await gone(killLabProcesses(stateDir), 10_000);
    const reservations = await reserveAddresses(options);
    noteLab(stateDir, [...labAddresses(options), ...memoryDbAddresses(options)]);
    try {
      mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    } catch (err) {
      await reservations.releaseAll();
      forgetLab();
      throw err;
    }
    // lab.log is being written by this very process when it was started with --detach.
    const keep = ['aurora', 'lab.log', memoryDbQuotaFileName];
    for (const entry of readdirSync(stateDir)) {
      if (!keep.includes(entry)) rmSync(join(stateDir, entry), { recursive: true, force: true });
    }
    // Keep only the datadir template between labs: it is what makes start-up fast.
    const auroraDir = join(stateDir, 'aurora');
    if (existsSync(auroraDir)) {
      for (const entry of readdirSync(auroraDir)) {
        if (entry !== 'template') rmSync(join(auroraDir, entry), { recursive: true, force: true });
      }
    }
    recordProcess(stateDir, process.pid, 'lab');
    const lab = new Lab({ ...options, stateDir });
    lab.reservations = reservations;
    writeFileSync(labPasswordFile(stateDir), `${lab.password}\n`, { mode: 0o600 });
    lab.groundTruth.record('lab', { state: 'starting' });
    lab.writeStatus();
    const parts = async (): Promise<void> => {
      // Each reservation goes just before its real bind: the proxy's, checked first by every lab, last.
      await reservations.release('127.0.0.1', options.dnsPort);
      await lab.dns.listen();
      await reservations.release('127.0.0.1', options.apiPort);
      await lab.api.listen();
      await Promise.all([lab.cluster.start(), lab.memorydb?.start()]);
      await reservations.release(lab.proxyAddress, 3306);
      await lab.proxy.listen();
    };
    try {
      await unlessAborted(parts(), signal);
    } catch (err) {
      await lab.stop();
      // A part still starting when the signal came may have started a server since: none survives.
      await gone(killLabProcesses(stateDir), 10_000);
      rmSync(labPidsFile(stateDir), { force: true });
      throw signal?.aborted ? interruptedStart() : err;
    }
    lab.state = 'ready';
    lab.writeStatus();
    lab.groundTruth.record('lab', { state: 'ready' });
    return lab;
  }

  async stop(): Promise<void> {
    this.state = 'stopping';
    this.writeStatus();
    await this.reservations.releaseAll();
    this.delivery.close();
    await Promise.allSettled([
      this.proxy.close(),
      this.cluster.stop(),
      this.memorydb?.stop(),
      this.dns.close(),
      this.api.close(),
    ]);
    this.groundTruth.record('lab', { state: 'stopped' });
    for (const file of [labStatusFile, labPasswordFile, labPidsFile])
      rmSync(file(this.options.stateDir), { force: true });
    forgetLab();
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
        ...(this.cluster.caFile ? { caFile: this.cluster.caFile } : {}),
        requireTls: this.options.requireTls === true,
        secretId: this.secrets.arn,
        iamUser: labIamUser,
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
      ...(this.memorydb ? { memorydb: this.memorydb.status() } : {}),
    };
  }

  /**
   * Keeps lab.json current so `drill lab status` from another terminal sees roles as they change. Replaced whole:
   * a drill reading an empty one while a failover rewrites it would say no lab is running.
   */
  writeStatus(): void {
    replaceFile(labStatusFile(this.options.stateDir), `${JSON.stringify(this.status(), null, 2)}\n`);
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
    const memorydb = this.memorydb?.resolveName(name);
    if (memorydb) return memorydb;
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

/** Rejects when `signal` aborts first; `work` then goes on, and the caller takes down what it started. */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolveWork, reject) => {
    const onAbort = (): void => reject(interruptedStart());
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolveWork, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The addresses of the lab's proxy and instances. */
function labAddresses(o: LabOptions): string[] {
  return Array.from({ length: o.readers + 2 }, (_, n) => `127.0.0.${o.firstAddress - 1 + n}`);
}

/** The MemoryDB nodes' addresses, with `--memorydb`. */
function memoryDbAddresses(o: LabOptions): string[] {
  const m = o.memorydb;
  if (!m) return [];
  return Array.from({ length: m.shards * (m.replicas + 1) }, (_, n) => `127.0.1.${m.firstAddress + n}`);
}

/**
 * Before anything starts: every address and port the lab will listen on must be free, and stays held until
 * the lab binds it. Another lab (or any server) on them would otherwise answer in this lab's place; a lab
 * starting at the same moment on the same addresses finds the proxy's address held and stops with one line.
 */
async function reserveAddresses(o: LabOptions): Promise<PortReservations> {
  const [proxy, ...instances] = labAddresses(o);
  const wanted: [string, number, string][] = [[proxy ?? '', 3306, '--first-address']];
  for (const address of instances)
    wanted.push([address, 3306, '--first-address'], [address, 3307, '--first-address']);
  for (const address of memoryDbAddresses(o))
    for (const port of nodePorts) wanted.push([address, port, '--memorydb-first-address']);
  wanted.push(['127.0.0.1', o.dnsPort, '--dns-port'], ['127.0.0.1', o.apiPort, '--api-port']);
  const reservations = new PortReservations();
  for (const [address, port, option] of wanted) {
    let taken: boolean;
    try {
      taken = !(await reservations.take(address, port));
    } catch (err) {
      await reservations.releaseAll();
      throw err;
    }
    if (!taken) continue;
    await reservations.releaseAll();
    // A throwaway lab's user gave a drill no --first-address: its knob is the environment variable.
    const throwawayKnob: Record<string, string> = {
      '--first-address': 'DRILL_LAB_FIRST_ADDRESS=N',
      '--memorydb-first-address': 'DRILL_LAB_MEMORYDB_FIRST_ADDRESS=N',
    };
    const elsewhere = (o.throwaway && throwawayKnob[option]) || option;
    // A lab starting at this very moment notes itself just after it holds its addresses.
    const owner = option.endsWith('first-address') ? await ownerOf(address) : undefined;
    if (owner) {
      const pid = owner.pid === undefined ? 'its owner gone, its servers left' : `pid ${owner.pid}`;
      throw cannotStart(
        `the lab did not start: ${address}:${port} is taken by the lab running from ${owner.dir} (${pid}): stop it with 'drill lab down --state-dir ${owner.dir}' or choose other addresses with ${elsewhere}`,
      );
    }
    const who = `(another lab may run there: 'drill lab status', or a leftover throwaway lab: 'drill lab down --state-dir DIR' for its DIR in ${join(tmpdir(), 'drill-ephemeral-lab-*')})`;
    throw cannotStart(
      `the lab did not start: ${address}:${port} is taken ${who}; or start this lab elsewhere with ${elsewhere}`,
    );
  }
  return reservations;
}

/** The lab on `address`, waiting up to 2 s for one that is starting to note itself. */
async function ownerOf(address: string): Promise<ReturnType<typeof labDirUsing>> {
  const end = Date.now() + 2000;
  for (;;) {
    const owner = labDirUsing(address);
    if (owner || Date.now() > end) return owner;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A value a POSIX shell takes literally: single quotes, each ' written as '\''. */
export const shellQuoted = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;

/**
 * The lines a user pastes into a second terminal to point drill, the AWS SDK and the AWS CLI at the lab; every
 * value quoted, so a password with quotes, spaces or `$(...)` arrives as it is and runs nothing. Without the
 * password (`lab status`), DRILL_PASSWORD is read from the lab's password file when pasted.
 */
export function exportLines(status: LabStatus, password: string | undefined): string[] {
  const vars: [string, string][] = [
    ['AWS_ENDPOINT_URL_RDS', status.apiEndpoint],
    ['AWS_ENDPOINT_URL_SNS', status.snsEndpoint ?? status.apiEndpoint],
    ['AWS_ENDPOINT_URL_SECRETS_MANAGER', status.apiEndpoint],
    ['AWS_REGION', status.region],
    // The AWS CLI v1 reads only this one.
    ['AWS_DEFAULT_REGION', status.region],
    ['AWS_ACCESS_KEY_ID', 'lab'],
    ['AWS_SECRET_ACCESS_KEY', 'lab'],
    ['DRILL_DNS_SERVER', status.dnsServer],
    ['DRILL_ENDPOINT', status.aurora.clusterEndpoint],
    ['DRILL_USER', status.aurora.user],
  ];
  if (password) vars.push(['DRILL_PASSWORD', password]);
  if (status.memorydb) vars.push(['AWS_ENDPOINT_URL_MEMORYDB', status.apiEndpoint]);
  const lines = vars.map(([name, value]) => `export ${name}=${shellQuoted(value)}`);
  if (!password)
    lines.push(`export DRILL_PASSWORD="$(cat ${shellQuoted(labPasswordFile(status.stateDir))})"`);
  return lines;
}

/** FailoverShard calls of the last 24 hours: kept across labs on the same state dir; delete it to reset. */
const memoryDbQuotaFileName = 'memorydb-failover-calls.json';
export const memoryDbQuotaFile = (stateDir: string): string => join(stateDir, memoryDbQuotaFileName);
