/**
 * Fault drill for tests and operators: makes the next graph run of this thread fail as
 * onnxruntime's does when the GPU device is lost (a plain Error from `session.run`), since a real
 * device cannot be lost on demand. Armed through `InferenceWorkerPool.drillGpuDeviceLoss`.
 */
let armed = false;

export function armGpuDeviceLossDrill(): void {
  armed = true;
}

/** The run of `run`, or the drill's failure in its place once when armed. */
export function runUnlessDrilled<T>(run: () => Promise<T>): Promise<T> {
  if (!armed) return run();
  armed = false;
  return Promise.reject(
    new Error(
      "Non-zero status code returned while running MatMul node. Name:'gpu_device_loss_drill' " +
        'Status Message: WebGPU device lost (fault drill)',
    ),
  );
}
