import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Role } from '../../core/history.js';
import { LabFault } from '../api/fault.js';
import type { LabTiming } from '../client.js';
import type { GroundTruth } from '../groundtruth.js';
import { iamTokenProblem, type LabKeys, rdsTokenRules } from '../iam-token.js';
import { makeCertificates } from '../tls.js';
import { type AlterSystem, isAlterSystem, parseAlterSystem } from './alter-system.js';
import { type FrontDecision, InstanceFront } from './front.js';
import type { LoginPolicy } from './front-login.js';
import { MariadbInstance, nativePasswordHash, prepareTemplate } from './mariadb.js';
import type { LabNames } from './names.js';
import {
  auroraHostname,
  type InstanceFacts,
  mysqlVersionOf,
  rewriteStatement,
  type TopologyRow,
} from './rewrite.js';

/** How long each step of a failover or crash takes; `fast` keeps tests quick, `aurora` is close to the seed lab. */
export interface TimingProfile {
  name: LabTiming;
  /** From the failover request until the writer stops. */
  detectMs: number;
  /** How long the promoted reader is down while it restarts as the writer. */
  promoteRestartMs: number;
  /** How long the old writer is down before it comes back as a reader. */
  oldWriterRestartMs: number;
  /** After the promotion, how long until the cluster endpoint's DNS record names the new writer. */
  dnsDelayMs: number;
  /** ALTER SYSTEM CRASH INSTANCE|NODE and an instance killed behind the lab's back: time before it restarts. */
  crashRestartMs: number;
  /** ALTER SYSTEM CRASH DISPATCHER: connections are dropped and refused for this long. */
  dispatcherRestartMs: number;
}

export const timingProfiles: Record<TimingProfile['name'], TimingProfile> = {
  fast: {
    name: 'fast',
    detectMs: 100,
    promoteRestartMs: 300,
    oldWriterRestartMs: 800,
    dnsDelayMs: 1000,
    crashRestartMs: 300,
    dispatcherRestartMs: 200,
  },
  aurora: {
    name: 'aurora',
    detectMs: 1500,
    promoteRestartMs: 2500,
    oldWriterRestartMs: 5000,
    dnsDelayMs: 4000,
    crashRestartMs: 1500,
    dispatcherRestartMs: 800,
  },
};

export interface ClusterEvent {
  date: Date;
  sourceIdentifier: string;
  sourceType: 'db-cluster' | 'db-instance';
  message: string;
  eventCategories: string[];
  eventId?: string;
}

interface Faults {
  diskFailure?: { percent: number; until: number };
  congestion?: { percent: number; minMs: number; maxMs: number; until: number };
  replicaFailure?: { percent: number; until: number; timer: NodeJS.Timeout };
}

export interface LabInstance {
  id: string;
  n: number;
  address: string;
  availabilityZone: string;
  /** Aurora's failover order: the lowest tier is promoted first (0-15, 1 when not set, as RDS). */
  promotionTier: number;
  createdAt: Date;
  role: Role;
  status: 'available' | 'rebooting' | 'failing-over';
  accepting: boolean;
  /** read_only as the lab last set it on this instance (every start is read-only until promoted). */
  readOnly: boolean;
  sessionId: string;
  /** Wall-clock ms of the last moment the instance was up (for LAST_UPDATE_TIMESTAMP). */
  lastUpIso: number;
  replicaLagMs: number;
  cpu: number;
  db: MariadbInstance;
  front: InstanceFront;
  /** What the front accepts at login: its certificate once made, --require-tls, IAM tokens. */
  login: LoginPolicy;
  faults: Faults;
  /** A stop the lab itself ordered: an exit then is not a crash. */
  expectingExit: boolean;
}

