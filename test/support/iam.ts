import { Signer } from '@aws-sdk/rds-signer';

/** A token as the unmodified @aws-sdk/rds-signer makes it, signed `agoMs` in the past. */
export async function labIamToken(
  hostname: string,
  user: string,
  secretAccessKey = 'lab',
  agoMs = 0,
): Promise<string> {
  const signer = new Signer({
    hostname,
    port: 3306,
    username: user,
    region: 'us-east-1',
    credentials: { accessKeyId: 'lab', secretAccessKey },
  });
  return withClockBack(agoMs, () => signer.getAuthToken());
}

/** Runs `make` with Date set `agoMs` back: signers read the time from Date, so a past clock makes an old token. */
export async function withClockBack<T>(agoMs: number, make: () => Promise<T>): Promise<T> {
  const RealDate = Date;
  class PastDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() - agoMs);
      else super(...(args as [string]));
    }
    static override now(): number {
      return RealDate.now() - agoMs;
    }
  }
  globalThis.Date = PastDate as DateConstructor;
  try {
    return await make();
  } finally {
    globalThis.Date = RealDate;
  }
}
