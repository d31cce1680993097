"""Builds the CosyVoice2 benchmark pack: real-size graphs with random weights.

Needs Debian's python3-torch and python3-onnx (run with /usr/bin/python3); CI has neither and
never runs this. The pack (about 2.5 GB; 1.1 GB less with --int8) is written outside git
and is never committed. It exists to measure speed: every graph has the interface of the
tiny pack (scripts/models/tiny_pack.py, the same names, element types and ranks) and the
architecture sizes of CosyVoice2-0.5B, so the engine does the real amount of work:

- LLM: Qwen2-0.5B backbone, 24 decoder layers, hidden 896, 14 query heads, 2 KV heads, head dim
  64, SwiGLU MLP 4864, RMSNorm, RoPE (theta 1e6), the KV-cache inputs/outputs of the pack.
  embed_tokens is the full 151936 x 896 table. fp32 (the graph is 1.4 GB, under protobuf's
  2 GB, so no external data file is needed).
- Flow encoder: 6561 x 512 embedding, linear + pre-lookahead convs, 6 transformer blocks at 512
  (8 heads, FF 2048), x2 upsample + conv k5, 4 more blocks, projection to 80.
- Estimator: the CausalConditionalDecoder layout: 1 down, 12 mid and 1 up stage, each a causal
  resnet block at 256 channels (time embedding 1024) followed by 4 transformer blocks (8 heads
  x 64, FF 1024, GELU); batch 2 (the CFG pair).
- HiFT: F0 predictor (5 convs at 512), harmonic source, STFT as a fixed conv (n_fft 16, hop 4),
  conv_pre 80 -> 512, transposed convs 8/5/3 to 256/128/64 channels, source downsampling and
  source resblocks, 3 Snake resblocks (kernels 3/7/11, dilations 1/3/5) per stage, conv_post.

What is simplified and does not change the cost much: relative position encodings are plain
attention, attention is full (the real encoder and estimator use chunk masks, which ORT still
computes densely), GroupNorm/LayerNorm variants are LayerNorm, the NSF source is deterministic.

The llm_decoder bias puts most of the speech-token mass on 200 favoured tokens and gives EOS the
same level, so sampling can end an utterance; the benchmark caps the number of speech tokens
(25 per second of audio) so that runs compare.

--int8 writes the LLM graph (same file name) with its MatMul weights as int8 (symmetric, per
output column) and DynamicQuantizeLinear + MatMulInteger on the activations: the operator pattern
of onnxruntime's dynamic quantisation, which onnxruntime fuses into one int8 kernel on CPU.
--int8-estimator does the same to the flow estimator's MatMuls (its convolutions stay fp32).
onnxruntime's own Python quantiser is not used: Debian does not package onnxruntime for Python.

Usage: /usr/bin/python3 scripts/models/bench_pack.py <output dir> [--int8] [--int8-estimator]
The campplus and speech tokenizer graphs are the tiny pack's (voice features are not measured).
tokenizer.json and cosyvoice2-pack.json are written by scripts/models/make-bench-pack.ts.
"""

import math
import os
import sys

import numpy as np
import onnx
import torch
from torch import nn

import int8_quantize
import tiny_pack

OPSET = 17

HIDDEN = 896
NUM_LAYERS = 24
NUM_HEADS = 14
NUM_KV_HEADS = 2
HEAD_DIM = 64
MLP = 4864
ROPE_THETA = 1000000.0
TEXT_VOCAB = 151936

SPEECH_TOKENS = 6561
SPEECH_VOCAB = SPEECH_TOKENS + 3
MEL = 80
SPK = 192

FLOW_DIM = 512
FLOW_HEADS = 8
FLOW_FF = 2048
FLOW_BLOCKS_BEFORE = 6
FLOW_BLOCKS_AFTER = 4

EST_CHANNELS = 256
EST_HEADS = 8
EST_HEAD_DIM = 64
EST_FF = 1024
EST_TIME = 1024
EST_MID_BLOCKS = 12
EST_TRANSFORMERS = 4

HIFT_BASE = 512
HIFT_UPSAMPLE = [8, 5, 3]
HIFT_UPSAMPLE_KERNELS = [16, 11, 7]
HIFT_RES_KERNELS = [3, 7, 11]
HIFT_SOURCE_KERNELS = [7, 7, 11]
HIFT_DILATIONS = [1, 3, 5]
HIFT_HARMONICS = 9
N_FFT = 16
HOP = 4
SAMPLE_RATE = 24000

