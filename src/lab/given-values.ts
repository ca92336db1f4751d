import { quote, usageError } from '../core/errors.js';
import { parseEndpoint } from '../net/endpoint.js';

/**
 * With `--lab-state-dir`, a drill takes its endpoint, user, password, cluster, proxy endpoint and DNS server from
 * the running lab. A value typed on the command line that says otherwise is a mistake the user should hear about
 * (exit 2), not a value silently replaced; one from the environment (DRILL_ENDPOINT, DRILL_PASSWORD, ... as a
 * previous lab's export lines left them) gives way to the lab's without a word.
 */
export interface LabValue {
  /** The option, as help shows it: `--endpoint`. */
  option: string;
  /** What the command line gave; undefined when it gave nothing (or the value came from the environment). */
  given: string | undefined;
  /** The lab's value. */
  lab: string;
  /** How the two compare (default: exactly). */
  kind?: 'exact' | 'id' | 'endpoint' | 'secret';
  /** The port an endpoint without one has. */
  defaultPort?: number;
}

/** Host names are case-insensitive and may end with the root's dot; the port defaults as the option's does. */
function sameEndpoint(given: string, lab: string, defaultPort: number): boolean {
  const a = parseEndpoint(given, defaultPort);
  const b = parseEndpoint(lab, defaultPort);
  const host = (h: string): string => h.toLowerCase().replace(/\.$/, '');
  return host(a.host) === host(b.host) && a.port === b.port;
}

export function sameAsLab(v: LabValue & { given: string }): boolean {
  switch (v.kind ?? 'exact') {
    case 'endpoint':
      return sameEndpoint(v.given, v.lab, v.defaultPort ?? 3306);
    case 'id':
      // Cluster identifiers are stored in lowercase by RDS and MemoryDB alike.
      return v.given.trim().toLowerCase() === v.lab.toLowerCase();
    default:
      return v.given === v.lab;
  }
}

/** The first command-line value that disagrees with the lab's, as a one-line message; undefined when all agree. */
export function disagreement(values: readonly LabValue[], stateDir: string): string | undefined {
  for (const v of values) {
    if (v.given === undefined || sameAsLab({ ...v, given: v.given })) continue;
    const lab = `--lab-state-dir ${stateDir}`;
    if (v.kind === 'secret') {
      return `the password given (${v.option}) does not match the lab's (${lab}): leave it out and the lab's is used`;
    }
    return `${v.option} ${quote(v.given)} does not match the lab's ${quote(v.lab)} (${lab}): leave it out or give the lab's`;
  }
  return undefined;
}

/** Throws a usage error (exit 2) naming the first command-line value that disagrees with the lab's. */
export function refuseValuesUnlikeLab(values: readonly LabValue[], stateDir: string): void {
  const message = disagreement(values, stateDir);
  if (message) throw usageError(message);
}

/** The keys of the options that the command line gave (not the environment, not a default). */
export type GivenOnCommandLine = ReadonlySet<string>;

/** The options a lab supplies with `--lab-state-dir`. */
export const labSuppliedKeys = [
  'endpoint',
  'user',
  'password',
  'cluster',
  'proxyEndpoint',
  'dnsServer',
] as const;
export type LabSuppliedKey = (typeof labSuppliedKeys)[number];
/** Those of them the command line gave, as typed. */
export type GivenLabValues = Partial<Record<LabSuppliedKey, string>>;

/** Picks the lab-supplied options the command line gave; with no sources known, every value given counts. */
export function givenLabValues(
  options: Partial<Record<LabSuppliedKey, unknown>>,
  given?: GivenOnCommandLine,
): GivenLabValues {
  const out: GivenLabValues = {};
  for (const key of labSuppliedKeys) {
    const value = options[key];
    if (typeof value === 'string' && (given === undefined || given.has(key))) out[key] = value;
  }
  return out;
}

const flags: Record<LabSuppliedKey, string> = {
  endpoint: '--endpoint',
  user: '--user',
  password: '--password',
  cluster: '--cluster',
  proxyEndpoint: '--proxy-endpoint',
  dnsServer: '--dns-server',
};

/**
 * `--lab` starts a lab of its own, which supplies all of these: one typed beside it would be ignored, so it is
 * refused (exit 2) before anything starts.
 */
export function refuseGivenWithThrowawayLab(given: GivenLabValues): void {
  const key = labSuppliedKeys.find((k) => given[k] !== undefined);
  if (key) {
    throw usageError(
      `${flags[key]} is not used with --lab: the throwaway lab supplies it; leave it out, or drill a running lab with --lab-state-dir`,
    );
  }
}