export interface ClusterOptions {
  dir: string;
  names: LabNames;
  readers: number;
  user: string;
  password: string;
  timing: TimingProfile;
  /** Promote without waiting for the target to apply what the writer acknowledged (loses writes, on purpose). */
  lossy: boolean;
  groundTruth: GroundTruth;
  auroraVersion?: string;
  frontPort?: number;
  backendPort?: number;
  firstAddress?: number;
  /** Refuse logins without TLS at the fronts and the proxy (`drill lab up --require-tls`); TLS is always offered. */
  requireTls?: boolean;
  /** IAM database authentication: the user that logs in with tokens signed by the lab's keys. */
  iam?: { user: string; keys: LabKeys };
  /** Told of every process the cluster starts, the moment it starts it (the lab records them). */
  onSpawn?: (pid: number | undefined, kind: 'mariadbd' | 'mariadb-install-db') => void;
  /** Called just before the lab first binds address:port (a server's, a front's): lets go of a reservation. */
  beforeBind?: (address: string, port: number) => Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const sessionIdFor = (): string =>
  randomBytes(16)
    .toString('hex')
    .replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');

/**
 * The Aurora half of the lab: one real mariadbd per instance with GTID replication from the writer, each behind
 * an instance front on its own loopback address, failing over the way Aurora does. Every change is written to
 * the ground truth as it happens.
 */
export class AuroraLabCluster {
  readonly instances: LabInstance[] = [];
  readonly events: ClusterEvent[] = [];
  status: 'creating' | 'available' | 'failing-over' | 'stopped' = 'creating';
  /** The address the cluster endpoint resolves to: changes after the DNS delay, not at promotion. */
  clusterDnsAddress = '';
  readerDnsAddresses: string[] = [];
  readonly auroraVersion: string;
  readonly createdAt = new Date();
  readonly replPassword = randomBytes(12).toString('hex');
  /** The IAM user's MariaDB password: only the fronts know it, clients send tokens. */
  private readonly iamPassword = randomBytes(12).toString('hex');
  private poller: NodeJS.Timeout | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopping = false;
  private busy: Promise<void> = Promise.resolve();
  /** The lab's CA certificate (PEM), once made: clients trust it to verify the fronts. */
  caFile: string | undefined;
  /** The lab RDS Proxy's certificate (its endpoint's name), signed by the same CA. */
  proxyTls: SecureContext | undefined;

  constructor(readonly options: ClusterOptions) {
    this.auroraVersion = options.auroraVersion ?? '3.05.2';
    const first = options.firstAddress ?? 11;
    const iam = options.iam;
    const zones = ['a', 'b', 'c'];
    for (let n = 1; n <= options.readers + 1; n++) {
      const id = options.names.instanceId(n);
      const address = `127.0.0.${first + n - 1}`;
      const db = new MariadbInstance({
        dir: join(options.dir, id),
        address,
        port: this.backendPort,
        serverId: n,
        extraArgs: [
          '--log-bin=mysql-bin',
          '--binlog-format=ROW',
          '--log-slave-updates=ON',
          '--skip-slave-start',
          '--slave-net-timeout=2',
          `--report-host=${id}`,
        ],
        onSpawn: (pid) => options.onSpawn?.(pid, 'mariadbd'),
      });
      const instance: LabInstance = {
        id,
        n,
        address,
        availabilityZone: `${options.names.region}${zones[(n - 1) % zones.length]}`,
        promotionTier: 1,
        createdAt: this.createdAt,
        role: n === 1 ? 'writer' : 'reader',
        status: 'available',
        accepting: false,
        readOnly: true,
        sessionId: n === 1 ? 'MASTER_SESSION_ID' : sessionIdFor(),
        lastUpIso: Date.now(),
        replicaLagMs: 0,
        cpu: 0,
        db,
        front: undefined as unknown as InstanceFront,
        login: {
          tls: undefined,
          requireTls: options.requireTls === true,
          proxyAddress: `127.0.0.${first - 1}`,
          ...(iam
            ? {
                iam: {
                  user: iam.user,
                  check: (token: string, user: string) => {
                    // The client only hears RDS's 1045; the lab's log says why, for whoever debugs it.
                    const why = iamTokenProblem(token, user, iam.keys, rdsTokenRules);
                    if (why)
                      process.stderr.write(
                        `${new Date().toISOString()} ${id}: IAM token for ${user} refused: ${why}\n`,
                      );
                    return why;
                  },
                  backendPassword: this.iamPassword,
                },
              }
            : {}),
        },
        faults: {},
        expectingExit: false,
      };
      instance.front = new InstanceFront(
        address,
        this.frontPort,
        { host: address, port: this.backendPort },
        (sql) => this.onStatement(instance, sql),
        mysqlVersionOf(this.auroraVersion),
        instance.login,
      );
      db.onExit = () => this.onInstanceExit(instance);
      this.instances.push(instance);
    }
  }

