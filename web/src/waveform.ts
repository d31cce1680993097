/**
 * Draws the min/max envelope of `samples` across the canvas, one column per pixel, scaled to the
 * loudest sample so that quiet audio still shows its shape.
 */
export function drawWaveform(canvas: HTMLCanvasElement, samples: Float32Array): void {
  const context = canvas.getContext('2d');
  if (!context) {
    return;
  }
  const { width, height } = canvas;
  context.clearRect(0, 0, width, height);
  context.fillStyle = getComputedStyle(canvas).color;
  let peak = 0;
  for (const sample of samples) peak = Math.max(peak, Math.abs(sample));
  const scale = peak > 0 ? 1 / peak : 1;
  const perColumn = Math.max(1, Math.floor(samples.length / width));
  for (let x = 0; x < width; x++) {
    let low = 0;
    let high = 0;
    for (let i = x * perColumn; i < Math.min((x + 1) * perColumn, samples.length); i++) {
      low = Math.min(low, samples[i]);
      high = Math.max(high, samples[i]);
    }
    const top = ((1 - high * scale) / 2) * height;
    const bottom = ((1 - low * scale) / 2) * height;
    context.fillRect(x, top, 1, Math.max(1, bottom - top));
  }
}
