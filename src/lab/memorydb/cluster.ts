import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { cannotStart } from '../../core/errors.js';
import { LabFault } from '../api/fault.js';
import type { LabTiming, MemoryDbStatus } from '../client.js';
import type { GroundTruth } from '../groundtruth.js';
import { iamTokenProblem, type LabKeys, memorydbTokenRules } from '../iam-token.js';
import { makeCertificates } from '../tls.js';
import { type MemoryDbNames, shardName, slotRanges } from './names.js';
import { backendPort, clientPort, RedisNode } from './node.js';

/** How quickly the MemoryDB half of the lab moves; `fast` keeps tests quick, `aurora` is closer to the service. */
export interface MemoryDbTiming {
  /** cluster-node-timeout: how long a silent primary has before its replica is promoted. */
  nodeTimeoutMs: number;
  /** A killed node (or one that died) is started again after this long, and rejoins as a replica. */
  restartMs: number;
  /** From the FailoverShard call until the replica is told to take over. */
  failoverDelayMs: number;
  /** From "Recovering nodes" until the old primary's recovery may finish (it also waits for replication). */
  recoveryMs: number;
  /** With --lossy: how long writes land on the primary only, before the replica takes over. */
  lossyWindowMs: number;
}

export const memoryDbTimings: Record<LabTiming, MemoryDbTiming> = {
  fast: { nodeTimeoutMs: 2000, restartMs: 1000, failoverDelayMs: 50, recoveryMs: 200, lossyWindowMs: 300 },
  aurora: {
    nodeTimeoutMs: 5000,
    restartMs: 5000,
    failoverDelayMs: 2000,
    recoveryMs: 5000,
    lossyWindowMs: 1000,
  },
};

export interface MemoryDbLabOptions {
  dir: string;
  names: MemoryDbNames;
  shards: number;
  replicas: number;
  tls: boolean;
  /** Last octet of the first node's address: 11 puts nodes on 127.0.1.11, .12, ... */
  firstAddress: number;
  user: string;
  password: string;
  timing: MemoryDbTiming;
  /** FailoverShard cuts replication first and takes over: acknowledged writes are lost, on purpose. */
  lossy: boolean;
  groundTruth: GroundTruth;
  /** Told of each redis-server the moment it is spawned, before it is ready (the lab records its pid). */
  onSpawn?: (pid: number | undefined) => void;
  /** Called just before a node binds address:port (the lab lets its hold on it go). */
  beforeBind?: (address: string, port: number) => Promise<void>;
  /** A MemoryDB user with IAM authentication: tokens signed with the lab's keys log it in. */
  iam?: { user: string; keys: LabKeys };
}

export interface MemoryDbEvent {
  sourceName: string;
  sourceType: 'cluster' | 'node';
  message: string;
  date: Date;
}

export type NodeRole = 'primary' | 'replica';

export interface MemoryDbNode {
  name: string;
  shard: number;
  host: string;
  address: string;
  availabilityZone: string;
  createTime: Date;
  redis: RedisNode;
  client: Redis | undefined;
  /** The role the node last answered ROLE with (its configured role before the first answer). */
  role: NodeRole;
  /** Answering (not killed, not paused, not restarting). */
  up: boolean;
  /** A graceful failover asked this primary to pause writes. */
  handingOver: boolean;
  /** What the ground truth last said about its writes. */
  accepting: boolean;
  /** Why it went down, when the lab did it (`killed`); anything else is a crash. */
  downWhy: string | undefined;
  /** CLUSTER INFO said cluster_state:ok at the last answer. */
  clusterOk: boolean;
  polling: boolean;
  restartTimer: NodeJS.Timeout | undefined;
}

const port = clientPort;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The MemoryDB half of the lab: a Redis Cluster of real redis-server processes (shards of a primary and
 * replicas) on 127.0.1.x, with TLS, an ACL user and host names like MemoryDB's; FailoverShard as a real
 * `CLUSTER FAILOVER`; kills and pauses. A watcher asks every node for its ROLE (every 50 ms around a fault)
 * and writes what changed to the ground truth as it happens.
 */
