/** Aurora MySQL's fault-injection statements, as documented for `ALTER SYSTEM CRASH` and `ALTER SYSTEM SIMULATE`. */
export type AlterSystem =
  | { kind: 'crash'; target: 'instance' | 'dispatcher' | 'node' }
  | { kind: 'replica-failure'; percent: number; replica: string | 'all'; forMs: number }
  | { kind: 'disk-failure'; percent: number; forMs: number }
  | { kind: 'disk-congestion'; percent: number; minMs: number; maxMs: number; forMs: number };

const unitMs: Record<string, number> = {
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
  month: 30 * 86_400_000,
  quarter: 91 * 86_400_000,
  year: 365 * 86_400_000,
};

const num = String.raw`(\d+(?:\.\d+)?)`;
const interval = String.raw`\s+FOR\s+INTERVAL\s+(\d+)\s+(SECOND|MINUTE|HOUR|DAY|WEEK|MONTH|QUARTER|YEAR)S?`;
const where = String.raw`(?:\s+IN\s+(?:DISK|NODE)\s+\d+)?`;
const forms = {
  crash: /^ALTER\s+SYSTEM\s+CRASH(?:\s+(INSTANCE|DISPATCHER|NODE))?$/i,
  replica: new RegExp(
    String.raw`^ALTER\s+SYSTEM\s+SIMULATE\s+${num}\s+PERCENT\s+READ\s+REPLICA\s+FAILURE(?:\s+TO\s+(ALL|"[^"]+"|'[^']+'))?${interval}$`,
    'i',
  ),
  disk: new RegExp(
    String.raw`^ALTER\s+SYSTEM\s+SIMULATE\s+${num}\s+PERCENT\s+DISK\s+FAILURE${where}${interval}$`,
    'i',
  ),
  congestion: new RegExp(
    String.raw`^ALTER\s+SYSTEM\s+SIMULATE\s+${num}\s+PERCENT\s+DISK\s+CONGESTION\s+BETWEEN\s+(\d+)\s+AND\s+(\d+)\s+MILLISECONDS${where}${interval}$`,
    'i',
  ),
};

export function isAlterSystem(sql: string): boolean {
  return /^\s*ALTER\s+SYSTEM\b/i.test(sql);
}

/** Parses one statement; returns an error message (as MySQL would word a syntax error) when it does not fit. */
export function parseAlterSystem(sql: string): AlterSystem | { error: string } {
  const s = sql.trim().replace(/;\s*$/, '').replace(/\s+/g, ' ');
  const forMs = (q: string, unit: string): number => Number(q) * (unitMs[unit.toLowerCase()] as number);
  const percent = (p: string): number | undefined => {
    const v = Number(p);
    return v >= 0 && v <= 100 ? v : undefined;
  };
  let m = forms.crash.exec(s);
  if (m) return { kind: 'crash', target: (m[1]?.toLowerCase() ?? 'instance') as 'instance' };
  m = forms.replica.exec(s);
  if (m) {
    const p = percent(m[1] as string);
    if (p === undefined) return { error: `percentage must be 0-100, got ${m[1]}` };
    const to = m[2];
    const replica = to === undefined || to.toUpperCase() === 'ALL' ? 'all' : to.slice(1, -1);
    return { kind: 'replica-failure', percent: p, replica, forMs: forMs(m[3] as string, m[4] as string) };
  }
  m = forms.disk.exec(s);
  if (m) {
    const p = percent(m[1] as string);
    if (p === undefined) return { error: `percentage must be 0-100, got ${m[1]}` };
    return { kind: 'disk-failure', percent: p, forMs: forMs(m[2] as string, m[3] as string) };
  }
  m = forms.congestion.exec(s);
  if (m) {
    const p = percent(m[1] as string);
    const [minMs, maxMs] = [Number(m[2]), Number(m[3])];
    if (p === undefined) return { error: `percentage must be 0-100, got ${m[1]}` };
    if (minMs > maxMs)
      return { error: `BETWEEN ${minMs} AND ${maxMs}: the minimum is larger than the maximum` };
    return {
      kind: 'disk-congestion',
      percent: p,
      minMs,
      maxMs,
      forMs: forMs(m[4] as string, m[5] as string),
    };
  }
  const near = s.replace(/^ALTER\s+SYSTEM\s*/i, '').slice(0, 40);
  return {
    error: `You have an error in your SQL syntax; check the manual for the right ALTER SYSTEM syntax to use near '${near}'`,
  };
}
