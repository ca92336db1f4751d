/** `--ssl-mode`, as the mysql client names its modes. */
export const sslModes = ['disabled', 'preferred', 'required', 'verify-ca', 'verify-identity'] as const;
export type SslMode = (typeof sslModes)[number];

/** How a drill's connections use TLS: the mode and the CA certificates (PEM) it trusts (the system's if none). */
export interface TlsChoice {
  mode: SslMode;
  ca: string | undefined;
}

/** mysql2's error when a connection failed for TLS's sake, as what went wrong and what to do, or undefined. */
export function tlsFailure(code: string, message: string): string | undefined {
  if (code === 'HANDSHAKE_NO_SSL_SUPPORT') {
    return 'the server does not offer TLS; use --ssl-mode preferred or disabled for a server without it';
  }
  if (code !== 'HANDSHAKE_SSL_ERROR') return undefined;
  if (/altnames|does not match/i.test(message)) {
    // Node names 'localhost' when the drill connected by address (no name to send): say only what the cert holds.
    const said = message.replace(
      /Host: localhost\. is not in the cert's altnames: /,
      "the certificate's names: ",
    );
    return `its certificate is not valid for that name (${said}); connect by a name the certificate holds, or use --ssl-mode verify-ca`;
  }
  return `its certificate is not signed by a CA the drill trusts (${message}); give --ca the CA bundle (for RDS: https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem)`;
}