export class MemoryDbLabCluster {
  readonly nodes: MemoryDbNode[] = [];
  readonly events: MemoryDbEvent[] = [];
  onEvent: ((e: MemoryDbEvent) => void) | undefined;
  caFile: string | null = null;
  /** The shard whose FailoverShard is running (from the call until its recovery finished). */
  failingOver: string | undefined;
  private stopping = false;
  private watcher: NodeJS.Timeout | undefined;
  private hotUntil = 0;
  private readonly primaryOf = new Map<number, string>();
  private readonly recovering = new Map<string, Promise<void>>();
  /** Replicas log in to their primary as the nodes' own replication user, with this password. */
  private readonly replicationPassword = randomBytes(16).toString('hex');
  /** What redis-server knows the IAM user by; clients never see it (the fronts swap a good token for it). */
  private readonly iamPassword = randomBytes(16).toString('hex');

  constructor(readonly options: MemoryDbLabOptions) {
    const { names, shards, replicas, firstAddress, iam } = options;
    const rules = memorydbTokenRules(names.clusterName);
    const zones = ['a', 'b', 'c'];
    for (let s = 1; s <= shards; s++) {
      for (let n = 1; n <= replicas + 1; n++) {
        const name = names.nodeName(s, n);
        const address = `127.0.1.${firstAddress + this.nodes.length}`;
        const host = names.nodeHost(name);
        this.nodes.push({
          name,
          shard: s,
          host,
          address,
          availabilityZone: `${names.region}${zones[(s + n - 2) % zones.length]}`,
          createTime: new Date(),
          redis: new RedisNode({
            dir: join(options.dir, name),
            name,
            host,
            address,
            port,
            user: options.user,
            password: options.password,
            replicationPassword: this.replicationPassword,
            nodeTimeoutMs: options.timing.nodeTimeoutMs,
            tls: undefined,
            iam: iam && {
              user: iam.user,
              password: this.iamPassword,
              check: (token) => iamTokenProblem(token, iam.user, iam.keys, rules),
            },
            ...(options.onSpawn ? { onSpawn: options.onSpawn } : {}),
            ...(options.beforeBind ? { beforeBind: options.beforeBind } : {}),
          }),
          client: undefined,
          role: n === 1 ? 'primary' : 'replica',
          up: false,
          handingOver: false,
          accepting: false,
          downWhy: undefined,
          clusterOk: false,
          polling: false,
          restartTimer: undefined,
        });
      }
    }
  }

  get port(): number {
    return port;
  }

