// TLS as a modem terminates it: the module, not the device, holds the
// session, so the emulator opens a real TLS connection to the broker with
// Node's `tls` and verifies it against the CA configured for the module.
import net from 'node:net';
import tls from 'node:tls';

export interface TlsLink {
  /** Check the certificate chain and the host name (false: SIM800 AT+SSLOPT=0,1, ESP-AT CIPSSLCCONF auth mode 0). */
  verify: boolean;
}

/** Starts a TLS connection the way the module would: SNI with the host name, never with an IP address. */
export function connectTls(host: string, port: number, link: TlsLink, ca: string | undefined): tls.TLSSocket {
  return tls.connect({
    host,
    port,
    ...(net.isIP(host) === 0 ? { servername: host } : {}),
    // no ca: Node's default trust store, as a module with its factory bundle
    ...(ca !== undefined ? { ca } : {}),
    rejectUnauthorized: link.verify,
  });
}

/** One line for the log: the OpenSSL / Node code and its text. */
export function tlsReason(err: NodeJS.ErrnoException | null): string {
  if (!err) return 'connection closed during the handshake';
  const code = err.code ?? 'error';
  return err.message && err.message !== code ? `${code} (${err.message})` : code;
}
