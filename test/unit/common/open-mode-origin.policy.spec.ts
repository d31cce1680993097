import { describe, expect, it } from 'vitest';
import { AccessMetrics } from '../../../src/common/access.metrics.js';
import { OpenModeOriginPolicy } from '../../../src/common/open-mode-origin.policy.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { MetricsService } from '../../../src/metrics/metrics.service.js';

function policy(env: Record<string, string> = {}): OpenModeOriginPolicy {
  return new OpenModeOriginPolicy(loadConfig(env), new AccessMetrics(new MetricsService()));
}

function verdict(check: OpenModeOriginPolicy, host?: string, origin?: string): string {
  try {
    check.assertAllowed({ host, origin });
    return 'allowed';
  } catch (error) {
    return (error as { status: number }).status === 403 ? 'forbidden' : String(error);
  }
}

describe('OpenModeOriginPolicy', () => {
  it('allows loopback host names, with or without a port', () => {
    const open = policy();
    for (const host of [
      'localhost',
      'localhost:8080',
      'LOCALHOST:8080',
      'app.localhost:3000',
      '127.0.0.1',
      '127.0.0.1:8080',
      '127.1.2.3:80',
      '[::1]:8080',
      '[::1]',
    ]) {
      expect(verdict(open, host), host).toBe('allowed');
    }
  });

  it('refuses every other host name, names that merely start like a loopback one included', () => {
    const open = policy();
    for (const host of [
      undefined,
      '',
      'evil.example:8080',
      'localhost.evil.example',
      '127.0.0.1.evil.example',
      '0.0.0.0:8080',
      '10.0.0.5',
      '[::2]:8080',
      'localhost:8080:1',
    ]) {
      expect(verdict(open, host), String(host)).toBe('forbidden');
    }
  });

  it('allows ALLOWED_HOSTS, whatever their case and port', () => {
    const open = policy({ ALLOWED_HOSTS: 'tts.example.com' });
    expect(verdict(open, 'TTS.example.com:443')).toBe('allowed');
    expect(verdict(open, 'other.example.com')).toBe('forbidden');
  });

  it('allows no Origin, the same origin, and CORS_ORIGINS; refuses other origins and "null"', () => {
    const open = policy({ CORS_ORIGINS: 'https://app.example.com' });
    const host = '127.0.0.1:8080';
    expect(verdict(open, host)).toBe('allowed');
    expect(verdict(open, host, 'http://127.0.0.1:8080')).toBe('allowed');
    expect(verdict(open, host, 'https://app.example.com')).toBe('allowed');
    expect(verdict(open, host, 'http://127.0.0.1:9999')).toBe('forbidden');
    expect(verdict(open, host, 'https://evil.example')).toBe('forbidden');
    expect(verdict(open, host, 'null')).toBe('forbidden');
  });

  it('allows any origin with CORS_ORIGINS=*, but still only the allowed hosts', () => {
    const open = policy({ CORS_ORIGINS: '*' });
    expect(verdict(open, 'localhost:8080', 'https://evil.example')).toBe('allowed');
    expect(verdict(open, 'evil.example', 'https://evil.example')).toBe('forbidden');
  });

  it('checks nothing when API_TOKENS is set', () => {
    const closed = policy({ API_TOKENS: 'a'.repeat(32) });
    expect(verdict(closed, 'evil.example:8080', 'https://evil.example')).toBe('allowed');
  });
});
