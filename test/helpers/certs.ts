// A private PKI for mutual-TLS tests, made with openssl in a temporary directory: a CA, a server
// certificate for 127.0.0.1 and client certificates signed by that CA (EC P-256: fast to make).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Pki {
  ca: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  /** A client certificate and key signed by `ca`. */
  clientCert(name: string): { cert: string; key: string };
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

function keyPair(path: string): void {
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', path]);
}

/** A CA named `cn` in `dir`, with a server certificate for 127.0.0.1 signed by it. */
export function makePki(dir: string, cn = 'fleetbench test CA'): Pki {
  // The first PKI of a directory has plain names (ca.pem, server.pem, server.key) for configuration files.
  const tag = cn === 'fleetbench test CA' ? '' : `${cn.replace(/\W+/g, '-')}-`;
  const ca = join(dir, `${tag}ca.pem`);
  const caKey = join(dir, `${tag}ca.key`);
  keyPair(caKey);
  openssl(['req', '-x509', '-new', '-key', caKey, '-days', '1', '-subj', `/CN=${cn}`, '-out', ca]);
  const sign = (name: string, ext: string): { cert: string; key: string } => {
    const key = join(dir, `${tag}${name}.key`);
    const csr = join(dir, `${tag}${name}.csr`);
    const cert = join(dir, `${tag}${name}.pem`);
    const extFile = join(dir, `${tag}${name}.ext`);
    keyPair(key);
    writeFileSync(extFile, ext);
    openssl(['req', '-new', '-key', key, '-subj', `/CN=${name}`, '-out', csr]);
    openssl(
      ['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-days', '1'].concat([
        '-extfile',
        extFile,
        '-out',
        cert,
      ]),
    );
    return { cert, key };
  };
  const server = sign('server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  return {
    ca,
    caKey,
    serverCert: server.cert,
    serverKey: server.key,
    clientCert: (name) => sign(name, 'extendedKeyUsage=clientAuth\n'),
  };
}
