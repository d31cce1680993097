import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { isIP } from 'node:net';
import { APP_CONFIG, AppConfig } from '../config/app-config.js';
import { AccessMetrics } from './access.metrics.js';
import { ApiError } from './api-error.js';

/** The headers of a request (or WebSocket handshake) that say which site sent it. */
export interface RequestOrigin {
  /** The `Host` header. */
  host: string | undefined;
  /** The `Origin` header; browsers send it, most other clients do not. */
  origin: string | undefined;
}

/**
 * What keeps web pages off the open API (no API_TOKENS, loopback only). A page a developer visits
 * may reach 127.0.0.1 through DNS rebinding (its own name resolving to 127.0.0.1: the request
 * then says `Host: evil.example`) or send simple requests and WebSocket handshakes straight to it
 * (its `Origin` is then another site). So without tokens a request to a route that needs one, and
 * every WebSocket handshake, must name a loopback host (`localhost`, `*.localhost`, `127.x.x.x`,
 * `[::1]`) or one of ALLOWED_HOSTS (a reverse proxy on loopback that forwards its public name),
 * and, if it has an `Origin`, come from the same host or from one of CORS_ORIGINS (`*`: any).
 * Clients that send no `Origin` (curl, SDKs, the Python clients) are unaffected. With
 * API_TOKENS set, nothing is checked here: a page cannot know a token.
 */
@Injectable()
export class OpenModeOriginPolicy {
  private readonly open: boolean;
  private readonly allowedHosts: Set<string>;
  private readonly corsOrigins: Set<string>;
  private readonly anyOrigin: boolean;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly metrics: AccessMetrics,
  ) {
    this.open = config.apiTokens.length === 0;
    this.allowedHosts = new Set(config.allowedHosts);
    this.corsOrigins = new Set(config.corsOrigins.map((origin) => origin.toLowerCase()));
    this.anyOrigin = this.corsOrigins.has('*');
  }

  /** Throws 403 Forbidden when the open API must not answer this request. */
  assertAllowed({ host, origin }: RequestOrigin): void {
    if (!this.open) {
      return;
    }
    const hostname = host === undefined ? undefined : hostnameOf(host);
    if (hostname === undefined || !(isLoopbackName(hostname) || this.allowedHosts.has(hostname))) {
      this.metrics.refused('host_not_allowed');
      throw forbidden(
        `Host ${JSON.stringify(host ?? '')} is not allowed: without API_TOKENS only loopback ` +
          'host names and ALLOWED_HOSTS are answered',
      );
    }
    if (origin === undefined || this.anyOrigin) {
      return;
    }
    const normalised = origin.toLowerCase();
    if (this.corsOrigins.has(normalised) || originHost(normalised) === host?.toLowerCase()) {
      return;
    }
    this.metrics.refused('origin_not_allowed');
    throw forbidden(
      `Origin ${JSON.stringify(origin)} is not allowed: without API_TOKENS only same-origin ` +
        'pages and CORS_ORIGINS may call the API',
    );
  }
}

function forbidden(message: string): ApiError {
  return new ApiError(HttpStatus.FORBIDDEN, 'Forbidden', message);
}

/** The host name of a Host header, lower case, without port or IPv6 brackets. */
function hostnameOf(host: string): string | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(:\d{1,5})?$/.exec(host.trim());
  return match?.[1].toLowerCase().replace(/^\[(.*)\]$/, '$1');
}

function isLoopbackName(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    hostname === '::1' ||
    (isIP(hostname) === 4 && hostname.startsWith('127.'))
  );
}

/** `host[:port]` of an origin like `http://127.0.0.1:8080`; undefined for `null` and the like. */
function originHost(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.host : undefined;
  } catch {
    return undefined;
  }
}
