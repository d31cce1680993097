import { describe, expect, it } from 'vitest';
import { createAppLogger } from '../../../src/logging/app-logger.js';

function capture(level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const logger = createAppLogger(level, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { lines, logger };
}

describe(createAppLogger.name, () => {
  it('writes the level by name and the time in ISO 8601', () => {
    const { lines, logger } = capture();
    logger.info('hello');
    logger.debug('below the threshold');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'hello' });
    expect(new Date(String(lines[0].time)).toISOString()).toBe(lines[0].time);
  });

  it('logs a request as method, URL without the token value, and remote address only', () => {
    const { lines, logger } = capture();
    logger.info({
      req: {
        method: 'GET',
        url: '/api-ws/v1/audio/speech?token=s3cret',
        ip: '10.0.0.7',
        headers: { authorization: 'Bearer s3cret' },
        body: { text: 'private' },
      },
    });
    expect(lines[0].req).toEqual({
      method: 'GET',
      url: '/api-ws/v1/audio/speech?token=[redacted]',
      remoteAddress: '10.0.0.7',
    });
  });

  it('redacts an authorization header logged on its own', () => {
    const { lines, logger } = capture();
    logger.info({ headers: { authorization: 'Bearer s3cret', accept: '*/*' } }, 'headers');
    logger.info({ upstream: { headers: { authorization: 'Bearer s3cret' } } }, 'nested');
    expect(lines[0].headers).toEqual({ authorization: '[redacted]', accept: '*/*' });
    expect(JSON.stringify(lines)).not.toContain('s3cret');
  });
});