# Speech-token distribution: FAVOURED tokens hold most of the mass, EOS sits at the same level.
FAVOURED_SPEECH_TOKENS = 200
FAVOURED_BIAS = 6.0
EOS_BIAS = 6.0
DECODER_WEIGHT_STD = 0.02


def seeded(seed, module):
    torch.manual_seed(seed)
    for submodule in module.modules():
        if hasattr(submodule, "reset_parameters"):
            submodule.reset_parameters()
    return module.eval()


def causal_pad(x, kernel, dilation=1):
    return nn.functional.pad(x, ((kernel - 1) * dilation, 0))


QWEN2_0_5B = tiny_pack.Qwen2Sizes(HIDDEN, NUM_LAYERS, NUM_HEADS, NUM_KV_HEADS, HEAD_DIM, MLP, ROPE_THETA)


class GroupedQueryLayer(tiny_pack.DecoderLayer):
    """The tiny pack's decoder layer, attending without repeating the key/value heads: the query
    heads of a group are stacked along the rows, so every MatMul reads each cached key once."""

    def attend(self, q, all_k, all_v, allowed):
        sizes = self.sizes
        length = q.size(2)
        group = sizes.heads // sizes.kv_heads
        stacked = q.reshape(1, sizes.kv_heads, group * length, sizes.head_dim)
        scores = torch.matmul(stacked, all_k.transpose(2, 3)) / math.sqrt(sizes.head_dim)
        scores = scores.view(1, sizes.kv_heads, group, length, -1).masked_fill(allowed.unsqueeze(1) == 0, -1e4)
        weights = torch.softmax(scores, dim=-1).view(1, sizes.kv_heads, group * length, -1)
        return torch.matmul(weights, all_v).view(1, sizes.heads, length, sizes.head_dim)


class EmbedTokens(nn.Module):
    def __init__(self):
        super().__init__()
        self.table = nn.Parameter(torch.randn(TEXT_VOCAB, HIDDEN) * 0.02)

    def forward(self, ids):
        rows = torch.remainder(ids.to(torch.int64), TEXT_VOCAB)
        return nn.functional.embedding(rows, self.table)


class Attention(nn.Module):
    def __init__(self, dim, heads, head_dim):
        super().__init__()
        self.heads = heads
        self.head_dim = head_dim
        self.q = nn.Linear(dim, heads * head_dim)
        self.k = nn.Linear(dim, heads * head_dim)
        self.v = nn.Linear(dim, heads * head_dim)
        self.out = nn.Linear(heads * head_dim, dim)

    def forward(self, x):
        batch, length, _ = x.shape
        q = self.q(x).view(batch, length, self.heads, self.head_dim).transpose(1, 2)
        k = self.k(x).view(batch, length, self.heads, self.head_dim).transpose(1, 2)
        v = self.v(x).view(batch, length, self.heads, self.head_dim).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.head_dim)
        attended = torch.matmul(torch.softmax(scores, dim=-1), v)
        return self.out(attended.transpose(1, 2).reshape(batch, length, -1))


class TransformerBlock(nn.Module):
    """Pre-norm self-attention + feed-forward on [B, T, dim]."""

    def __init__(self, dim, heads, head_dim, ff):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attention = Attention(dim, heads, head_dim)
        self.norm2 = nn.LayerNorm(dim)
        self.ff_in = nn.Linear(dim, ff)
        self.ff_out = nn.Linear(ff, dim)

    def forward(self, x):
        x = x + self.attention(self.norm1(x))
        return x + self.ff_out(nn.functional.gelu(self.ff_in(self.norm2(x))))


