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
  const RealDate = Date;
  // The signer reads the time from Date: a past clock while it signs makes an old token.
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
    return await signer.getAuthToken();
  } finally {
    globalThis.Date = RealDate;
  }
}
