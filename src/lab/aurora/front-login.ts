import type { Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import { acceptTls } from '../tls.js';
import { errPacket, PacketReader, packets } from './front.js';
import { nativeToken } from './proxy-wire.js';

const CLIENT_CONNECT_WITH_DB = 0x8;
const CLIENT_COMPRESS = 0x20;
const CLIENT_SSL = 0x800;
const CLIENT_SECURE_CONNECTION = 0x8000;
const CLIENT_PLUGIN_AUTH = 0x80000;
const CLIENT_PLUGIN_AUTH_LENENC = 0x200000;

/** How an instance front lets clients in, besides the passwords MariaDB checks itself. */
export interface LoginPolicy {
  /** Offer TLS with this certificate (the lab's CA signs it); undefined: no TLS. */
  tls: SecureContext | undefined;
  /** Refuse a login without TLS, as RDS does with require_secure_transport=ON. */
  requireTls: boolean;
  /** The lab's RDS Proxy connects from this address: its own link to the instance needs no TLS. */
  proxyAddress?: string;
  /** IAM database authentication: the user that logs in with tokens, and how to check one. */
  iam?: IamLogin;
}

export interface IamLogin {
  user: string;
  /** Undefined when the token is good for `user` on this instance; otherwise why not (for the lab's log). */
  check(token: string, user: string): string | undefined;
  /** The MariaDB password of `user`: the front logs in with it once the token is checked. */
  backendPassword: string;
}

/** What the command phase starts with: the client's socket (TLS or plain) and bytes already read. */
export interface LoggedIn {
  client: Socket;
  fromClient: Buffer;
  fromServer: Buffer;
}

/**
 * The login half of an instance front: the server greeting (TLS offered when the lab has certificates,
 * compression taken out, so statements stay readable), the client's SSL request answered by terminating TLS at
 * the front, IAM tokens checked for the IAM user, and everything else relayed to MariaDB, which checks passwords.
 * The front hides its own packets from MariaDB, so sequence numbers are shifted between the two sides. Resolves
 * once MariaDB says OK; resolves undefined when the login failed (the client has its error and both are closed).
 */
export function relayLogin(
  client: Socket,
  backend: Socket,
  policy: LoginPolicy,
  closeBoth: () => void,
  greeting: (payload: Buffer) => Buffer = (p) => p,
): Promise<LoggedIn | undefined> {
  return new Promise((resolve) => {
    let toClient: Socket = client;
    let scramble: Buffer = Buffer.alloc(0);
    /** How far the client's sequence numbers run ahead of MariaDB's (the front's own packets). */
    let shift = 0;
    let state: 'greeting' | 'response' | 'token' | 'relay' = 'greeting';
    let iamResponse: { payload: Buffer; user: string } | undefined;
    const fromServer = new PacketReader();
    const fromClient = new PacketReader();

    const fail = (seq: number, errno: number, sqlState: string, message: string): void => {
      toClient.write(errPacket(seq, errno, sqlState, message), () => closeBoth());
      state = 'relay';
      resolve(undefined);
    };

    const onServer = (chunk: Buffer): void => {
      fromServer.push(chunk);
      for (let p = fromServer.next(); p; p = fromServer.next()) {
        if (state === 'greeting') {
          const payload = greeting(Buffer.from(p.payload));
          scramble = readScramble(payload);
          setTlsOffer(payload, policy.tls !== undefined);
          toClient.write(packets(payload, p.seq));
          state = 'response';
          continue;
        }
        toClient.write(packets(p.payload, p.seq + shift));
        if (p.payload[0] === 0x00) {
          backend.off('data', onServer);
          toClient.off('data', onClient);
          resolve({ client: toClient, fromClient: fromClient.rest(), fromServer: fromServer.rest() });
          return;
        }
      }
    };

    const onClient = (chunk: Buffer): void => {
      fromClient.push(chunk);
      for (let p = fromClient.next(); p; p = fromClient.next()) {
        if (state === 'relay') {
          backend.write(packets(p.payload, p.seq - shift));
        } else if (state === 'response') {
          const caps = p.payload.length >= 4 ? p.payload.readUInt32LE(0) : 0;
          if (p.payload.length === 32 && caps & CLIENT_SSL && policy.tls) {
            // An SSL request: MariaDB never sees it; the rest of the login comes over TLS.
            shift = 1;
            const rest = fromClient.rest();
            upgrade(rest);
            return;
          }
          if (policy.requireTls && toClient === client && client.remoteAddress !== policy.proxyAddress) {
            fail(
              p.seq + 1,
              3159,
              'HY000',
              'Connections using insecure transport are prohibited while --require_secure_transport=ON.',
            );
            return;
          }
          const response = Buffer.from(p.payload);
          response.writeUInt32LE(caps & ~(CLIENT_SSL | CLIENT_COMPRESS), 0);
          const user = readUser(response);
          if (policy.iam && user === policy.iam.user) {
            // RDS asks an IAM user for its token in clear text: an auth switch to mysql_clear_password.
            iamResponse = { payload: response, user };
            state = 'token';
            toClient.write(
              packets(Buffer.concat([Buffer.from([0xfe]), Buffer.from('mysql_clear_password\0')]), p.seq + 1),
            );
            continue;
          }
          backend.write(packets(response, p.seq - shift));
          state = 'relay';
        } else if (state === 'token' && iamResponse && policy.iam) {
          const token = p.payload.subarray(0, p.payload.indexOf(0) >= 0 ? p.payload.indexOf(0) : undefined);
          const why =
            toClient === client ? 'not over TLS' : policy.iam.check(token.toString('utf8'), iamResponse.user);
          if (why !== undefined) {
            const address = client.remoteAddress ?? 'localhost';
            fail(
              p.seq + 1,
              1045,
              '28000',
              `Access denied for user '${iamResponse.user}'@'${address}' (using password: YES)`,
            );
            return;
          }
          const login = withNativePassword(iamResponse.payload, policy.iam.backendPassword, scramble);
          // MariaDB sees one packet (seq 1); the client sent its response and its token.
          shift = p.seq - 1;
          backend.write(packets(login, 1));
          state = 'relay';
        }
      }
    };

    const upgrade = (early: Buffer): void => {
      const secure = acceptTls(client, early, policy.tls as SecureContext);
      secure.on('error', closeBoth);
      secure.on('close', closeBoth);
      toClient = secure;
      secure.on('data', onClient);
    };

    backend.on('data', onServer);
    client.on('data', onClient);
  });
}

/** Sets or clears CLIENT_SSL in a greeting (protocol 10) and always takes compression out. */
function setTlsOffer(payload: Buffer, offer: boolean): void {
  const at = capsOffset(payload);
  if (at === undefined) return;
  let caps = payload.readUInt16LE(at) & ~(CLIENT_SSL | CLIENT_COMPRESS);
  if (offer) caps |= CLIENT_SSL;
  payload.writeUInt16LE(caps, at);
}

function capsOffset(payload: Buffer): number | undefined {
  if (payload[0] !== 10) return undefined;
  const versionEnd = payload.indexOf(0, 1);
  const at = versionEnd + 1 + 4 + 8 + 1;
  return versionEnd < 0 || at + 2 > payload.length ? undefined : at;
}

/** The greeting's 20-byte scramble: 8 bytes after the thread id, the rest after the reserved bytes. */
function readScramble(payload: Buffer): Buffer {
  const at = capsOffset(payload);
  if (at === undefined) return Buffer.alloc(0);
  const first = payload.subarray(at - 9, at - 1);
  const secondAt = at + 2 + 1 + 2 + 2 + 1 + 10;
  const end = payload.indexOf(0, secondAt);
  return Buffer.concat([first, payload.subarray(secondAt, end < 0 ? undefined : end)]);
}

/** The user name of a HandshakeResponse41: after capabilities, max packet, charset and 23 bytes of filler. */
function readUser(response: Buffer): string {
  const end = response.indexOf(0, 32);
  return response.subarray(32, end < 0 ? undefined : end).toString('utf8');
}

/**
 * The client's HandshakeResponse41 with its auth response replaced by `password` scrambled for MariaDB's
 * greeting (mysql_native_password), everything else (capabilities, database, attributes) kept.
 */
function withNativePassword(response: Buffer, password: string, scramble: Buffer): Buffer {
  const caps = response.readUInt32LE(0);
  const userEnd = response.indexOf(0, 32);
  let at = userEnd + 1;
  let authLength: number;
  if (caps & CLIENT_PLUGIN_AUTH_LENENC) {
    // A length-encoded integer: auth responses here are short, one byte (or 0xfc and two).
    const first = response[at] as number;
    authLength = first < 0xfb ? first : response.readUInt16LE(at + 1);
    at += first < 0xfb ? 1 : 3;
  } else if (caps & CLIENT_SECURE_CONNECTION) {
    authLength = response[at] as number;
    at += 1;
  } else {
    authLength = response.indexOf(0, at) - at;
  }
  let rest = response.subarray(at + authLength);
  if (!(caps & (CLIENT_PLUGIN_AUTH_LENENC | CLIENT_SECURE_CONNECTION))) rest = rest.subarray(1);
  const tokens: Buffer[] = [];
  if (caps & CLIENT_CONNECT_WITH_DB) {
    const dbEnd = rest.indexOf(0);
    tokens.push(rest.subarray(0, dbEnd + 1));
    rest = rest.subarray(dbEnd + 1);
  }
  if (caps & CLIENT_PLUGIN_AUTH) {
    const pluginEnd = rest.indexOf(0);
    tokens.push(Buffer.from('mysql_native_password\0'));
    rest = rest.subarray(pluginEnd + 1);
  }
  const auth = nativeToken(password, scramble);
  const newCaps = (caps | CLIENT_SECURE_CONNECTION) & ~CLIENT_PLUGIN_AUTH_LENENC;
  const head = Buffer.from(response.subarray(0, userEnd + 1));
  head.writeUInt32LE(newCaps >>> 0, 0);
  return Buffer.concat([head, Buffer.from([auth.length]), auth, ...tokens, rest]);
}
