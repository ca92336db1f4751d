import { isIP } from 'node:net';

/** What kind of Aurora endpoint a host name is, read from its RDS shape. */
export type EndpointKind =
  | 'cluster'
  | 'cluster-ro'
  | 'cluster-custom'
  | 'instance'
  | 'proxy'
  | 'ip'
  | 'other';

export interface HostInfo {
  kind: EndpointKind;
  /** The first label: cluster, custom endpoint, instance or proxy identifier. */
  name?: string;
  /** What instance names share: `abc123xyz789.us-east-1.rds.amazonaws.com`. */
  instanceDomain?: string;
  region?: string;
}

// <name>.<kind-><12 chars>.<region>.rds.amazonaws.com[.cn]; GovCloud regions use the same domain.
const rds =
  /^([a-z][a-z0-9-]*)\.(?:(cluster-ro-|cluster-custom-|cluster-|proxy-))?([a-z0-9]{12})\.([a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d)\.rds\.amazonaws\.com(\.cn)?\.?$/i;

/** Recognises cluster, reader, custom, instance and proxy endpoints (incl. China and GovCloud), IPs, and the rest. */
export function classifyHost(host: string): HostInfo {
  if (isIP(host)) return { kind: 'ip' };
  const m = rds.exec(host);
  if (!m) return { kind: 'other' };
  const prefix = (m[2] ?? '').toLowerCase();
  const kind: EndpointKind =
    prefix === 'cluster-'
      ? 'cluster'
      : prefix === 'cluster-ro-'
        ? 'cluster-ro'
        : prefix === 'cluster-custom-'
          ? 'cluster-custom'
          : prefix === 'proxy-'
            ? 'proxy'
            : 'instance';
  const instanceDomain = `${m[3]}.${m[4]}.rds.amazonaws.com${m[5] ?? ''}`.toLowerCase();
  return { kind, name: m[1] as string, instanceDomain, region: (m[4] as string).toLowerCase() };
}

/**
 * The DB cluster a cluster or reader endpoint belongs to: RDS names them `<cluster id>.cluster[-ro]-…`, so the
 * first label is the identifier (lower case, as RDS keeps identifiers). Undefined for any other endpoint.
 */
export function clusterIdOf(host: string): string | undefined {
  const info = classifyHost(host);
  return info.kind === 'cluster' || info.kind === 'cluster-ro' ? info.name?.toLowerCase() : undefined;
}

/**
 * How instance endpoints are named: `?.<domain>` with `?` for the instance id (the AWS wrappers' convention).
 * From `--instance-pattern`, or derived from an RDS-shaped cluster, reader or custom endpoint.
 */
export function instancePattern(host: string, override?: string): string | undefined {
  if (override) return override;
  const info = classifyHost(host);
  if (info.kind === 'ip' || info.kind === 'other' || info.kind === 'proxy') return undefined;
  return `?.${info.instanceDomain}`;
}

export function instanceHost(pattern: string, instanceId: string): string {
  return pattern.replace('?', instanceId);
}

/** RDS names are long; the first label and the kind say enough in a table (the JSON report has the full name). */
export function shortTarget(target: string): string {
  const m =
    /^([^.]+)\.((?:cluster-ro-|cluster-custom-|cluster-|proxy-)?)[a-z0-9]{12}\.[^:]*\.rds\.amazonaws\.com(?:\.cn)?(:\d+)$/i.exec(
      target,
    );
  return m ? `${m[1]}.${m[2]}…${m[3]}` : target;
}
