import { generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';

/**
 * The lab's SNS message signer: an RSA key pair the lab makes and a self-signed certificate for it, so an
 * endpoint can verify lab messages the way it verifies Amazon SNS ones (fetch SigningCertURL, check Signature).
 * The certificate is the lab's own, not Amazon's: a verifier that insists on an amazonaws.com URL refuses it.
 */
export class SnsSigner {
  /** Served at this path on the lab API, like SNS's `SimpleNotificationService-<hash>.pem`. */
  readonly certificatePath = `/SimpleNotificationService-${randomBytes(16).toString('hex')}.pem`;
  private keys: { privateKey: KeyObject; certificatePem: string } | undefined;

  constructor(private readonly region: string) {}

  get certificatePem(): string {
    return this.made().certificatePem;
  }

  /** The key pair is made on first use: a lab that never notifies does not pay for it at start-up. */
  private made(): { privateKey: KeyObject; certificatePem: string } {
    if (!this.keys) {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const der = selfSignedCertificate(privateKey, publicKey, `drill lab SNS ${this.region}`);
      this.keys = { privateKey, certificatePem: pem(der) };
    }
    return this.keys;
  }

  /** The base64 signature SNS puts in `Signature`: SHA1withRSA for SignatureVersion 1, SHA256withRSA for 2. */
  sign(fields: Record<string, string | undefined>, signatureVersion: '1' | '2'): string {
    return sign(
      signatureVersion === '2' ? 'sha256' : 'sha1',
      Buffer.from(stringToSign(fields)),
      this.made().privateKey,
    ).toString('base64');
  }
}

/**
 * SNS's string to sign: selected fields in byte order of their names, each as `Name\nValue\n`; Subject only when
 * present. Notifications sign Message, MessageId, Subject, Timestamp, TopicArn, Type; confirmations sign
 * Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type.
 */
export function stringToSign(fields: Record<string, string | undefined>): string {
  const names =
    fields.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  return names
    .filter((n) => fields[n] !== undefined)
    .map((n) => `${n}\n${fields[n]}\n`)
    .join('');
}

const pem = (der: Buffer): string =>
  `-----BEGIN CERTIFICATE-----\n${(der.toString('base64').match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----\n`;

// A minimal DER writer: node:crypto reads certificates but does not make them.
function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let length: Buffer;
  if (n < 0x80) length = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
    length = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, content]);
}
const sequence = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => tlv(0x31, Buffer.concat(parts));
const nullValue = () => Buffer.from([0x05, 0x00]);
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const bitString = (bytes: Buffer) => tlv(0x03, Buffer.concat([Buffer.from([0]), bytes]));

function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * a + b];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let v = arc >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function utcTime(d: Date): Buffer {
  const p = (n: number) => String(n).padStart(2, '0');
  const text =
    p(d.getUTCFullYear() % 100) +
    p(d.getUTCMonth() + 1) +
    p(d.getUTCDate()) +
    p(d.getUTCHours()) +
    p(d.getUTCMinutes()) +
    p(d.getUTCSeconds());
  return tlv(0x17, Buffer.from(`${text}Z`));
}

function selfSignedCertificate(privateKey: KeyObject, publicKey: KeyObject, commonName: string): Buffer {
  const sha256WithRsa = sequence(oid('1.2.840.113549.1.1.11'), nullValue());
  const name = sequence(set(sequence(oid('2.5.4.3'), utf8(commonName))));
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x01; // positive and without a leading zero byte
  const now = Date.now();
  const tbs = sequence(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))), // version 3
    tlv(0x02, serial),
    sha256WithRsa,
    name,
    sequence(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + 365 * 86_400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  return sequence(tbs, sha256WithRsa, bitString(sign('sha256', tbs, privateKey)));
}
