/**
 * Which loopback addresses each integration test file uses. Test files run side by side (and other people's
 * runs share the machine), and every lab instance listens on port 3306 of its own address, so no two blocks
 * may overlap: test files take their addresses from here, and test/unit/addresses.test.ts checks the table.
 *
 * A lab started with `--first-address N` puts its proxy on 127.0.0.(N-1) and its instances on N, N+1, ...
 * (the writer and one per reader); its DNS server and API listen on 127.0.0.1 at free ports. 127.0.0.1 itself
 * is the machine's own: no test starts a server there.
 *
 * | file                           | block               | addresses                                        |
 * | ------------------------------ | ------------------- | ------------------------------------------------ |
 * | (by hand) `drill lab up`       | default lab         | proxy .10, instances .11-.19 (8 readers at most) |
 * | (by hand) `drill aurora --lab` | throwaway lab       | proxy .20, instances .21-.22                     |
 * | bench/wrapper-failover.mjs     | lab                 | proxy .23, instances .24-.25                     |
 * | lab-identity.test.ts           | lab                 | proxy .30, instances .31-.32                     |
 * | wrapper-failover.test.ts       | lab                 | proxy .35, instances .36-.37                     |
 * | simple-monitor.test.ts         | database, refused   | .42 (MariaDB), .43 (nothing listens)             |
 * | proxy-sessions.test.ts         | lab                 | proxy .45, instances .46-.47                     |
 * | lab.test.ts                    | lab                 | proxy .60, instances .61-.62                     |
 * | lab-rds-api.test.ts            | 3-instance lab      | proxy .65, instances .66-.68                     |
 * | lab-drill.test.ts              | throwaway, ledger   | proxy .70, .71-.72; proxy .75, .76-.77           |
 * | report.test.ts                 | throwaway           | proxy .80, instances .81-.82                     |
 * | aurora-modes.test.ts           | main, single, lossy | .85, .86-.87; .90, .91 (no reader); .95, .96-.97 |
 * | lab-notify-api.test.ts         | lab                 | proxy .110, instances .111-.112                  |
 * | notify.test.ts                 | lab                 | proxy .120, instances .121-.122                  |
 * | html-report.test.ts            | lab                 | proxy .125, instances .126-.127                  |
 * | aurora-load.test.ts            | lab                 | proxy .130, instances .131-.132                  |
 * | aurora-safety.test.ts          | lab                 | proxy .135, instances .136-.137                  |
 * | lab-collision.test.ts          | two labs; second lab| proxy .138, .139-.140; proxy .148, .149          |
 * | lab-given-values.test.ts       | lab                 | proxy .141, instances .142-.143                  |
 * | drill-notifications.test.ts    | lab                 | proxy .145, instances .146-.147                  |
 * | aurora-tls.test.ts             | lab, require-tls lab| proxy .115, .116-.117; proxy .225, .226-.227     |
 * | bad-input.test.ts              | refused             | .180 (nothing listens)                           |
 * | aws-timeouts.test.ts           | silent API, database| .231 (accepts, never answers), .232 (MariaDB)    |
 * | lab-safety.test.ts             | five labs           | .150, .151-.152; .155, …; .160; .165; .170-.172  |
 * | lab-memorydb.test.ts           | lab, lossy lab      | proxy .190, .191-.192; proxy .195, .196          |
 * | memorydb-drill.test.ts         | labs (their Aurora) | proxy .210, .211-.212; proxy .220, .221-.222     |
 * | lab-throwaway.test.ts          | throwaway labs      | proxy .243, instances .244-.245                  |
 * | lab-secrets.test.ts            | lab                 | proxy .247, instances .248-.249                  |
 *
 * MemoryDB nodes (`drill lab up --memorydb --memorydb-first-address N`) listen on 127.0.1.N, N+1, ... (port 6379,
 * cluster bus 16379): the third octet 1 keeps them apart from the Aurora addresses above. Their own table:
 *
 * | file                           | block               | addresses                                        |
 * | ------------------------------ | ------------------- | ------------------------------------------------ |
 * | (by hand) `drill lab up`       | default lab         | 127.0.1.11-.16 (3 shards x 2; up to .20)         |
 * | (by hand) `drill aurora --lab` | throwaway lab       | 127.0.1.21-.26                                   |
 * | lab-memorydb.test.ts           | lab, lossy lab      | 127.0.1.61-.66 (3 x 2); 127.0.1.71-.72 (1 x 2)   |
 * | memorydb-drill.test.ts         | lab, lossy lab      | 127.0.1.101-.106 (3 x 2); 127.0.1.111-.112 (1 x 2)|
 * | lab-throwaway.test.ts          | throwaway lab       | 127.0.1.170-.175 (3 x 2)                         |
 * | lab-given-values.test.ts       | lab                 | 127.0.1.130-.131 (1 x 2)                         |
 * | lab-collision.test.ts          | two labs, one block | 127.0.1.140-.141 (1 x 2)                         |
 * | lab-secrets.test.ts            | lab, lone nodes     | 127.0.1.176-.177 (1 x 2); 127.0.1.178-.179       |
 *
 * A by-hand lab of more than 10 nodes (5 shards x 2 replicas is 15) reaches the throwaway lab's .21 and up.
 *
 * Bench scripts are run by hand, one at a time, and take: bench/lab.mjs 127.0.0.80 and up, drill-accuracy .100-.102,
 * load-distortion .103-.105, dns-cache .185-.187, lab-memorydb .100-.102 and 127.0.1.81-.86, memorydb-front
 * .100-.102 and 127.0.1.81-.82, memorydb-drill .240-.242 and 127.0.1.150-.163. Do not run one beside the test
 * suite.
 */

