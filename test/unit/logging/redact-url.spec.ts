import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../../src/logging/redact-url.js';

describe(redactUrl.name, () => {
  it.each([
    ['/api-ws/v1/audio/speech?token=s3cret', '/api-ws/v1/audio/speech?token=[redacted]'],
    ['/health?a=1&token=s3cret&b=2', '/health?a=1&token=[redacted]&b=2'],
    ['/x?token=one&token=two', '/x?token=[redacted]&token=[redacted]'],
    ['/x?%74oken=s3cret', '/x?%74oken=[redacted]'],
    ['/x?token=s3cret#frag', '/x?token=[redacted]#frag'],
    ['/x?token', '/x?token=[redacted]'],
  ])('%s → %s', (url, logged) => {
    expect(redactUrl(url)).toBe(logged);
  });

  it.each(['/api/v1/audio/speech', '/x?tokens=1&my_token=2', '/x?a=%E4%BD%A0', '/x?%zz=1'])(
    'leaves %s as it is',
    (url) => {
      expect(redactUrl(url)).toBe(url);
    },
  );
});