  /** Certificates, processes, the cluster itself (slots, replicas), then the watcher. */
  async start(): Promise<void> {
    const o = this.options;
    if (o.tls) {
      const certs = await makeCertificates(
        join(o.dir, 'tls'),
        'drill lab MemoryDB CA',
        this.nodes.map((n) => ({
          name: n.name,
          dnsNames: [n.host, o.names.clusterEndpoint],
          addresses: [n.address],
        })),
      );
      this.caFile = certs.caFile;
      for (const n of this.nodes) {
        const cert = certs.nodes.get(n.name);
        if (cert) n.redis.options.tls = { caFile: certs.caFile, cert };
      }
    }
    await Promise.all(this.nodes.map((n) => n.redis.start()));
    for (const n of this.nodes) {
      n.redis.onExit = () => this.exited(n);
      n.client = this.connect(n);
    }
    await this.until('every node answers', async () => this.nodes.every((n) => n.client?.status === 'ready'));
    await this.form();
    for (const n of this.nodes) {
      n.up = true;
      n.clusterOk = true;
      n.createTime = new Date();
      if (n.role === 'primary') this.primaryOf.set(n.shard, n.name);
      this.record('role', n, { role: n.role });
      this.settle(n);
    }
    this.poll();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.watcher);
    for (const n of this.nodes) {
      clearTimeout(n.restartTimer);
      n.client?.disconnect();
    }
    await Promise.allSettled(this.nodes.map((n) => n.redis.stop()));
  }

  /** Slots to the primaries, every node meets the first, replicas follow their shard's primary. */
  private async form(): Promise<void> {
    const ranges = slotRanges(this.options.shards);
    const first = this.nodes[0] as MemoryDbNode;
    for (const [i, n] of this.nodes.entries()) {
      await this.command(n, 'CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1));
      if (n.role === 'primary') {
        const [from, to] = ranges[n.shard - 1] as [number, number];
        await this.command(n, 'CLUSTER', 'ADDSLOTSRANGE', String(from), String(to));
      }
    }
    for (const n of this.nodes.slice(1))
      await this.command(first, 'CLUSTER', 'MEET', n.address, String(port));
    const ids = new Map<string, string>();
    for (const n of this.nodes) ids.set(n.name, String(await this.command(n, 'CLUSTER', 'MYID')));
    /** One line per node this node knows: `<id> <ip:port@cport> <flags> <primary id> ...`. */
    const seenBy = async (n: MemoryDbNode) =>
      String(await this.command(n, 'CLUSTER', 'NODES'))
        .trim()
        .split('\n');
    await this.until('every node knows every other', async () => {
      for (const n of this.nodes) {
        const known = await seenBy(n);
        if (known.length < this.nodes.length || known.some((l) => / (handshake|noaddr)/.test(l)))
          return false;
      }
      return true;
    });
    // Each replica's id and its shard's primary's: what REPLICATE tells it, and what every node must come to see.
    const follows = this.nodes
      .filter((n) => n.role === 'replica')
      .map((r) => {
        const primary = this.shardNodes(r.shard).find((p) => p.role === 'primary') as MemoryDbNode;
        return { replica: r, id: ids.get(r.name) as string, primaryId: ids.get(primary.name) as string };
      });
    for (const f of follows) await this.command(f.replica, 'CLUSTER', 'REPLICATE', f.primaryId);
    await this.until('the cluster is ok and every replica in sync', async () => {
      for (const n of this.nodes) {
        const info = String(await this.command(n, 'CLUSTER', 'INFO'));
        if (!info.includes('cluster_state:ok')) return false;
        if (n.role === 'replica' && !(await this.linkUp(n))) return false;
      }
      return true;
    });
    // Ready once every node tells the same story: a replica's own view changes at REPLICATE, the others' by
    // gossip. Until then a node may list a replica as a primary of no slots, and a client reading CLUSTER
    // SHARDS from it would not know the replica belongs to its shard.
    await this.until('every node sees every replica with its primary', async () => {
      for (const n of this.nodes) {
        const lines = await seenBy(n);
        for (const f of follows) {
          const fields = lines.find((l) => l.startsWith(`${f.id} `))?.split(' ') ?? [];
          if (!fields[2]?.split(',').includes('slave') || fields[3] !== f.primaryId) return false;
        }
      }
      return true;
    });
  }

  private async until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (await check().catch(() => false)) return;
      if (Date.now() > until)
        throw cannotStart(`the MemoryDB cluster did not form: not ${what} within ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  /** The lab's own connection to a node: redis-server's plain port, past the front clients go through. */
  private connect(n: MemoryDbNode): Redis {
    const client = new Redis({
      host: n.address,
      port: backendPort,
      username: this.options.user,
      password: this.options.password,
      enableOfflineQueue: false,
      enableReadyCheck: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 1000,
      retryStrategy: () => 100,
      connectTimeout: 1000,
    });
    client.on('error', () => {});
    return client;
  }

  private async command(n: MemoryDbNode, ...args: string[]): Promise<unknown> {
    if (!n.client) throw new Error(`${n.name} has no connection`);
    return n.client.call(args[0] as string, ...args.slice(1));
  }

  private async linkUp(n: MemoryDbNode): Promise<boolean> {
    const info = String(await this.command(n, 'INFO', 'replication'));
    return info.includes('master_link_status:up');
  }

  // ---- what the lab reports --------------------------------------------------------------------------------

  status(): MemoryDbStatus {
    const ranges = slotRanges(this.options.shards);
    return {
      clusterName: this.options.names.clusterName,
      clusterEndpoint: this.options.names.clusterEndpoint,
      port,
      user: this.options.user,
      ...(this.options.iam ? { iamUser: this.options.iam.user } : {}),
      tls: this.options.tls,
      caFile: this.caFile,
      shards: ranges.map(([from, to], i) => ({
        name: shardName(i + 1),
        slots: `${from}-${to}`,
        nodes: this.shardNodes(i + 1).map((n) => ({
          name: n.name,
          host: n.host,
          address: n.address,
          role: n.role,
          pid: n.redis.pid ?? null,
        })),
      })),
    };
  }

  shardNodes(shard: number): MemoryDbNode[] {
    return this.nodes.filter((n) => n.shard === shard);
  }

  /** The lab's DNS: every node's host name, and the cluster endpoint (every node). */
  resolveName(name: string): string[] | undefined {
    if (name === this.options.names.clusterEndpoint) return this.nodes.map((n) => n.address);
    const node = this.nodes.find((n) => n.host === name);
    return node ? [node.address] : undefined;
  }

  node(name: string): MemoryDbNode | undefined {
    return this.nodes.find((n) => n.name === name);
  }

  private event(message: string): void {
    const e: MemoryDbEvent = {
      sourceName: this.options.names.clusterName,
      sourceType: 'cluster',
      message,
      date: new Date(),
    };
    this.events.push(e);
    this.onEvent?.(e);
  }

  private record(
    kind: Parameters<GroundTruth['record']>[0],
    n: MemoryDbNode,
    more: Record<string, unknown> = {},
  ) {
    this.options.groundTruth.record(kind, { instance: n.name, shard: shardName(n.shard), ...more });
  }

  // ---- FailoverShard -----------------------------------------------------------------------------------------

  /**
   * FailoverShard: checks, then runs in the background (the API answers at once, as MemoryDB does). Graceful:
   * `CLUSTER FAILOVER` on an in-sync replica, which waits for it to catch up. Lossy: replication cut, then
   * `CLUSTER FAILOVER TAKEOVER`.
   */
  failoverShard(name: string): void {
    const shard = Number(name);
    if (!/^\d{4}$/.test(name) || shard < 1 || shard > this.options.shards) {
      throw new LabFault('ShardNotFoundFault', `Shard ${name} not found.`);
    }
    if (this.failingOver !== undefined) {
      throw new LabFault(
        'InvalidClusterStateFault',
        `Cluster ${this.options.names.clusterName} is not in a valid state: a failover of shard ${this.failingOver} is in progress.`,
      );
    }
    const primary = this.shardNodes(shard).find((n) => n.role === 'primary' && n.up);
    if (!primary) {
      throw new LabFault(
        'InvalidClusterStateFault',
        `Cluster ${this.options.names.clusterName} is not in a valid state: shard ${name} has no available primary.`,
      );
    }
    const replica = this.shardNodes(shard).find(
      (n) => n.role === 'replica' && n.up && !this.recovering.has(n.name),
    );
    if (!replica) {
      throw new LabFault(
        'TestFailoverNotAvailableFault',
        `Shard ${name} of cluster ${this.options.names.clusterName} has no available replica to fail over to.`,
      );
    }
    this.failingOver = name;
    this.event(`FailoverShard API called for shard ${name}`);
    this.options.groundTruth.record('failover-started', {
      shard: name,
      from: primary.name,
      to: replica.name,
    });
    void this.runFailover(primary, replica).finally(() => {
      this.failingOver = undefined;
    });
  }

  private async runFailover(primary: MemoryDbNode, replica: MemoryDbNode): Promise<void> {
    const t = this.options.timing;
    this.hot(60_000);
    await sleep(t.failoverDelayMs);
    const log = (what: string) =>
      process.stderr.write(
        `${new Date().toISOString()} FailoverShard ${primary.name} -> ${replica.name}: ${what}\n`,
      );
    const done = () => replica.role === 'primary' && primary.role === 'replica';
    let swapped = false;
    try {
      if (this.options.lossy) {
        // The replica drops its link and cannot log in again: what the primary acknowledges now stays there.
        await this.command(replica, 'CONFIG', 'SET', 'masterauth', 'replication-cut-by-the-lab');
        await this.command(replica, 'CLIENT', 'KILL', 'TYPE', 'master');
        await sleep(t.lossyWindowMs);
      } else {
        // The primary pauses writes as soon as the replica asks it to (MFSTART), until the replica took over.
        primary.handingOver = true;
        this.settle(primary);
      }
      // A manual failover that does not complete (Redis gives up after 5 s) is asked for again, twice at most.
      for (let attempt = 1; attempt <= 3 && !swapped && !this.stopping; attempt++) {
        const args = this.options.lossy ? ['CLUSTER', 'FAILOVER', 'TAKEOVER'] : ['CLUSTER', 'FAILOVER'];
        await this.command(replica, ...args).catch((err: Error) => log(`attempt ${attempt}: ${err.message}`));
        swapped = await this.waitFor(done, 7000);
      }
      if (!swapped) log('the replica did not take over');
    } catch (err) {
      log((err as Error).message);
    } finally {
      if (this.options.lossy) {
        await this.command(replica, 'CONFIG', 'SET', 'masterauth', this.replicationPassword).catch(() => {});
      }
      primary.handingOver = false;
      this.settle(primary);
    }
    if (swapped) await this.recover(primary);
  }

  /**
   * "Recovering nodes A" as soon as A lost its primary role, "Finished recovery for nodes A" once A is up and
   * replicates from the new primary. One recovery per node at a time: a second call joins the first.
   */
  private recover(n: MemoryDbNode): Promise<void> {
    const running = this.recovering.get(n.name);
    if (running) return running;
    const recovery = (async () => {
      this.event(`Recovering nodes ${n.name}`);
      await sleep(this.options.timing.recoveryMs);
      await this.waitFor(() => n.up && n.role === 'replica', 120_000);
      while (!this.stopping && !(await this.linkUp(n).catch(() => false))) await sleep(100);
      if (!this.stopping) this.event(`Finished recovery for nodes ${n.name}`);
    })().finally(() => this.recovering.delete(n.name));
    this.recovering.set(n.name, recovery);
    return recovery;
  }

  private async waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (!check()) {
      if (this.stopping || Date.now() > until) return false;
      await sleep(20);
    }
    return true;
  }

  // ---- hard faults -----------------------------------------------------------------------------------------

  /** SIGKILL: the cluster promotes a replica by itself; the lab starts the node again after `restartMs`. */
  async kill(name: string): Promise<MemoryDbNode> {
    const n = this.requireNode(name);
    this.hot(60_000);
    n.downWhy = 'killed';
    await n.redis.kill();
    return n;
  }

  /** SIGSTOP now, SIGCONT after `ms`: a hang, which the cluster may take for a failure. */
  pause(name: string, ms: number): MemoryDbNode {
    const n = this.requireNode(name);
    if (!n.redis.running)
      throw new LabFault('InvalidNodeState', `${name} is not running (killed or restarting)`);
    if (n.redis.paused) throw new LabFault('InvalidNodeState', `${name} is already paused`);
    this.hot(ms + 60_000);
    n.redis.signal('SIGSTOP');
    this.down(n, 'paused');
    setTimeout(() => {
      n.redis.signal('SIGCONT');
      this.hot(30_000);
    }, ms).unref();
    return n;
  }

  private requireNode(name: string): MemoryDbNode {
    const n = this.node(name);
    if (!n) throw this.noSuchNode(name);
    return n;
  }

  noSuchNode(name: string): LabFault {
    return new LabFault(
      'NodeNotFound',
      `no node ${name}: the nodes are ${this.nodes.map((x) => x.name).join(', ')}`,
    );
  }

  private exited(n: MemoryDbNode): void {
    if (this.stopping) return;
    this.hot(60_000);
    const why = n.downWhy ?? 'crashed';
    n.downWhy = undefined;
    this.down(n, why);
    void this.restartLater(n, n.role === 'primary');
  }

  /** A dead primary's replica takes over first (as in MemoryDB, which replaces the failed node afterwards). */
  private async restartLater(n: MemoryDbNode, wasPrimary: boolean): Promise<void> {
    if (wasPrimary) await this.takeOverIfStuck(n.shard);
    if (this.stopping) return;
    n.restartTimer = setTimeout(() => void this.restart(n), this.options.timing.restartMs);
  }

  private down(n: MemoryDbNode, why: string): void {
    n.up = false;
    this.record('instance-down', n, { why });
    this.settle(n);
  }

  private async restart(n: MemoryDbNode): Promise<void> {
    if (this.stopping) return;
    try {
      await n.redis.start();
    } catch (err) {
      process.stderr.write(`${new Date().toISOString()} restarting ${n.name}: ${(err as Error).message}\n`);
      n.restartTimer = setTimeout(() => void this.restart(n), this.options.timing.restartMs);
    }
  }

  /**
   * With fewer than 3 shards the remaining primaries are no majority, so Redis never promotes by itself;
   * MemoryDB does. After twice the node timeout the lab takes over with the replica, as MemoryDB's control
   * plane would.
   */
  private async takeOverIfStuck(shard: number): Promise<void> {
    const promoted = () => this.shardNodes(shard).some((x) => x.up && x.role === 'primary');
    if (await this.waitFor(promoted, this.options.timing.nodeTimeoutMs * 2 + 1000)) return;
    const replica = this.shardNodes(shard).find((x) => x.up && x.role === 'replica');
    if (!replica) return;
    await this.command(replica, 'CLUSTER', 'FAILOVER', 'TAKEOVER').catch(() => {});
    await this.waitFor(promoted, 5000);
  }

  // ---- the watcher -----------------------------------------------------------------------------------------

  private hot(ms: number): void {
    this.hotUntil = Math.max(this.hotUntil, Date.now() + ms);
  }

  private poll(): void {
    if (this.stopping) return;
    for (const n of this.nodes) {
      if (n.polling || !n.redis.running || n.redis.paused) continue;
      n.polling = true;
      Promise.all([this.command(n, 'ROLE'), this.command(n, 'CLUSTER', 'INFO')])
        .then(([role, info]) => {
          const ok = String(info).includes('cluster_state:ok');
          this.observe(n, (role as string[])[0] === 'master' ? 'primary' : 'replica', ok);
        })
        .catch(() => {})
        .finally(() => {
          n.polling = false;
        });
    }
    this.watcher = setTimeout(() => this.poll(), Date.now() < this.hotUntil ? 50 : 250);
  }

  /**
   * A node answered ROLE and CLUSTER INFO: records it coming back, role changes, and a shard's new primary. A
   * restarted node counts as up once its cluster state is ok: until then it refuses commands (CLUSTERDOWN), and
   * a former primary may still call itself master.
   */
  private observe(n: MemoryDbNode, role: NodeRole, clusterOk: boolean): void {
    if (this.stopping || !n.redis.running || n.redis.paused) return;
    if (n.clusterOk !== clusterOk) {
      n.clusterOk = clusterOk;
      this.hot(30_000);
    }
    if (!n.up && !clusterOk) return;
    const changed = role !== n.role;
    const cameUp = !n.up;
    // A new primary is one that became primary; the old one may still call itself master for a moment.
    const old = this.primaryOf.get(n.shard);
    const promoted = role === 'primary' && (changed || cameUp) && old !== n.name;
    const former = promoted && old !== undefined ? this.node(old) : undefined;
    // A dead former primary comes back as a replica: say so at once (lab.json) rather than show two primaries.
    if (former && !former.up) former.role = 'replica';
    n.role = role;
    if (cameUp) {
      n.up = true;
      this.record('instance-up', n, { role });
    } else if (changed) this.record('role', n, { role });
    if (changed && role === 'primary') this.hot(30_000);
    this.settle(n);
    if (!promoted) return;
    this.primaryOf.set(n.shard, n.name);
    this.options.groundTruth.record('failover-completed', {
      shard: shardName(n.shard),
      instance: n.name,
      writer: n.name,
      from: old,
    });
    this.event(`Failover from primary node ${old} to replica node ${n.name} completed`);
    if (former) void this.recover(former);
  }

  /**
   * writes-accepted / writes-stopped whenever whether the node takes writes as a primary changes: up, primary,
   * not handing over to its replica, and its cluster state ok (with full slot coverage required, as in Redis,
   * every primary answers CLUSTERDOWN between one primary's failure and its replica's promotion).
   */
  private settle(n: MemoryDbNode): void {
    const accepting = n.up && n.role === 'primary' && !n.handingOver && n.clusterOk;
    if (accepting === n.accepting) return;
    n.accepting = accepting;
    this.record(accepting ? 'writes-accepted' : 'writes-stopped', n);
  }
}
