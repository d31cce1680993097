/** Channels averaged to one, clamped to [-1, 1] (lossy decoding can overshoot full scale). */
export function toMono(channelData: Float32Array[], length: number): Float32Array {
  const channels = channelData.filter((channel) => channel.length > 0);
  const samples = new Float32Array(length);
  for (const channel of channels) {
    for (let i = 0; i < length; i++) samples[i] += channel[i] / channels.length;
  }
  for (let i = 0; i < length; i++) samples[i] = Math.max(-1, Math.min(1, samples[i]));
  return samples;
}
