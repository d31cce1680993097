import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM file paths of a certificate and its key. */
export interface CertificateFiles {
  cert: string;
  key: string;
}

/**
 * Test certificates made with `openssl` in a temporary directory: a CA; signed by it, an engine
 * node's certificate for the name `localhost` only (not for 127.0.0.1: a client must check the
 * name it was given) and a client certificate; and a second CA that signed neither.
 */
export interface TestCertificates {
  dir: string;
  /** The CA's certificate. */
  ca: string;
  /** A CA that signed nothing here (a client that trusts it must refuse the node). */
  otherCa: string;
  server: CertificateFiles;
  client: CertificateFiles;
  remove(): Promise<void>;
}

/** Runs `openssl` with space-separated arguments (file names relative to `dir`). */
async function openssl(dir: string, args: string): Promise<void> {
  await run('openssl', args.split(' '), { cwd: dir });
}

const NEW_KEY = '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';

function filesOf(dir: string, name: string): CertificateFiles {
  return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
}

/** A self-signed CA (P-256 key, valid one day). */
async function makeCa(dir: string, name: string): Promise<CertificateFiles> {
  await openssl(
    dir,
    `req -x509 ${NEW_KEY} -keyout ${name}.key -out ${name}.pem -days 1 -subj /CN=${name}`,
  );
  return filesOf(dir, name);
}

/** A certificate signed by the CA `ca` (a name made by makeCa) with X.509 v3 `extensions`. */
async function makeSigned(
  dir: string,
  name: string,
  ca: string,
  extensions: string,
): Promise<CertificateFiles> {
  await writeFile(join(dir, `${name}.ext`), extensions);
  await openssl(dir, `req ${NEW_KEY} -keyout ${name}.key -out ${name}.csr -subj /CN=${name}`);
  await openssl(
    dir,
    `x509 -req -in ${name}.csr -CA ${ca}.pem -CAkey ${ca}.key -CAcreateserial ` +
      `-out ${name}.pem -days 1 -extfile ${name}.ext`,
  );
  return filesOf(dir, name);
}

export async function makeTestCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'cosyvoice-certs-'));
  try {
    const ca = await makeCa(dir, 'engine-ca');
    const otherCa = await makeCa(dir, 'other-ca');
    const server = await makeSigned(
      dir,
      'engine-node',
      'engine-ca',
      'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n',
    );
    const client = await makeSigned(
      dir,
      'api-service',
      'engine-ca',
      'extendedKeyUsage=clientAuth\n',
    );
    return {
      dir,
      ca: ca.cert,
      otherCa: otherCa.cert,
      server,
      client,
      remove: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