  get frontPort(): number {
    return this.options.frontPort ?? 3306;
  }
  get backendPort(): number {
    return this.options.backendPort ?? 3307;
  }
  get writer(): LabInstance {
    return this.instances.find((i) => i.role === 'writer') as LabInstance;
  }
  get readers(): LabInstance[] {
    return this.instances.filter((i) => i.role === 'reader');
  }
  instance(id: string): LabInstance | undefined {
    return this.instances.find((i) => i.id === id);
  }

  /** Starts every instance, creates the users, wires replication, and opens the fronts. */
  async start(): Promise<void> {
    const gt = this.options.groundTruth;
    const template = await prepareTemplate(join(this.options.dir, 'template'), (pid) =>
      this.options.onSpawn?.(pid, 'mariadb-install-db'),
    );
    for (const i of this.instances) i.db.initFrom(template);
    await this.makeCertificates();
    await Promise.all(this.instances.map((i) => this.startReadOnly(i)));
    const w = this.writer;
    // Aurora's master user cannot write on a reader: READ_ONLY ADMIN is the one privilege it lacks. By its hash:
    // the statement goes to every binlog and relay log, and the password is in no file but the lab's `password`.
    await w.db.admin(
      `CREATE OR REPLACE USER ?@'%' IDENTIFIED BY PASSWORD ?; GRANT ALL PRIVILEGES ON *.* TO ?@'%' WITH GRANT OPTION;
       REVOKE READ_ONLY ADMIN ON *.* FROM ?@'%';
       CREATE OR REPLACE USER 'repl'@'%' IDENTIFIED BY ?; GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';`,
      [
        this.options.user,
        nativePasswordHash(this.options.password),
        this.options.user,
        this.options.user,
        this.replPassword,
      ],
    );
    const iam = this.options.iam;
    if (iam) {
      // RDS's IAM user (IDENTIFIED WITH AWSAuthenticationPlugin): the front checks its token and logs it in here.
      await w.db.admin(
        `CREATE OR REPLACE USER ?@'%' IDENTIFIED BY PASSWORD ?; GRANT ALL PRIVILEGES ON *.* TO ?@'%';
         REVOKE READ_ONLY ADMIN ON *.* FROM ?@'%';`,
        [iam.user, nativePasswordHash(this.iamPassword), iam.user, iam.user],
      );
    }
    await this.setReadOnly(w, false);
    for (const r of this.readers) await this.replicateFrom(r, w);
    const pos = await this.binlogPos(w);
    await Promise.all(this.readers.map((r) => this.waitApplied(r, pos, 30)));
    for (const i of this.instances) await this.open(i);
    this.clusterDnsAddress = w.address;
    this.readerDnsAddresses = this.readers.map((r) => r.address);
    gt.record('dns', { name: 'cluster', address: this.clusterDnsAddress });
    gt.record('dns', { name: 'cluster-ro', addresses: this.readerDnsAddresses });
    this.status = 'available';
    this.poller = setInterval(() => void this.poll(), 1000);
    this.poller.unref();
  }

