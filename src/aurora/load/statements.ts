import type { DnsChoice } from '../../net/resolver.js';
import { quoteIdent } from '../sql.js';

/** Rows the workload reads and updates by primary key: few enough to seed at once, enough to spread writes. */
export const loadRows = 1000;

export const loadTable = (schema: string): string => `${quoteIdent(schema)}.load_rows`;

export const pointRead = (schema: string): string => `SELECT v FROM ${loadTable(schema)} WHERE id = ?`;

export const pointWrite = (schema: string): string =>
  `UPDATE ${loadTable(schema)} SET v = v + 1, updated_at = NOW(6) WHERE id = ?`;

/** What a load worker thread is given (everything it needs, as plain data). */
export interface LoadWorkerConfig {
  host: string;
  port: number;
  /** How the drill resolves names: its workers resolve the same way. */
  dns: DnsChoice;
  user: string;
  password: string;
  connectTimeoutMs: number;
  queryTimeoutMs: number;
  schema: string;
  workers: number;
  mix: { read: number; write: number };
  /** Total operations per second, shared evenly by the workers; null for flat out. */
  rateLimit: number | null;
  windowMs: number;
  /** The drill's time origin as `performance.timeOrigin + performance.now()` would give it. */
  originEpochMs: number;
}

/** A window as the worker thread posts it (a LoadWindow without the history's stamps). */
export interface PostedWindow {
  t: number;
  windowMs: number;
  reads: number;
  writes: number;
  failed: number;
  errors: Record<string, number>;
  readOnly?: number;
  latency: import('../../core/histogram.js').LatencyHistogram;
  firstOkT: number | null;
  lastOkT: number | null;
  innerGap: { fromT: number; toT: number } | null;
}

export type WorkerMessage =
  | { type: 'window'; window: PostedWindow }
  | { type: 'done' }
  | { type: 'error'; message: string };