class FlowEncoder(nn.Module):
    """UpsampleConformerEncoder-sized encoder with the tiny pack's inputs and outputs."""

    def __init__(self):
        super().__init__()
        self.table = nn.Embedding(SPEECH_TOKENS, FLOW_DIM)
        self.embed = nn.Linear(FLOW_DIM, FLOW_DIM)
        self.embed_norm = nn.LayerNorm(FLOW_DIM)
        self.lookahead1 = nn.Conv1d(FLOW_DIM, FLOW_DIM, kernel_size=4)
        self.lookahead2 = nn.Conv1d(FLOW_DIM, FLOW_DIM, kernel_size=3)
        self.before = nn.ModuleList(
            [TransformerBlock(FLOW_DIM, FLOW_HEADS, FLOW_DIM // FLOW_HEADS, FLOW_FF) for _ in range(FLOW_BLOCKS_BEFORE)]
        )
        self.upsample = nn.Conv1d(FLOW_DIM, FLOW_DIM, kernel_size=5)
        self.up_embed = nn.Linear(FLOW_DIM, FLOW_DIM)
        self.after = nn.ModuleList(
            [TransformerBlock(FLOW_DIM, FLOW_HEADS, FLOW_DIM // FLOW_HEADS, FLOW_FF) for _ in range(FLOW_BLOCKS_AFTER)]
        )
        self.after_norm = nn.LayerNorm(FLOW_DIM)
        self.proj = nn.Linear(FLOW_DIM, MEL)
        self.spk = nn.Linear(SPK, MEL)

    def forward(self, token, token_len, prompt_token, prompt_token_len, prompt_feat, embedding):
        all_tokens = torch.clamp(torch.cat([prompt_token, token], dim=1).to(torch.int64), 0, SPEECH_TOKENS - 1)
        prompt_valid = torch.arange(prompt_token.size(1)) < prompt_token_len.to(torch.int64)
        token_valid = torch.arange(token.size(1)) < token_len.to(torch.int64)
        valid = torch.cat([prompt_valid, token_valid], dim=0).to(torch.float32)
        x = self.embed_norm(self.embed(self.table(all_tokens) * valid.unsqueeze(1)))
        h = x.transpose(1, 2)
        h = h + self.lookahead2(causal_pad(nn.functional.leaky_relu(self.lookahead1(nn.functional.pad(h, (0, 3)))), 3))
        x = h.transpose(1, 2)
        for block in self.before:
            x = block(x)
        h = x.transpose(1, 2)
        h = torch.stack([h, h], dim=3).reshape(1, FLOW_DIM, -1)
        x = self.up_embed(self.upsample(causal_pad(h, 5)).transpose(1, 2))
        for block in self.after:
            x = block(x)
        frame_valid = torch.stack([valid, valid], dim=1).reshape(1, 1, -1)
        mu = self.proj(self.after_norm(x)).transpose(1, 2) * frame_valid
        prompt = prompt_feat.transpose(1, 2)
        cond = torch.cat([prompt, torch.zeros_like(mu[:, :, prompt.size(2):])], dim=2)
        spks = self.spk(nn.functional.normalize(embedding, dim=1))
        return mu, frame_valid, spks, cond


class CausalResnet(nn.Module):
    def __init__(self, dim_in, dim_out):
        super().__init__()
        self.conv1 = nn.Conv1d(dim_in, dim_out, kernel_size=3)
        self.norm1 = nn.LayerNorm(dim_out)
        self.time = nn.Linear(EST_TIME, dim_out)
        self.conv2 = nn.Conv1d(dim_out, dim_out, kernel_size=3)
        self.norm2 = nn.LayerNorm(dim_out)
        self.residual = nn.Conv1d(dim_in, dim_out, kernel_size=1)

    def block(self, conv, norm, x, mask):
        h = conv(causal_pad(x * mask, 3))
        return nn.functional.mish(norm(h.transpose(1, 2)).transpose(1, 2)) * mask

    def forward(self, x, mask, time):
        h = self.block(self.conv1, self.norm1, x, mask)
        h = h + self.time(nn.functional.mish(time)).unsqueeze(2)
        h = self.block(self.conv2, self.norm2, h, mask)
        return h + self.residual(x * mask)


class Stage(nn.Module):
    def __init__(self, dim_in):
        super().__init__()
        self.resnet = CausalResnet(dim_in, EST_CHANNELS)
        self.transformers = nn.ModuleList(
            [TransformerBlock(EST_CHANNELS, EST_HEADS, EST_HEAD_DIM, EST_FF) for _ in range(EST_TRANSFORMERS)]
        )

    def forward(self, x, mask, time):
        x = self.resnet(x, mask, time).transpose(1, 2)
        for block in self.transformers:
            x = block(x)
        return x.transpose(1, 2)


class Estimator(nn.Module):
    """CausalConditionalDecoder-sized U-Net over the CFG batch of 2."""

    def __init__(self):
        super().__init__()
        self.time1 = nn.Linear(4 * MEL, EST_TIME)
        self.time2 = nn.Linear(EST_TIME, EST_TIME)
        self.down = Stage(4 * MEL)
        self.downsample = nn.Conv1d(EST_CHANNELS, EST_CHANNELS, kernel_size=3)
        self.mid = nn.ModuleList([Stage(EST_CHANNELS) for _ in range(EST_MID_BLOCKS)])
        self.up = Stage(2 * EST_CHANNELS)
        self.upsample = nn.Conv1d(EST_CHANNELS, EST_CHANNELS, kernel_size=3)
        self.final = nn.Conv1d(EST_CHANNELS, EST_CHANNELS, kernel_size=3)
        self.proj = nn.Conv1d(EST_CHANNELS, MEL, kernel_size=1)

    def forward(self, x, mask, mu, t, spks, cond):
        half = 2 * MEL
        freqs = torch.exp(torch.arange(half, dtype=torch.float32) * (-math.log(10000.0) / (half - 1)))
        phase = 1000.0 * t.unsqueeze(1) * freqs.unsqueeze(0)
        time = torch.cat([torch.sin(phase), torch.cos(phase)], dim=1)
        time = self.time2(nn.functional.silu(self.time1(time)))
        speaker = spks.unsqueeze(2).expand(-1, -1, x.size(2))
        h = torch.cat([x, mu, speaker, cond], dim=1)
        skip = self.down(h, mask, time)
        h = self.downsample(causal_pad(skip * mask, 3))
        for stage in self.mid:
            h = stage(h, mask, time)
        h = self.up(torch.cat([h, skip], dim=1), mask, time)
        h = self.upsample(causal_pad(h * mask, 3))
        h = nn.functional.mish(self.final(causal_pad(h * mask, 3)))
        return self.proj(h * mask) * mask


class Snake(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.alpha = nn.Parameter(torch.ones(1, channels, 1))

    def forward(self, x):
        return x + torch.sin(self.alpha * x).pow(2) / (self.alpha + 1e-9)


class ResBlock(nn.Module):
    """HiFi-GAN ResBlock with Snake activations: per dilation, two convs with a residual."""

    def __init__(self, channels, kernel):
        super().__init__()
        self.convs1 = nn.ModuleList(
            [nn.Conv1d(channels, channels, kernel, dilation=d, padding=d * (kernel - 1) // 2) for d in HIFT_DILATIONS]
        )
        self.convs2 = nn.ModuleList(
            [nn.Conv1d(channels, channels, kernel, padding=(kernel - 1) // 2) for _ in HIFT_DILATIONS]
        )
        self.acts1 = nn.ModuleList([Snake(channels) for _ in HIFT_DILATIONS])
        self.acts2 = nn.ModuleList([Snake(channels) for _ in HIFT_DILATIONS])

    def forward(self, x):
        for conv1, conv2, act1, act2 in zip(self.convs1, self.convs2, self.acts1, self.acts2):
            x = x + 0.1 * conv2(act2(conv1(act1(x))))
        return x


class Hift(nn.Module):
    """HiFTGenerator-sized vocoder: speech_feat [1,80,T] -> magnitude, phase [1,9,120T+1]."""

    def __init__(self):
        super().__init__()
        self.f0_convs = nn.ModuleList(
            [nn.Conv1d(MEL if i == 0 else HIFT_BASE, HIFT_BASE, kernel_size=3, padding=1) for i in range(5)]
        )
        self.f0_out = nn.Linear(HIFT_BASE, 1)
        self.source_merge = nn.Linear(HIFT_HARMONICS, 1)
        self.conv_pre = nn.Conv1d(MEL, HIFT_BASE, kernel_size=7, padding=3)
        self.ups = nn.ModuleList()
        self.source_downs = nn.ModuleList()
        self.source_blocks = nn.ModuleList()
        self.blocks = nn.ModuleList()
        channels = HIFT_BASE
        down_specs = [(30, 15, 7), (6, 3, 1), (1, 1, 0)]
        for stage, (rate, kernel) in enumerate(zip(HIFT_UPSAMPLE, HIFT_UPSAMPLE_KERNELS)):
            out = channels // 2
            self.ups.append(nn.ConvTranspose1d(channels, out, kernel, stride=rate, padding=(kernel - rate) // 2))
            k, s, p = down_specs[stage]
            self.source_downs.append(nn.Conv1d(2 * HIFT_HARMONICS, out, k, stride=s, padding=p))
            self.source_blocks.append(ResBlock(out, HIFT_SOURCE_KERNELS[stage]))
            self.blocks.append(nn.ModuleList([ResBlock(out, kernel_size) for kernel_size in HIFT_RES_KERNELS]))
            channels = out
        self.conv_post = nn.Conv1d(channels, 2 * HIFT_HARMONICS, kernel_size=7, padding=3)
        window = torch.hann_window(N_FFT, periodic=True)
        bins = torch.arange(N_FFT // 2 + 1, dtype=torch.float32).unsqueeze(1)
        taps = torch.arange(N_FFT, dtype=torch.float32).unsqueeze(0)
        angle = 2 * math.pi * bins * taps / N_FFT
        kernel = torch.cat([torch.cos(angle) * window, -torch.sin(angle) * window], dim=0)
        self.register_buffer("stft_kernel", kernel.unsqueeze(1))

    def source(self, speech_feat):
        h = speech_feat
        for conv in self.f0_convs:
            h = nn.functional.elu(conv(h))
        f0 = torch.abs(self.f0_out(h.transpose(1, 2))).transpose(1, 2) * 50.0 + 100.0
        f0 = f0.unsqueeze(3).expand(-1, -1, -1, 480).reshape(1, 1, -1)
        harmonics = torch.arange(1, HIFT_HARMONICS + 1, dtype=torch.float32).view(1, HIFT_HARMONICS, 1)
        phase = torch.cumsum(f0 / SAMPLE_RATE, dim=2) * 2 * math.pi * harmonics
        sines = 0.1 * torch.sin(phase)
        source = torch.tanh(self.source_merge(sines.transpose(1, 2))).transpose(1, 2)
        padded = nn.functional.pad(source, (N_FFT // 2, N_FFT // 2), mode="reflect")
        return nn.functional.conv1d(padded, self.stft_kernel, stride=HOP)

    def forward(self, speech_feat):
        spectrum = self.source(speech_feat)
        x = self.conv_pre(speech_feat)
        for stage in range(len(self.ups)):
            x = self.ups[stage](nn.functional.leaky_relu(x, 0.1))
            if stage == len(self.ups) - 1:
                x = nn.functional.pad(x, (1, 0), mode="reflect")
            x = x + self.source_blocks[stage](self.source_downs[stage](spectrum))
            x = sum(block(x) for block in self.blocks[stage]) / len(self.blocks[stage])
        x = self.conv_post(nn.functional.leaky_relu(x))
        magnitude = torch.exp(0.5 * torch.tanh(x[:, :HIFT_HARMONICS]) - 2.5)
        phase = torch.sin(x[:, HIFT_HARMONICS:])
        return magnitude, phase


def build_embed_tokens(out_dir):
    module = seeded(201, EmbedTokens())
    with torch.no_grad():
        module.table.normal_(0.0, 0.02)
    tiny_pack.export_embed_tokens(module, out_dir)


def build_llm(out_dir):
    return tiny_pack.export_llm(seeded(202, tiny_pack.Llm(QWEN2_0_5B, GroupedQueryLayer)), out_dir)


def build_tables(out_dir):
    generator = np.random.default_rng(203)
    decoder_bias = tiny_pack.speech_decoder_bias(generator, FAVOURED_SPEECH_TOKENS, FAVOURED_BIAS, EOS_BIAS)
    tables = {
        "speech_embedding": generator.normal(0.0, 0.02, (SPEECH_VOCAB, HIDDEN)).astype(np.float32),
        "llm_embedding": generator.normal(0.0, 0.02, (2, HIDDEN)).astype(np.float32),
        "llm_decoder_weight": generator.normal(0.0, DECODER_WEIGHT_STD, (SPEECH_VOCAB, HIDDEN)).astype(np.float32),
        "llm_decoder_bias": decoder_bias,
    }
    tiny_pack.save_tables(out_dir, tables)


def build_flow_encoder(out_dir):
    tiny_pack.export_flow_encoder(seeded(204, FlowEncoder()), out_dir)


def build_estimator(out_dir):
    return tiny_pack.export_estimator(seeded(205, Estimator()), out_dir)


def build_hift(out_dir):
    tiny_pack.export_hift(seeded(206, Hift()), out_dir)


def quantise_graph(path):
    model = onnx.load(path)
    count = int8_quantize.quantise_matmuls(model)
    int8_quantize.save(model, path)
    return count


def main():
    args = sys.argv[1:]
    flags = {"--int8", "--int8-estimator"}
    positional = [arg for arg in args if arg not in flags]
    if len(positional) != 1:
        sys.exit("usage: bench_pack.py <output dir> [--int8] [--int8-estimator]")
    out_dir = positional[0]
    os.makedirs(out_dir, exist_ok=True)
    tiny_pack.build_campplus(out_dir)
    tiny_pack.build_speech_tokenizer(out_dir)
    build_tables(out_dir)
    build_hift(out_dir)
    estimator_path = build_estimator(out_dir)
    if "--int8-estimator" in args:
        print("int8 estimator: %d MatMul weights quantised" % quantise_graph(estimator_path))
    build_flow_encoder(out_dir)
    build_embed_tokens(out_dir)
    llm_path = build_llm(out_dir)
    if "--int8" in args:
        print("int8: %d MatMul weights quantised" % quantise_graph(llm_path))


if __name__ == "__main__":
    main()