  /**
   * Each instance's certificate names what RDS's do: its instance endpoint and the cluster's endpoints (not the
   * address: a client verifying identity must connect by name), signed by the lab's CA (`caFile`).
   */
  private async makeCertificates(): Promise<void> {
    const { names } = this.options;
    const certs = await makeCertificates(join(this.options.dir, 'tls'), 'drill lab Aurora CA', [
      ...this.instances.map((i) => ({
        name: i.id,
        dnsNames: [names.instanceHost(i.id), names.clusterEndpoint, names.readerEndpoint],
        addresses: [],
      })),
      { name: 'proxy', dnsNames: [names.proxyEndpoint], addresses: [] },
    ]);
    const proxy = certs.nodes.get('proxy');
    if (proxy) {
      this.proxyTls = createSecureContext({
        cert: readFileSync(proxy.certFile),
        key: readFileSync(proxy.keyFile),
      });
    }
    this.caFile = certs.caFile;
    for (const i of this.instances) {
      const cert = certs.nodes.get(i.id);
      if (!cert) continue;
      i.login.tls = createSecureContext({
        cert: readFileSync(cert.certFile),
        key: readFileSync(cert.keyFile),
      });
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.status = 'stopped';
    clearInterval(this.poller);
    for (const t of this.timers) clearTimeout(t);
    await Promise.all(
      this.instances.map(async (i) => {
        i.expectingExit = true;
        await i.front.close();
        await i.db.stop(5000);
      }),
    );
  }

  /** Facts the front needs for rewriting, as of now. */
  facts(i: LabInstance): InstanceFacts {
    return {
      serverId: i.id,
      readOnly: i.readOnly,
      auroraVersion: this.auroraVersion,
      identity: {
        version: mysqlVersionOf(this.auroraVersion),
        // What Aurora MySQL answers: it is built from source, not a distribution's package.
        versionComment: 'Source distribution',
        port: this.frontPort,
        hostname: auroraHostname(i.address),
      },
      topology: this.topology(),
    };
  }

  /** replica_host_status: instances that reported in the last 300 s, the writer as MASTER_SESSION_ID. */
  topology(): TopologyRow[] {
    const now = Date.now();
    return this.instances
      .filter((i) => i.accepting || now - i.lastUpIso < 300_000)
      .map((i) => ({
        serverId: i.id,
        sessionId: i.sessionId,
        replicaLagMs: i.role === 'writer' ? 0 : i.replicaLagMs,
        cpu: i.cpu,
        ageMs: i.accepting ? 0 : now - i.lastUpIso,
      }));
  }

  event(
    message: string,
    sourceIdentifier = this.options.names.clusterId,
    sourceType: ClusterEvent['sourceType'] = 'db-cluster',
    eventId?: string,
  ): void {
    this.events.push({
      date: new Date(),
      sourceIdentifier,
      sourceType,
      message,
      eventCategories: sourceType === 'db-cluster' ? ['failover'] : ['availability'],
      ...(eventId ? { eventId } : {}),
    });
  }

  /**
   * FailoverDBCluster: checks and returns at once; the choreography runs on. Aurora's order: the writer stops,
   * the target is promoted once it has applied everything the writer acknowledged (unless lossy), the old writer
   * returns as a reader of the new one, and the cluster endpoint follows after the DNS delay.
   */
  failover(targetId?: string): LabInstance {
    if (this.status !== 'available') {
      throw new LabFault(
        'InvalidDBClusterStateFault',
        `DBCluster ${this.options.names.clusterId} is in ${this.status} state.`,
      );
    }
    const readers = this.readers.filter((r) => r.accepting);
    let target: LabInstance | undefined;
    if (targetId !== undefined) {
      target = this.instance(targetId);
      if (!target) throw new LabFault('DBInstanceNotFound', `DBInstance ${targetId} not found.`, 404);
      if (target.role !== 'reader') {
        throw new LabFault(
          'InvalidDBInstanceState',
          `DBInstance ${targetId} is the writer: name a reader as the target.`,
        );
      }
    } else {
      target = promotionCandidate(readers);
    }
    if (!target)
      throw new LabFault(
        'InvalidDBClusterStateFault',
        'The cluster has no available reader to fail over to.',
      );
    this.status = 'failing-over';
    const chosen = target;
    this.busy = this.runFailover(chosen).catch((err) => {
      this.options.groundTruth.record('lab', { error: `failover failed: ${(err as Error).message}` });
      this.event(`Failover failed: ${(err as Error).message}`, undefined, undefined, 'RDS-EVENT-0069');
      this.status = 'available';
    });
    return chosen;
  }

  /** Resolves when no failover or reboot is running. */
  settled(): Promise<void> {
    return this.busy;
  }

  private async runFailover(target: LabInstance): Promise<void> {
    const gt = this.options.groundTruth;
    const t = this.options.timing;
    const old = this.writer;
    gt.record('failover-started', { from: old.id, to: target.id });
    this.event(
      `Started cross AZ failover to DB instance: ${target.id}`,
      undefined,
      undefined,
      'RDS-EVENT-0073',
    );
    if (this.options.lossy) await target.db.admin('STOP SLAVE');
    await sleep(t.detectMs);

    // The writer stops taking writes; what it acknowledged so far is in its binlog.
    old.status = 'failing-over';
    target.status = 'failing-over';
    let pos = '';
    if (!this.options.lossy) {
      await this.setReadOnly(old, true);
      pos = await this.binlogPos(old);
    }
    await this.crashProcess(old, 'failover');
    if (!this.options.lossy) await this.waitApplied(target, pos, 60);
    await target.db.admin('STOP SLAVE; RESET SLAVE ALL');
    await this.crashProcess(target, 'failover');

    const oldBack = (async () => {
      await sleep(t.oldWriterRestartMs);
      return old;
    })();

    await sleep(t.promoteRestartMs);
    await this.startReadOnly(target);
    await this.setReadOnly(target, false);
    const promotedAt = await this.binlogPos(target);
    old.role = 'reader';
    old.sessionId = sessionIdFor();
    target.role = 'writer';
    target.sessionId = 'MASTER_SESSION_ID';
    gt.record('role', { instance: target.id, role: 'writer' });
    gt.record('role', { instance: old.id, role: 'reader' });
    await this.open(target);
    gt.record('topology', { writer: target.id });
    for (const r of this.readers) if (r !== old && r.accepting) await this.replicateFrom(r, target);

    const dns = (async () => {
      await sleep(t.dnsDelayMs);
      this.clusterDnsAddress = target.address;
      this.readerDnsAddresses = this.readers.map((r) => r.address);
      gt.record('dns', { name: 'cluster', address: target.address });
      gt.record('dns', { name: 'cluster-ro', addresses: this.readerDnsAddresses });
    })();

    await oldBack;
    await this.startReadOnly(old);
    // Rejoin from the promotion point: in lossy mode this discards what the new writer never received.
    await old.db.admin(`SET GLOBAL gtid_slave_pos = ?`, [promotedAt]);
    await this.replicateFrom(old, target);
    await this.open(old);
    await dns;
    old.status = 'available';
    target.status = 'available';
    this.status = 'available';
    gt.record('failover-completed', { writer: target.id });
    this.event(`Completed failover to DB instance: ${target.id}`, undefined, undefined, 'RDS-EVENT-0071');
  }

  /** RebootDBInstance: a clean restart; with ForceFailover on the writer, a failover instead. */
  reboot(instanceId: string, forceFailover: boolean): LabInstance {
    const i = this.instance(instanceId);
    if (!i) throw new LabFault('DBInstanceNotFound', `DBInstance ${instanceId} not found.`, 404);
    if (i.status !== 'available' || this.status !== 'available') {
      throw new LabFault('InvalidDBInstanceState', `DBInstance ${instanceId} is not in available state.`);
    }
    if (forceFailover && i.role === 'writer' && this.readers.length > 0) {
      this.failover();
      return i;
    }
    i.status = 'rebooting';
    this.event('DB instance restarted', i.id, 'db-instance', 'RDS-EVENT-0006');
    this.busy = this.restart(i, this.options.timing.crashRestartMs, 'reboot').finally(() => {
      i.status = 'available';
    });
    return i;
  }

  /** ALTER SYSTEM CRASH: INSTANCE and NODE kill mariadbd (real crash recovery), DISPATCHER only the connections. */
  async crash(i: LabInstance, target: 'instance' | 'dispatcher' | 'node'): Promise<void> {
    const gt = this.options.groundTruth;
    gt.record('crash', { instance: i.id, target });
    if (target === 'dispatcher') {
      await this.shut(i);
      await sleep(this.options.timing.dispatcherRestartMs);
      await this.open(i);
      return;
    }
    await this.restart(i, this.options.timing.crashRestartMs, 'crash');
  }

  private async restart(i: LabInstance, downMs: number, why: string): Promise<void> {
    await this.crashProcess(i, why);
    await sleep(downMs);
    await this.bringBack(i);
  }

  /** Starts a stopped instance again in its current role. */
  private async bringBack(i: LabInstance): Promise<void> {
    if (this.stopping) return;
    await this.startReadOnly(i);
    if (i.role === 'writer') {
      await this.setReadOnly(i, false);
    } else {
      await i.db.admin('START SLAVE');
    }
    await this.open(i);
  }

  /** Kills mariadbd the way a crash does; the front refuses connections until the instance is back. */
  private async crashProcess(i: LabInstance, why: string): Promise<void> {
    i.expectingExit = true;
    await this.shut(i);
    await i.db.kill('SIGKILL');
    i.expectingExit = false;
    this.options.groundTruth.record('instance-down', { instance: i.id, why });
  }

  private async shut(i: LabInstance): Promise<void> {
    if (i.accepting) {
      i.accepting = false;
      i.lastUpIso = Date.now();
    }
    await i.front.close();
  }

  private async open(i: LabInstance): Promise<void> {
    await this.options.beforeBind?.(i.address, this.frontPort);
    await i.front.listen();
    i.accepting = true;
    i.lastUpIso = Date.now();
    this.options.groundTruth.record('instance-up', { instance: i.id, role: i.role, address: i.address });
  }

  /** mariadbd died without the lab asking (kill -9 from a shell, OOM): Aurora restarts it, so does the lab. */
  private onInstanceExit(i: LabInstance): void {
    if (i.expectingExit || this.stopping) return;
    void (async () => {
      await this.shut(i);
      this.options.groundTruth.record('instance-down', { instance: i.id, why: 'exited unexpectedly' });
      this.event('DB instance restarted', i.id, 'db-instance', 'RDS-EVENT-0006');
      await sleep(this.options.timing.crashRestartMs);
      await this.bringBack(i).catch((err) =>
        this.options.groundTruth.record('lab', {
          error: `restart of ${i.id} failed: ${(err as Error).message}`,
        }),
      );
    })();
  }

  private async replicateFrom(reader: LabInstance, writer: LabInstance): Promise<void> {
    await reader.db.admin(
      `STOP SLAVE; CHANGE MASTER TO MASTER_HOST=?, MASTER_PORT=?, MASTER_USER='repl', MASTER_PASSWORD=?,
       MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1; START SLAVE;`,
      [writer.address, this.backendPort, this.replPassword],
    );
  }

  private async binlogPos(i: LabInstance): Promise<string> {
    const rows = (await i.db.admin('SELECT @@gtid_binlog_pos AS pos')) as { pos: string }[];
    return rows[0]?.pos ?? '';
  }

  private async waitApplied(i: LabInstance, pos: string, timeoutS: number): Promise<void> {
    if (!pos) return;
    const rows = (await i.db.admin('SELECT MASTER_GTID_WAIT(?, ?) AS r', [pos, timeoutS])) as { r: number }[];
    if (rows[0]?.r !== 0) throw new Error(`${i.id} did not apply ${pos} within ${timeoutS} s`);
  }

  /** Every start is read-only: a restarted writer must not take writes before the lab has decided its role. */
  private async startReadOnly(i: LabInstance): Promise<void> {
    // A start still under way when the lab was told to stop starts no server.
    if (this.stopping) throw new Error(`the lab is stopping: ${i.id} is not started`);
    i.readOnly = true;
    await this.options.beforeBind?.(i.address, this.backendPort);
    await i.db.start(30_000, ['--read-only=ON']);
  }

  /** Sets read_only on the instance and remembers it, so the front answers @@innodb_read_only truly. */
  private async setReadOnly(i: LabInstance, on: boolean): Promise<void> {
    await i.db.admin(`SET GLOBAL read_only = ${on ? 'ON' : 'OFF'}`);
    i.readOnly = on;
    this.options.groundTruth.record(on ? 'writes-stopped' : 'writes-accepted', { instance: i.id });
  }

  /** Replica lag (from real replication) and CPU (from /proc) for replica_host_status. */
  private async poll(): Promise<void> {
    for (const i of this.instances) {
      if (!i.accepting) continue;
      try {
        if (i.role === 'reader') {
          const rows = (await i.db.admin('SHOW SLAVE STATUS')) as { Seconds_Behind_Master: number | null }[];
          const behind = rows[0]?.Seconds_Behind_Master;
          i.replicaLagMs = behind === null || behind === undefined ? 0 : behind * 1000;
        }
        i.cpu = cpuPercent(i);
      } catch {
        // the instance went away between the check and the query: the next poll sees it
      }
    }
  }

  /** The instance front's statement handler: faults, fault injection, and Aurora's SQL. */
  private async onStatement(i: LabInstance, sql: string): Promise<FrontDecision> {
    if (isAlterSystem(sql)) {
      const parsed = parseAlterSystem(sql);
      if ('error' in parsed) return { kind: 'error', errno: 1064, sqlState: '42000', message: parsed.error };
      return this.alterSystem(i, parsed);
    }
    const now = Date.now();
    const { diskFailure, congestion } = i.faults;
    if (diskFailure && now < diskFailure.until && Math.random() * 100 < diskFailure.percent) {
      return {
        kind: 'error',
        errno: 1030,
        sqlState: 'HY000',
        message: 'Got error 5 "Input/output error" from storage engine InnoDB (simulated disk failure)',
      };
    }
    if (congestion && now < congestion.until && Math.random() * 100 < congestion.percent) {
      await sleep(congestion.minMs + Math.random() * (congestion.maxMs - congestion.minMs));
    }
    return { kind: 'forward', sql: rewriteStatement(sql, this.facts(i)) };
  }

  private alterSystem(i: LabInstance, a: AlterSystem): FrontDecision {
    const gt = this.options.groundTruth;
    const until = Date.now() + ('forMs' in a ? a.forMs : 0);
    switch (a.kind) {
      case 'crash':
        // The session that asked is cut off with everyone else, as on Aurora.
        setImmediate(() => void this.crash(i, a.target).catch(() => {}));
        return { kind: 'drop' };
      case 'disk-failure':
        i.faults.diskFailure = { percent: a.percent, until };
        gt.record('fault', { instance: i.id, ...a });
        return { kind: 'ok' };
      case 'disk-congestion':
        i.faults.congestion = { percent: a.percent, minMs: a.minMs, maxMs: a.maxMs, until };
        gt.record('fault', { instance: i.id, ...a });
        return { kind: 'ok' };
      case 'replica-failure': {
        const targets = this.readers.filter((r) => a.replica === 'all' || r.id === a.replica);
        if (targets.length === 0) {
          return { kind: 'error', errno: 1105, sqlState: 'HY000', message: `Unknown replica '${a.replica}'` };
        }
        for (const r of targets) this.pauseReplication(r, a.percent, until);
        gt.record('fault', { instance: i.id, ...a, replicas: targets.map((r) => r.id) });
        return { kind: 'ok' };
      }
    }
  }

  /** Replication is stopped for `percent` of every second until `until`: lag grows as on a failing replica. */
  private pauseReplication(r: LabInstance, percent: number, until: number): void {
    if (r.faults.replicaFailure) clearTimeout(r.faults.replicaFailure.timer);
    const cycle = async (): Promise<void> => {
      if (Date.now() >= until || this.stopping) {
        await r.db.admin('START SLAVE SQL_THREAD').catch(() => {});
        r.faults.replicaFailure = undefined;
        return;
      }
      const offMs = Math.round(10 * percent);
      if (offMs > 0) await r.db.admin('STOP SLAVE SQL_THREAD').catch(() => {});
      await sleep(offMs);
      if (offMs < 1000) await r.db.admin('START SLAVE SQL_THREAD').catch(() => {});
      const timer = setTimeout(() => void cycle(), 1000 - offMs);
      this.timers.add(timer);
      r.faults.replicaFailure = { percent, until, timer };
    };
    void cycle();
  }
}

/**
 * The reader Aurora promotes when no target is named: the lowest promotion tier, then the largest instance. The
 * lab's instances are all one class, so within a tier the first reader (by instance number) is taken.
 */
export function promotionCandidate(readers: LabInstance[]): LabInstance | undefined {
  return [...readers].sort((a, b) => a.promotionTier - b.promotionTier || a.n - b.n)[0];
}

const lastCpu = new Map<number, { ticks: number; at: number }>();

function cpuPercent(i: LabInstance): number {
  const pid = i.db.pid;
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    const prev = lastCpu.get(pid);
    const now = Date.now();
    lastCpu.set(pid, { ticks, at: now });
    if (!prev || now === prev.at) return 0;
    return ((ticks - prev.ticks) * 10) / ((now - prev.at) / 100);
  } catch {
    return 0;
  }
}
