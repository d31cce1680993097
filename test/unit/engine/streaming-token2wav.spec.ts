import { describe, expect, it } from 'vitest';
import {
  HiftStreamCrossfade,
  MEL_CACHE_FRAMES,
  hammingWindow,
  type MelChunk,
} from '../../../src/inference/cosyvoice2/hift/hift-stream.crossfade.js';
import { StreamingSpeedFrames } from '../../../src/inference/cosyvoice2/token2wav/speech-speed.js';
import { StreamingTokenSchedule } from '../../../src/inference/cosyvoice2/token2wav/streaming-token2wav.schedule.js';

const BINS = 80;

function mel(frames: number, value: (bin: number, frame: number) => number): MelChunk {
  const data = new Float32Array(BINS * frames);
  for (let bin = 0; bin < BINS; bin++) {
    for (let f = 0; f < frames; f++) data[bin * frames + f] = value(bin, f);
  }
  return { data, frames };
}

describe('StreamingTokenSchedule', () => {
  it('waits for hop + 3 look-ahead tokens and grows the hop 25 -> 50 -> 100 -> 100', () => {
    const schedule = new StreamingTokenSchedule(0);
    expect(schedule.nextChunk(27)).toBeNull();
    expect(schedule.nextChunk(28)).toEqual({ tokenEnd: 28, melStart: 0, melEnd: 50, final: false });
    expect(schedule.nextChunk(77)).toBeNull();
    expect(schedule.nextChunk(78)).toEqual({
      tokenEnd: 78,
      melStart: 50,
      melEnd: 150,
      final: false,
    });
    expect(schedule.nextChunk(178)).toEqual({
      tokenEnd: 178,
      melStart: 150,
      melEnd: 350,
      final: false,
    });
    expect(schedule.nextChunk(278)).toEqual({
      tokenEnd: 278,
      melStart: 350,
      melEnd: 550,
      final: false,
    });
    expect(schedule.finalChunk(300)).toEqual({
      tokenEnd: 300,
      melStart: 550,
      melEnd: 600,
      final: true,
    });
  });

  it('pads the first hop so chunk ends fall on multiples of 25 tokens counting the prompt', () => {
    const schedule = new StreamingTokenSchedule(30);
    // 30 prompt tokens: pad 20, first hop 45 -> 30 + 45 = 75 = 3 x 25.
    expect(schedule.nextChunk(47)).toBeNull();
    expect(schedule.nextChunk(48)).toEqual({ tokenEnd: 48, melStart: 0, melEnd: 90, final: false });
    expect(schedule.offset).toBe(45);
    expect(schedule.nextChunk(98)).toEqual({
      tokenEnd: 98,
      melStart: 90,
      melEnd: 190,
      final: false,
    });
  });

  it('starts over at hop 25 for every new utterance', () => {
    const first = new StreamingTokenSchedule(50);
    first.nextChunk(28);
    first.nextChunk(78);
    expect(new StreamingTokenSchedule(50).nextChunk(28)?.melEnd).toBe(50);
  });
});

describe('hammingWindow', () => {
  it('matches numpy.hamming (symmetric)', () => {
    const w = hammingWindow(7680);
    expect(w[0]).toBeCloseTo(0.08, 6);
    expect(w[7679]).toBeCloseTo(0.08, 6);
    expect(w[3839]).toBeCloseTo(w[3840], 6);
    expect(w[3840]).toBeCloseTo(0.54 - 0.46 * Math.cos((2 * Math.PI * 3840) / 7679), 6);
  });
});

describe('HiftStreamCrossfade', () => {
  /** A stand-in vocoder: 480 samples per frame, each sample = the frame's bin-0 value. */
  const vocode = (input: MelChunk) =>
    Float32Array.from({ length: input.frames * 480 }, (_, i) => input.data[Math.floor(i / 480)]);

  it('prepends the last 8 mel frames of the previous chunk', () => {
    const state = new HiftStreamCrossfade();
    const first = mel(50, (_, f) => f);
    expect(state.melForVocoder(first)).toBe(first);
    state.emit(vocode(first), first, false);
    const second = state.melForVocoder(mel(20, (_, f) => 100 + f));
    expect(second.frames).toBe(28);
    expect(second.data[0]).toBe(42);
    expect(second.data[7]).toBe(49);
    expect(second.data[8]).toBe(100);
    expect(second.data[28]).toBe(42); // bin 1 starts at the cached frames too
  });

  it('holds back 3840 samples and cross-fades them into the next chunk', () => {
    const state = new HiftStreamCrossfade();
    const window = hammingWindow(7680);
    const first = mel(50, () => 1);
    const out1 = state.emit(vocode(first), first, false);
    expect(out1.length).toBe(50 * 480 - 3840);

    const secondMel = state.melForVocoder(mel(30, () => 2));
    const out2 = state.emit(vocode(secondMel), secondMel, false);
    expect(out2.length).toBe(30 * 480);
    // Its first 3840 samples re-vocode the 8 cached frames (value 1) and fade in with w[:3840]
    // over the held-back tail of the first chunk (value 1), which fades out with w[3840:].
    expect(out2[0]).toBeCloseTo(window[0] + window[3840], 6);
    expect(out2[1000]).toBeCloseTo(window[1000] + window[4840], 6);
    expect(out2[3840]).toBe(2);

    const lastMel = state.melForVocoder(mel(0, () => 0));
    expect(lastMel.frames).toBe(MEL_CACHE_FRAMES);
    const out3 = state.emit(vocode(lastMel), lastMel, true);
    expect(out3.length).toBe(3840);
    expect(out3[0]).toBeCloseTo(2 * window[0] + 2 * window[3840], 6);
  });

  it('emits exactly 480 samples per generated mel frame over a whole stream', () => {
    const state = new HiftStreamCrossfade();
    const chunks = [50, 100, 200, 37];
    let total = 0;
    chunks.forEach((frames, index) => {
      const input = state.melForVocoder(mel(frames, () => 0.5));
      total += state.emit(vocode(input), input, index === chunks.length - 1).length;
    });
    expect(total).toBe(387 * 480);
  });
});

describe('StreamingSpeedFrames', () => {
  it('splits floor(total / speed) frames over the chunks', () => {
    const speed = new StreamingSpeedFrames(1.5);
    const perChunk = [50, 100, 200, 37].map((frames) => speed.framesFor(frames));
    expect(perChunk.reduce((a, b) => a + b, 0)).toBe(Math.floor(387 / 1.5));
    expect(perChunk[0]).toBe(33);
    const slow = new StreamingSpeedFrames(0.5);
    expect([50, 100].map((frames) => slow.framesFor(frames))).toEqual([100, 200]);
  });
});
