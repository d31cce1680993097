import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/load-config.js';

describe('INFERENCE_DEVICE=webgpu: one WebGPU thread per process', () => {
  it('accepts webgpu beside cpu and cuda', () => {
    for (const device of ['cpu', 'cuda', 'webgpu']) {
      expect(loadConfig({ INFERENCE_DEVICE: device }).inference.device).toBe(device);
    }
  });

  it('runs one inference worker when INFERENCE_WORKERS is not set (the default 2 becomes 1)', () => {
    expect(loadConfig({}).inference.workers).toBe(2);
    expect(loadConfig({ INFERENCE_DEVICE: 'webgpu' }).inference.workers).toBe(1);
    expect(
      loadConfig({ INFERENCE_DEVICE: 'webgpu', INFERENCE_WORKERS: '1' }).inference.workers,
    ).toBe(1);
  });

  it('refuses INFERENCE_WORKERS above 1 with a message that says why and what to set', () => {
    const env = { INFERENCE_DEVICE: 'webgpu', INFERENCE_WORKERS: '2' };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(
      /^INFERENCE_WORKERS=2 with INFERENCE_DEVICE=webgpu: .*two threads using it crash the process.*Set INFERENCE_WORKERS=1 or leave it unset/,
    );
    expect(loadConfig({ INFERENCE_DEVICE: 'cpu', INFERENCE_WORKERS: '2' }).inference.workers).toBe(
      2,
    );
  });
});
