// Throwaway certificates for the TLS tests, made with the openssl CLI into
// a temporary directory once per process: a CA, a server certificate for
// localhost + 127.0.0.1 signed by it, an expired one, one for a wrong name
// only, and a second unrelated CA. EC P-256 keys: generation takes
// milliseconds, and every TLS stack in play (Node, Mosquitto) accepts them.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const OPENSSL_BIN = process.env.OPENSSL ?? 'openssl';

export interface CaFiles {
  /** PEM file of the CA certificate (what `--ca` and Mosquitto's cafile take). */
  cert: string;
  key: string;
  certPem: string;
}

export interface ServerCert {
  cert: string;
  key: string;
  certPem: string;
  keyPem: string;
  /** The DNS names and IP addresses in its subjectAltName. */
  names: string[];
}

export interface TlsCerts {
  dir: string;
  ca: CaFiles;
  /** A CA that signed none of the server certificates (the wrong-CA case). */
  otherCa: CaFiles;
  /** Valid now and for ten years, for DNS:localhost and IP:127.0.0.1, signed by ca. */
  server: ServerCert;
  /** Signed by ca for the same names, valid only on 1–2 January 2020. */
  expired: ServerCert;
  /** Signed by ca, valid, but for DNS:wrong.example only (no localhost, no 127.0.0.1). */
  wrongName: ServerCert;
}

export type ServerCertName = 'server' | 'expired' | 'wrongName';

let cached: TlsCerts | undefined;

/** The certificates, generated on first call and removed at process exit. */
export function tlsCerts(): TlsCerts {
  cached ??= generate();
  return cached;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync(OPENSSL_BIN, args, { cwd, stdio: 'pipe' });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${err.stderr?.toString() ?? err.message}`);
  }
}

// A self-contained configuration, so the system openssl.cnf (its default
// extensions, its policy) does not change what we get. `openssl ca` rather
// than `x509 -req`: OpenSSL 3.0 (Debian 12) has no -not_before/-not_after
// on x509, and only `ca -startdate/-enddate` can make a certificate that is
// already expired.
function config(dir: string): string {
  return `
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ ca ]
default_ca = ca_default
[ ca_default ]
dir = ${dir}
database = ${dir}/index.txt
new_certs_dir = ${dir}/issued
serial = ${dir}/serial
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
[ policy_any ]
commonName = supplied
[ server_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = @names
`;
}

function makeCa(dir: string, cnf: string, name: string, cn: string): CaFiles {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  openssl(['req', '-config', cnf, '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-nodes', '-keyout', key, '-out', cert, '-days', '3650', '-subj', `/CN=${cn}`, '-extensions', 'ca_ext'], dir);
  return { cert, key, certPem: readFileSync(cert, 'utf8') };
}

function makeServer(dir: string, cnf: string, ca: CaFiles, name: string, cn: string,
  alt: { dns: string[]; ip: string[] }, dates: string[]): ServerCert {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.pem`);
  const ext = join(dir, `${name}.cnf`);
  // the subjectAltName list goes in a per-certificate copy of the config
  const san = [...alt.dns.map((d, i) => `DNS.${i + 1} = ${d}`), ...alt.ip.map((a, i) => `IP.${i + 1} = ${a}`)];
  writeFileSync(ext, readFileSync(cnf, 'utf8') + `[ names ]\n${san.join('\n')}\n`);
  openssl(['req', '-config', ext, '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${cn}`], dir);
  openssl(['ca', '-config', ext, '-batch', '-notext', '-cert', ca.cert, '-keyfile', ca.key,
    '-in', csr, '-out', cert, '-extensions', 'server_ext', ...dates], dir);
  return {
    cert, key,
    certPem: readFileSync(cert, 'utf8'),
    keyPem: readFileSync(key, 'utf8'),
    names: [...alt.dns, ...alt.ip],
  };
}

function generate(): TlsCerts {
  const dir = mkdtempSync(join(tmpdir(), 'atmqtt-tls-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'issued'));
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  const cnf = join(dir, 'openssl.cnf');
  writeFileSync(cnf, config(dir));

  const ca = makeCa(dir, cnf, 'ca', 'atmqtt test CA');
  const otherCa = makeCa(dir, cnf, 'other-ca', 'atmqtt unrelated CA');
  const local = { dns: ['localhost'], ip: ['127.0.0.1'] };
  const server = makeServer(dir, cnf, ca, 'server', 'localhost', local, ['-days', '3650']);
  const expired = makeServer(dir, cnf, ca, 'expired', 'localhost', local,
    ['-startdate', '20200101000000Z', '-enddate', '20200102000000Z']);
  const wrongName = makeServer(dir, cnf, ca, 'wrong-name', 'wrong.example', { dns: ['wrong.example'], ip: [] }, ['-days', '3650']);
  return { dir, ca, otherCa, server, expired, wrongName };
}
