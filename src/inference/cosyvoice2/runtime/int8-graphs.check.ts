import { join } from 'node:path';
import type { InferenceDevice } from '../../../config/app-config.js';
import { GRAPH_ROLES } from '../../model-pack/model-pack.manifest.js';
import type { LoadedModelPack } from '../../model-pack/model-pack.types.js';
import { operatorsIn } from './random-op.scan.js';

/** The operators of an int8 pack (`npm run models:quantize`): no WebGPU kernels for them. */
const INT8_OPERATORS = ['MatMulInteger', 'DynamicQuantizeLinear'];

/**
 * Refuses a pack with int8 graphs on WebGPU. onnxruntime's WebGPU provider has no kernel for
 * MatMulInteger or DynamicQuantizeLinear: it runs them on the CPU, copying each quantised
 * MatMul's input down and its output back up on every run. Measured on SwiftShader, the tiny
 * pack's int8 LLM loaded and ran with those operators on the CPU (onnxruntime's log), and gave
 * other speech tokens than the same pack on the CPU (a seeded request's audio 2.4× as long): the
 * KV cache no longer stays on the GPU for whole steps, and the int8 pack exists for CPU hosts.
 */
export async function refuseInt8GraphsOn(
  device: InferenceDevice,
  pack: LoadedModelPack,
): Promise<void> {
  if (device !== 'webgpu') return;
  for (const role of GRAPH_ROLES) {
    const { file } = pack.manifest.roles[role];
    const operators = await operatorsIn(join(pack.dir, file), INT8_OPERATORS);
    if (operators.length > 0) {
      throw new Error(
        `${file} is an int8 graph (${operators.join(', ')}), which INFERENCE_DEVICE=webgpu cannot ` +
          'run on the GPU: onnxruntime has no WebGPU kernel for these operators and would copy ' +
          'every quantised MatMul to the CPU and back. Point MODEL_DIR at the float pack ' +
          '(npm run models:download), or use the int8 pack with INFERENCE_DEVICE=cpu',
      );
    }
  }
}
