import { Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../config/app-config.js';

/** Checks bearer tokens against API_TOKENS in constant time. */
@Injectable()
export class ApiTokenService {
  private readonly digests: Buffer[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.digests = config.apiTokens.map(digest);
  }

  /** True when the API runs without tokens (loopback only, enforced at boot). */
  get isOpen(): boolean {
    return this.digests.length === 0;
  }

  isValid(token: string | undefined): boolean {
    if (this.isOpen) {
      return true;
    }
    if (!token) {
      return false;
    }
    const candidate = digest(token);
    let match = false;
    for (const known of this.digests) {
      match = timingSafeEqual(candidate, known) || match;
    }
    return match;
  }

  /** Extracts the token of an `Authorization: Bearer <token>` header. */
  static bearerToken(header: string | string[] | undefined): string | undefined {
    const value = Array.isArray(header) ? header[0] : header;
    const match = value?.match(/^Bearer\s+(\S+)\s*$/i);
    return match?.[1];
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
