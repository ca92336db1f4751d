import { parseDuration } from '../core/duration.js';
import { quote, usageError } from '../core/errors.js';

/**
 * How long drill waits for an AWS API. Without limits the SDK waits for as long as the operating system keeps a
 * connection open: an endpoint that accepts a connection and never answers held a drill, before its first probe,
 * for minutes. A drill that cannot reach the control plane should say so within seconds.
 */
export interface AwsTimeouts {
  /** Per attempt: from the request to a connected socket. */
  connectMs: number;
  /** Per attempt: from the request to the answer (the whole call, connecting included). */
  answerMs: number;
  /** Attempts of one call that may end in a timeout: the first and one retry. */
  timedOutAttempts: number;
}

export const defaultAwsTimeouts: AwsTimeouts = { connectMs: 3_000, answerMs: 10_000, timedOutAttempts: 2 };

/**
 * The limits, `DRILL_AWS_TIMEOUT` (a duration: `10s`, `30s`, `1m`) setting how long an attempt may wait for the
 * answer; connecting never gets longer than the answer. A bad value is a usage error (exit 2).
 */
export function awsTimeouts(env: NodeJS.ProcessEnv = process.env): AwsTimeouts {
  const text = env.DRILL_AWS_TIMEOUT;
  if (!text) return defaultAwsTimeouts;
  const answerMs = parseDuration(text, 'DRILL_AWS_TIMEOUT');
  if (answerMs < 1) throw usageError(`DRILL_AWS_TIMEOUT ${quote(text)}: give a wait longer than 0, e.g. 10s`);
  return { ...defaultAwsTimeouts, answerMs, connectMs: Math.min(defaultAwsTimeouts.connectMs, answerMs) };
}

/** The part of the SDK's RetryToken a retry strategy hands back (the SDK reads only these). */
interface RetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
}

/** What the SDK tells a retry strategy about a failed attempt (`errorType` as its own classification says). */
interface RetryErrorInfo {
  errorType: string;
  error?: unknown;
  retryAfterHint?: Date;
}

const baseDelayMs = 100;
const throttledBaseDelayMs = 500;
const maxDelayMs = 20_000;

/**
 * The SDK's standard retry decisions (throttling and transient failures, exponential backoff with jitter, at most
 * `maxAttempts`), except that a call whose attempts time out is retried only up to `timedOutAttempts`: a silent
 * API would otherwise keep a drill waiting `maxAttempts` times the timeout. A structural RetryStrategyV2, so that
 * nothing of the SDK loads before a command calls AWS.
 */
export function drillRetryStrategy(maxAttempts: number, timedOutAttempts: number) {
  const token = (retries: number, delayMs: number): RetryToken => ({
    getRetryCount: () => retries,
    getRetryDelay: () => delayMs,
  });
  return {
    mode: 'standard',
    acquireInitialRetryToken: async (_scope: string): Promise<RetryToken> => token(0, 0),
    refreshRetryTokenForRetry: async (previous: RetryToken, info: RetryErrorInfo): Promise<RetryToken> => {
      const attempts = previous.getRetryCount() + 1;
      const timedOut = (info.error as { name?: unknown } | undefined)?.name === 'TimeoutError';
      const retryable = info.errorType === 'THROTTLING' || info.errorType === 'TRANSIENT';
      if (!retryable || attempts >= maxAttempts || (timedOut && attempts >= timedOutAttempts)) {
        // The SDK then throws the attempt's own error, with $metadata.attempts.
        throw new Error('no retry');
      }
      const base = info.errorType === 'THROTTLING' ? throttledBaseDelayMs : baseDelayMs;
      let delayMs = Math.floor(Math.min(maxDelayMs, Math.random() * 2 ** previous.getRetryCount() * base));
      if (info.retryAfterHint instanceof Date) {
        delayMs = Math.max(delayMs, Math.min(info.retryAfterHint.getTime() - Date.now(), delayMs + 5_000));
      }
      // The SDK waits the token's delay (and stops waiting when the call is aborted).
      return token(attempts, delayMs);
    },
    recordSuccess: (_token: RetryToken): void => {},
  };
}
