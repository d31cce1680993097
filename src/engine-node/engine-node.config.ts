import { ConfigError, isLoopbackHost } from '../config/load-config.js';
import type { AppConfig } from '../config/app-config.js';
import { requiresClientCertificates } from '../inference/grpc/engine-tls.js';

/** Where an engine node listens: host and port of ENGINE_LISTEN. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** `host:port` or `[v6]:port` of ENGINE_LISTEN. */
export function parseListenAddress(listen: string): ListenAddress {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(listen);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) {
    throw new ConfigError(`ENGINE_LISTEN=${JSON.stringify(listen)}: not host:port`);
  }
  return { host: match[1], port };
}

/**
 * The listen address of an engine node; throws a ConfigError when it is not a loopback address
 * and the node authenticates no caller: neither ENGINE_SECRET nor mutual TLS (ENGINE_TLS_CERT,
 * ENGINE_TLS_KEY and ENGINE_TLS_CA) is set. A node never takes work from anyone who can reach it;
 * TLS without client certificates encrypts but lets any client in, so it needs the secret too.
 */
export function engineNodeListenAddress(config: AppConfig): ListenAddress {
  const address = parseListenAddress(config.engine.listen);
  if (
    !config.engine.secret &&
    !requiresClientCertificates(config.engine.tls) &&
    !isLoopbackHost(address.host)
  ) {
    throw new ConfigError(
      `ENGINE_SECRET or mutual TLS is required when ENGINE_LISTEN=${config.engine.listen} is not ` +
        'a loopback address (set ENGINE_SECRET on the engine nodes and the API service; or ' +
        'ENGINE_TLS_CERT, ENGINE_TLS_KEY and ENGINE_TLS_CA on both; or listen on 127.0.0.1)',
    );
  }
  return address;
}
