/**
 * Labels, in the test output, the line onnxruntime prints itself (to stderr, outside vitest's
 * capture) when a test asks for CUDA on a host without it:
 * `[E:onnxruntime:...] ... FAIL : Failed to load library libonnxruntime_providers_shared.so`.
 * The test provokes it on purpose to check the service's own error message.
 */
export function labelExpectedCudaFailure(): void {
  console.warn(
    '[expected] this test asks for INFERENCE_DEVICE=cuda on a host without CUDA: the ' +
      'onnxruntime "FAIL : Failed to load library" line around here is provoked on purpose',
  );
}
