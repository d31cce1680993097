import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The software Vulkan driver Debian's chromium package ships (CI installs chromium). */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * The environment that gives onnxruntime's WebGPU provider an adapter on a machine without a GPU:
 * the SwiftShader Vulkan driver, and a private XDG_RUNTIME_DIR (Dawn complains without one).
 */
export function swiftShaderEnv(): Record<string, string> {
  if (!existsSync(SWIFTSHADER_ICD)) {
    throw new Error(`${SWIFTSHADER_ICD} is missing: install Debian's chromium package`);
  }
  return {
    VK_ICD_FILENAMES: SWIFTSHADER_ICD,
    XDG_RUNTIME_DIR: mkdtempSync(join(tmpdir(), 'webgpu-xdg-')),
  };
}

/**
 * Points this test process at SwiftShader. Must run before the first WebGPU session of the
 * process: Dawn reads the variables once. Vitest runs each spec file in its own process.
 */
export function useSwiftShader(): void {
  Object.assign(process.env, swiftShaderEnv());
}
