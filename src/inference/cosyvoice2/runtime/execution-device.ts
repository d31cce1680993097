import type { InferenceSession } from 'onnxruntime-node';
import type { InferenceDevice } from '../../../config/app-config.js';

/** What a session's options depend on. */
export interface DeviceSettings {
  device: InferenceDevice;
  /** CPU intra-op threads (0 = onnxruntime's default); ignored by the GPU providers. */
  threads: number;
}

/** Where a session leaves its outputs: all in one place, or per output name. */
export type OutputLocations = NonNullable<
  InferenceSession.SessionOptions['preferredOutputLocation']
>;

/** onnxruntime's error severity: hides the per-session "some nodes run on the CPU" warning. */
const ERRORS_ONLY = 3;

/**
 * The one place that builds session options for a device: the pack's graphs, the engine's own
 * in-memory graphs and the device probe all go through it. `outputs` asks a GPU provider to
 * leave outputs on the device (`gpu-buffer`); on the CPU every output is on the CPU anyway.
 */
export function sessionOptionsFor(
  settings: DeviceSettings,
  outputs?: OutputLocations,
): InferenceSession.SessionOptions {
  const base: InferenceSession.SessionOptions = { graphOptimizationLevel: 'all' };
  switch (settings.device) {
    case 'cpu':
      return {
        ...base,
        executionProviders: ['cpu'],
        ...(settings.threads > 0 ? { intraOpNumThreads: settings.threads } : {}),
      };
    case 'cuda':
      return { ...base, executionProviders: ['cuda'] };
    case 'webgpu':
      return {
        ...base,
        executionProviders: ['webgpu'],
        logSeverityLevel: ERRORS_ONLY,
        ...(outputs === undefined ? {} : { preferredOutputLocation: outputs }),
      };
  }
}

/** Whether outputs can stay on the device between runs (onnxruntime-node: WebGPU only). */
export function keepsOutputsOnDevice(device: InferenceDevice): boolean {
  return device === 'webgpu';
}

/** The device as the boot log, `/ready` and `models:check` name it. */
export function describeDevice(settings: DeviceSettings): string {
  switch (settings.device) {
    case 'cuda':
      return 'cuda (CUDA execution provider)';
    case 'webgpu':
      return 'webgpu (WebGPU execution provider: Dawn over Vulkan)';
    case 'cpu':
      return `cpu (CPU execution provider, ${
        settings.threads > 0 ? `${settings.threads} intra-op threads` : 'default threads'
      })`;
  }
}

/** How to fix an INFERENCE_DEVICE whose provider onnxruntime could not create. */
export function deviceUnavailableHint(device: InferenceDevice): string {
  if (device === 'webgpu') {
    return (
      'WebGPU found no usable adapter: it needs a Vulkan loader (libvulkan1) and a Vulkan driver ' +
      'whose ICD file the loader finds (set VK_ICD_FILENAMES or VK_DRIVER_FILES to e.g. ' +
      '/usr/share/vulkan/icd.d/nvidia_icd.json; on NVIDIA in a container, ' +
      'NVIDIA_DRIVER_CAPABILITIES must include graphics). Or set INFERENCE_DEVICE=cpu'
    );
  }
  return 'Install a CUDA-enabled onnxruntime-node with its CUDA/cuDNN runtime, or set INFERENCE_DEVICE=cpu';
}
