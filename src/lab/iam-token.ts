import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The keys the lab's APIs take (`lab`/`lab`): IAM tokens must be signed with them, as RDS checks AWS's. */
export interface LabKeys {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

/** A token is taken up to 15 minutes after it was signed (X-Amz-Expires 900 at most), by RDS and MemoryDB alike. */
const maxExpiresS = 900;
/** Clocks may disagree a little: a token signed this far in the future still counts. */
const skewMs = 5 * 60_000;

/**
 * What one service wants of a token: RDS (`rds-db`) names the user in DBUser and signs for the instance's
 * host:port; MemoryDB (`memorydb`) names it in User and signs for the cluster's name as the host.
 */
export interface TokenRules {
  service: 'rds-db' | 'memorydb';
  userParam: 'DBUser' | 'User';
  /** The host the token must be signed for; undefined: any (an RDS token may name any endpoint of the cluster). */
  host?: string;
}

export const rdsTokenRules: TokenRules = { service: 'rds-db', userParam: 'DBUser' };
export const memorydbTokenRules = (clusterName: string): TokenRules => ({
  service: 'memorydb',
  userParam: 'User',
  host: clusterName,
});

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const hmac = (key: Buffer | string, text: string): Buffer => createHmac('sha256', key).update(text).digest();
/** RFC 3986 encoding, as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
const encode = (text: string): string =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * Checks an IAM authentication token (`host/?Action=connect&<user param>=…&X-Amz-…`, a SigV4-presigned URL) as
 * the service does: signed with the lab's keys for its region and service, for `user`, and not expired.
 * Returns undefined for a good token, otherwise why it is refused (for the lab's log, never the client: RDS
 * answers every refusal with the same 1045, MemoryDB with WRONGPASS).
 */
export function iamTokenProblem(
  token: string,
  user: string,
  keys: LabKeys,
  rules: TokenRules,
  now = Date.now(),
): string | undefined {
  const at = token.indexOf('/?');
  if (at < 0) return 'not a presigned URL';
  const host = token.slice(0, at);
  const params = new URLSearchParams(token.slice(at + 2));
  const get = (name: string): string => params.get(name) ?? '';
  if (get('Action') !== 'connect') return 'Action is not connect';
  if (rules.host !== undefined && host !== rules.host) return `signed for ${host}, not ${rules.host}`;
  if (get(rules.userParam) !== user) return `${rules.userParam} is not ${user}`;
  if (get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') return 'not AWS4-HMAC-SHA256';
  const [keyId, day, region, service, terminator] = get('X-Amz-Credential').split('/');
  if (keyId !== keys.accessKeyId) return 'signed with another access key';
  if (region !== keys.region || service !== rules.service || terminator !== 'aws4_request')
    return 'wrong scope';
  const date = get('X-Amz-Date');
  const signedAt = Date.parse(
    date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
  );
  const expires = Number(get('X-Amz-Expires'));
  if (!Number.isFinite(signedAt) || !date.startsWith(day ?? '-')) return 'bad X-Amz-Date';
  if (!Number.isInteger(expires) || expires < 1 || expires > maxExpiresS) return 'bad X-Amz-Expires';
  if (now > signedAt + expires * 1000) return 'expired';
  if (signedAt > now + skewMs) return 'signed in the future';
  const query = [...params.entries()]
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => ({ k: encode(k), v: encode(v) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .map(({ k, v }) => `${k}=${v}`)
    .join('&');
  const signedHeaders = get('X-Amz-SignedHeaders');
  if (signedHeaders !== 'host') return 'signs more than the host header';
  const canonical = ['GET', '/', query, `host:${host}`, '', 'host', sha256('')].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, sha256(canonical)].join('\n');
  let key = hmac(`AWS4${keys.secretAccessKey}`, day ?? '');
  for (const part of [region ?? '', service ?? '', 'aws4_request']) key = hmac(key, part);
  const expected = hmac(key, toSign);
  const given = Buffer.from(get('X-Amz-Signature'), 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return 'signature does not match';
  return undefined;
}