/** Loopback addresses by last octet: `first` and the ones after it, plus the one below for a lab's proxy. */
export interface AddressBlock {
  /** A lab's `--first-address` (its first instance), or a lone server's address. */
  first: number;
  /** Instances of a lab (writer + readers), or addresses of lone servers. */
  count: number;
  /** A lab: its proxy sits on first - 1. */
  proxy: boolean;
  /** The third octet: 0 for Aurora instances and lone servers, 1 for MemoryDB nodes (127.0.1.x). */
  net?: 0 | 1;
}

const lab = (first: number, instances = 2): AddressBlock => ({ first, count: instances, proxy: true });
const server = (first: number): AddressBlock => ({ first, count: 1, proxy: false });
const memorydb = (first: number, nodes = 6): AddressBlock => ({ first, count: nodes, proxy: false, net: 1 });

export const addresses = {
  /** Not test files: the defaults a person gets (`--first-address` 11, `DRILL_LAB_FIRST_ADDRESS` 21). */
  byHand: {
    lab: lab(11, 9),
    throwaway: lab(21),
    memorydb: memorydb(11, 10),
    memorydbThrowaway: memorydb(21),
    /** bench/wrapper-failover.mjs. */
    wrapperBench: lab(24),
  },
  labIdentity: { lab: lab(31) },
  wrapperFailover: { lab: lab(36) },
  simpleMonitor: { database: server(42), refused: server(43) },
  proxySessions: { lab: lab(46) },
  lab: { lab: lab(61) },
  labRdsApi: { lab: lab(66, 3) },
  labDrill: { throwaway: lab(71), ledger: lab(76) },
  report: { throwaway: lab(81) },
  auroraModes: { main: lab(86), single: lab(91, 1), lossy: lab(96) },
  labNotifyApi: { lab: lab(111) },
  notify: { lab: lab(121) },
  htmlReport: { lab: lab(126) },
  auroraLoad: { lab: lab(131) },
  auroraSafety: { lab: lab(136) },
  labCollision: { lab: lab(139), second: lab(149, 1), memorydb: memorydb(140, 2) },
  labGivenValues: { lab: lab(142), memorydb: memorydb(130, 2) },
  drillNotifications: { lab: lab(146) },
  auroraTls: { lab: lab(116), requireTls: lab(226) },
  badInput: { refused: server(180) },
  awsTimeouts: { silentApi: server(231), database: server(232) },
  labSafety: {
    ephemeral: lab(151),
    foreground: lab(156),
    detach: lab(161),
    taken: lab(166),
    exports: lab(171),
  },
  labMemorydb: {
    lab: lab(191),
    lossyLab: lab(196, 1),
    memorydb: memorydb(61),
    lossyMemorydb: memorydb(71, 2),
  },
  memorydbDrill: {
    lab: lab(211),
    memorydb: memorydb(101),
    lossyLab: lab(221),
    lossyMemorydb: memorydb(111, 2),
  },
  labThrowaway: { lab: lab(244), memorydb: memorydb(170) },
  labSecrets: { lab: lab(248), memorydb: memorydb(176, 2), node: memorydb(178, 2) },
} as const;

export const loopback = (octet: number): string => `127.0.0.${octet}`;

/** Every last octet a block takes: a lab's proxy, then its instances. */
export function octets(block: AddressBlock): number[] {
  const from = block.proxy ? block.first - 1 : block.first;
  return Array.from({ length: block.first + block.count - from }, (_, i) => from + i);
}
