import { type ChannelCredentials, credentials, ServerCredentials } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import type { EngineTlsConfig } from '../../config/app-config.js';
import { ConfigError } from '../../config/load-config.js';

/** The PEM file a setting names; a ConfigError naming the setting when it cannot be read. */
function readPem(path: string, setting: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError(`${setting}=${path} cannot be read: ${(error as Error).message}`);
  }
}

/** An engine node with these settings serves TLS and takes only calls with a client certificate. */
export function requiresClientCertificates(tls: EngineTlsConfig): boolean {
  return Boolean(tls.cert && tls.key && tls.ca);
}

/** What an engine node with these settings serves, for its boot log. */
export function transportOf(tls: EngineTlsConfig): 'plaintext' | 'TLS' | 'mutual TLS' {
  if (!tls.cert) return 'plaintext';
  return requiresClientCertificates(tls) ? 'mutual TLS' : 'TLS';
}

/**
 * An engine node's server credentials: plaintext without ENGINE_TLS_CERT; with it, TLS only,
 * and with ENGINE_TLS_CA as well, mutual TLS (a client without a certificate signed by that CA
 * cannot connect).
 */
export function engineServerCredentials(tls: EngineTlsConfig): ServerCredentials {
  if (!tls.cert || !tls.key) {
    if (tls.ca) {
      throw new ConfigError(
        'ENGINE_TLS_CA on an engine node checks client certificates over TLS: set ENGINE_TLS_CERT ' +
          'and ENGINE_TLS_KEY (the node certificate) too',
      );
    }
    return ServerCredentials.createInsecure();
  }
  return ServerCredentials.createSsl(
    tls.ca ? readPem(tls.ca, 'ENGINE_TLS_CA') : null,
    [
      {
        cert_chain: readPem(tls.cert, 'ENGINE_TLS_CERT'),
        private_key: readPem(tls.key, 'ENGINE_TLS_KEY'),
      },
    ],
    Boolean(tls.ca),
  );
}

/**
 * The API service's channel credentials for its nodes: plaintext without ENGINE_TLS_CA; with it,
 * TLS that accepts only node certificates signed by that CA, presenting ENGINE_TLS_CERT as the
 * client certificate when it is set.
 */
export function engineChannelCredentials(tls: EngineTlsConfig): ChannelCredentials {
  if (!tls.ca) {
    if (tls.cert) {
      throw new ConfigError(
        'ENGINE_TLS_CERT on the API service is its client certificate for TLS: set ENGINE_TLS_CA ' +
          "(the CA that signed the engine nodes' certificates) too",
      );
    }
    return credentials.createInsecure();
  }
  return credentials.createSsl(
    readPem(tls.ca, 'ENGINE_TLS_CA'),
    tls.key ? readPem(tls.key, 'ENGINE_TLS_KEY') : null,
    tls.cert ? readPem(tls.cert, 'ENGINE_TLS_CERT') : null,
  );
}
