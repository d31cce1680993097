"""Builds the tiny CosyVoice2 model pack used by the tests.

Every graph has the input/output names, element types and ranks of the real
CosyVoice2-0.5B pack (official files + the ailia-models export), but small
hidden sizes and deterministic weights (fixed seeds). The speech-side
vocabulary keeps its real size (6561 speech tokens + 3 stop/fill ids), so the
engine's special ids (EOS 6561, fill 6563) mean the same thing here.

Usage: /usr/bin/python3 scripts/models/tiny_pack.py <output dir>

Writes the seven .onnx graphs and the four .npy tables; tokenizer.json and
cosyvoice2-pack.json are written by scripts/models/make-tiny-pack.ts.
"""

import inspect
import math
import os
import sys
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

OPSET = 17

HIDDEN = 32  # real: 896
NUM_LAYERS = 4  # real: 24
NUM_HEADS = 4  # real: 14
NUM_KV_HEADS = 2  # real: 2
HEAD_DIM = HIDDEN // NUM_HEADS  # real: 64
MLP = 64
ROPE_THETA = 10000.0

SPEECH_TOKENS = 6561
EOS = 6561
SPEECH_VOCAB = SPEECH_TOKENS + 3  # 6564 rows: tokens, eos, (unused), fill
TEXT_TABLE_ROWS = 997  # text ids (up to 151662) are reduced modulo this inside embed_tokens
FLOW_TABLE_ROWS = 509  # speech ids are reduced modulo this inside the flow encoder
FLOW_DIM = 16
MEL = 80
SPK = 192
WHISPER_MELS = 128
HIFT_FREQS = 9  # n_fft 16 -> 9 bins
HIFT_FRAMES_PER_MEL = 120  # 480 samples per mel frame / hop 4
HIFT_DIM = 16

FAVOURED_SPEECH_TOKENS = 64
FAVOURED_BIAS = 6.0
EOS_BIAS = 6.5
UNUSED_STOP_BIAS = -30.0


def seeded(seed, module):
    torch.manual_seed(seed)
    for parameter in module.parameters():
        nn.init.normal_(parameter, mean=0.0, std=0.2)
    return module.eval()


def causal_pad(x, kernel):
    return nn.functional.pad(x, (kernel - 1, 0))


class CampPlus(nn.Module):
    """input [B, T, 80] fbank -> [B, 192] speaker embedding."""

    def __init__(self):
        super().__init__()
        self.frame = nn.Linear(MEL, 64)
        self.out = nn.Linear(64, SPK)

    def forward(self, feats):
        return self.out(torch.tanh(self.frame(feats)).mean(dim=1))


class SpeechTokenizer(nn.Module):
    """feats [1, 128, T], feats_length int32 [1] -> int64 tokens [1, ceil(T/4)] in 0..6560."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv1d(WHISPER_MELS, 16, kernel_size=3, stride=2, padding=1)
        self.conv2 = nn.Conv1d(16, 16, kernel_size=3, stride=2, padding=1)
        self.head = nn.Linear(16, 1)

    def forward(self, feats, feats_length):
        frames = torch.arange(feats.size(2), device=feats.device)
        valid = (frames < feats_length.to(torch.int64)).to(feats.dtype)
        h = torch.tanh(self.conv1(feats * valid))
        h = torch.tanh(self.conv2(h))
        score = torch.sigmoid(3.0 * self.head(h.transpose(1, 2)).squeeze(-1))
        tokens = torch.floor(score * SPEECH_TOKENS).to(torch.int64)
        return torch.clamp(tokens, 0, SPEECH_TOKENS - 1)


class EmbedTokens(nn.Module):
    """input int32 text ids [1, L] -> [1, L, HIDDEN]."""

    def __init__(self):
        super().__init__()
        self.table = nn.Parameter(torch.zeros(TEXT_TABLE_ROWS, HIDDEN))

    def forward(self, ids):
        rows = torch.remainder(ids.to(torch.int64), TEXT_TABLE_ROWS)
        return nn.functional.embedding(rows, self.table)


class RmsNorm(nn.Module):
    def __init__(self, size):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + 1e-6) * self.weight


def rotate(x, cos, sin):
    half = x.size(-1) // 2
    x1 = x[..., :half]
    x2 = x[..., half:]
    return x * cos + torch.cat([-x2, x1], dim=-1) * sin


class Qwen2Sizes(NamedTuple):
    hidden: int
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    mlp: int
    rope_theta: float


TINY_QWEN2 = Qwen2Sizes(HIDDEN, NUM_LAYERS, NUM_HEADS, NUM_KV_HEADS, HEAD_DIM, MLP, ROPE_THETA)


class DecoderLayer(nn.Module):
    """A Qwen2 decoder layer: RMSNorm, grouped-query attention with RoPE and a KV cache, SwiGLU."""

    def __init__(self, sizes):
        super().__init__()
        self.sizes = sizes
        self.input_norm = RmsNorm(sizes.hidden)
        self.q = nn.Linear(sizes.hidden, sizes.heads * sizes.head_dim)
        self.k = nn.Linear(sizes.hidden, sizes.kv_heads * sizes.head_dim)
        self.v = nn.Linear(sizes.hidden, sizes.kv_heads * sizes.head_dim)
        self.o = nn.Linear(sizes.heads * sizes.head_dim, sizes.hidden, bias=False)
        self.post_norm = RmsNorm(sizes.hidden)
        self.gate = nn.Linear(sizes.hidden, sizes.mlp, bias=False)
        self.up = nn.Linear(sizes.hidden, sizes.mlp, bias=False)
        self.down = nn.Linear(sizes.mlp, sizes.hidden, bias=False)

    def attend(self, q, all_k, all_v, allowed):
        """q [1,heads,L,hd], all_k/all_v [1,kv_heads,past+L,hd], allowed [1,1,L,past+L]
        -> [1,heads,L,hd]: every query head attends to its group's key/value head, repeated."""
        sizes = self.sizes
        group = sizes.heads // sizes.kv_heads
        wide_k = all_k.unsqueeze(2).expand(-1, -1, group, -1, -1).reshape(1, sizes.heads, -1, sizes.head_dim)
        wide_v = all_v.unsqueeze(2).expand(-1, -1, group, -1, -1).reshape(1, sizes.heads, -1, sizes.head_dim)
        scores = torch.matmul(q, wide_k.transpose(2, 3)) / math.sqrt(sizes.head_dim)
        scores = scores.masked_fill(allowed == 0, -1e4)
        return torch.matmul(torch.softmax(scores, dim=-1), wide_v)

    def forward(self, x, allowed, cos, sin, past_k, past_v):
        sizes = self.sizes
        length = x.size(1)
        h = self.input_norm(x)
        q = self.q(h).view(1, length, sizes.heads, sizes.head_dim).transpose(1, 2)
        k = self.k(h).view(1, length, sizes.kv_heads, sizes.head_dim).transpose(1, 2)
        v = self.v(h).view(1, length, sizes.kv_heads, sizes.head_dim).transpose(1, 2)
        q = rotate(q, cos, sin)
        k = rotate(k, cos, sin)
        all_k = torch.cat([past_k, k], dim=2)
        all_v = torch.cat([past_v, v], dim=2)
        attended = self.attend(q, all_k, all_v, allowed)
        attended = attended.transpose(1, 2).reshape(1, length, sizes.heads * sizes.head_dim)
        x = x + self.o(attended)
        h = self.post_norm(x)
        x = x + self.down(nn.functional.silu(self.gate(h)) * self.up(h))
        return x, all_k, all_v


class Llm(nn.Module):
    """xs [1,L,H], masks bool [1,L,L], key_cacheN/value_cacheN [1,kv_heads,past,hd]
    -> hidden [1,L,H] (after the final norm), then k0, v0, k1, v1, ... [1,kv_heads,past+L,hd]."""

    def __init__(self, sizes=TINY_QWEN2, layer=DecoderLayer):
        super().__init__()
        self.sizes = sizes
        self.layers = nn.ModuleList([layer(sizes) for _ in range(sizes.layers)])
        self.norm = RmsNorm(sizes.hidden)

    def forward(self, xs, masks, *caches):
        sizes = self.sizes
        length = xs.size(1)
        past = caches[0].size(2)
        keep_past = torch.ones(1, length, past, dtype=torch.bool)
        allowed = torch.cat([keep_past, masks], dim=2).unsqueeze(1)
        positions = torch.arange(length, dtype=torch.float32) + past
        exponents = torch.arange(0, sizes.head_dim, 2, dtype=torch.float32) / sizes.head_dim
        inv_freq = 1.0 / (sizes.rope_theta**exponents)
        angles = positions.unsqueeze(1) * inv_freq.unsqueeze(0)
        angles = torch.cat([angles, angles], dim=-1)
        cos = torch.cos(angles)
        sin = torch.sin(angles)
        x = xs
        new_caches = []
        for index, layer in enumerate(self.layers):
            x, k, v = layer(x, allowed, cos, sin, caches[2 * index], caches[2 * index + 1])
            new_caches.extend([k, v])
        return (self.norm(x), *new_caches)


class FlowEncoder(nn.Module):
    """token/prompt_token int64, lengths int32, prompt_feat [1,2P,80], embedding [1,192]
    -> mu [1,80,2(P+N)], mask [1,1,2(P+N)], spks [1,80], cond [1,80,2(P+N)].
    Causal over tokens, so a longer token sequence never changes earlier frames."""

    def __init__(self):
        super().__init__()
        self.table = nn.Parameter(torch.zeros(FLOW_TABLE_ROWS, FLOW_DIM))
        self.conv = nn.Conv1d(FLOW_DIM, FLOW_DIM, kernel_size=3)
        self.even = nn.Conv1d(FLOW_DIM, FLOW_DIM, kernel_size=1)
        self.odd = nn.Conv1d(FLOW_DIM, FLOW_DIM, kernel_size=1)
        self.proj = nn.Conv1d(FLOW_DIM, MEL, kernel_size=1)
        self.spk = nn.Linear(SPK, MEL)

    def forward(self, token, token_len, prompt_token, prompt_token_len, prompt_feat, embedding):
        all_tokens = torch.cat([prompt_token, token], dim=1).to(torch.int64)
        rows = torch.remainder(torch.clamp(all_tokens, min=0), FLOW_TABLE_ROWS)
        prompt_valid = torch.arange(prompt_token.size(1)) < prompt_token_len.to(torch.int64)
        token_valid = torch.arange(token.size(1)) < token_len.to(torch.int64)
        valid = torch.cat([prompt_valid, token_valid], dim=0).to(torch.float32)
        x = nn.functional.embedding(rows, self.table).transpose(1, 2) * valid
        h = torch.tanh(self.conv(causal_pad(x, 3))) + x
        frames = torch.stack([self.even(h), self.odd(h)], dim=3).reshape(1, FLOW_DIM, -1)
        frame_valid = torch.stack([valid, valid], dim=1).reshape(1, 1, -1)
        mu = 2.0 * torch.tanh(self.proj(frames)) * frame_valid
        prompt = prompt_feat.transpose(1, 2)
        cond = torch.cat([prompt, torch.zeros_like(mu[:, :, prompt.size(2):])], dim=2)
        spks = self.spk(nn.functional.normalize(embedding, dim=1))
        return mu, frame_valid, spks, cond


class Estimator(nn.Module):
    """x, mask, mu, t, spks, cond (CFG batch of 2) -> estimator_out [2,80,T].
    A velocity pointing from x towards mu plus a small causal correction."""

    def __init__(self):
        super().__init__()
        self.time = nn.Linear(16, 32)
        self.conv = nn.Conv1d(4 * MEL, 32, kernel_size=3)
        self.out = nn.Conv1d(32, MEL, kernel_size=1)

    def forward(self, x, mask, mu, t, spks, cond):
        freqs = torch.exp(torch.arange(8, dtype=torch.float32) * (-math.log(1000.0) / 8))
        phase = t.unsqueeze(1) * 100.0 * freqs.unsqueeze(0)
        time = self.time(torch.cat([torch.sin(phase), torch.cos(phase)], dim=1))
        speaker = spks.unsqueeze(2).expand(-1, -1, x.size(2))
        stacked = torch.cat([x, mu, speaker, cond], dim=1) * mask
        h = torch.tanh(self.conv(causal_pad(stacked, 3)) + time.unsqueeze(2))
        return ((mu - x) + 0.3 * torch.tanh(self.out(h))) * mask


class Hift(nn.Module):
    """speech_feat [1,80,T] -> magnitude [1,9,120T+1], phase [1,9,120T+1] (phase already through sin).
    Causal over mel frames; magnitude stays small so the iSTFT output is well inside +-0.99."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(MEL, HIFT_DIM, kernel_size=3)
        self.spread = nn.Conv1d(HIFT_DIM, 2 * HIFT_FREQS * HIFT_FRAMES_PER_MEL, kernel_size=1)

    def forward(self, speech_feat):
        h = torch.tanh(self.conv(causal_pad(speech_feat, 3)))
        spread = self.spread(h).reshape(1, 2 * HIFT_FREQS, HIFT_FRAMES_PER_MEL, -1)
        frames = spread.transpose(2, 3).reshape(1, 2 * HIFT_FREQS, -1)
        frames = torch.cat([frames[:, :, 1:2], frames], dim=2)
        magnitude = torch.exp(0.5 * torch.tanh(frames[:, :HIFT_FREQS]) - 2.5)
        phase = torch.sin(3.0 * frames[:, HIFT_FREQS:])
        return magnitude, phase


def exporter_options():
    """Pins the TorchScript exporter: torch 2.x defaults to the dynamo exporter, which writes
    other graphs (and ignores dynamic_axes); torch 1.13 has only the TorchScript one."""
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        return {"dynamo": False}
    return {}


def export(module, args, path, input_names, output_names, dynamic_axes):
    with torch.no_grad():
        torch.onnx.export(
            module,
            args,
            path,
            input_names=input_names,
            output_names=output_names,
            dynamic_axes=dynamic_axes,
            opset_version=OPSET,
            do_constant_folding=True,
            **exporter_options(),
        )


def export_embed_tokens(module, out_dir):
    """Exports `embed_tokens` (int32 text ids [1, L] -> [1, L, hidden])."""
    ids = torch.tensor([[151646, 3, 42, 99999]], dtype=torch.int32)
    export(
        module,
        (ids,),
        os.path.join(out_dir, "CosyVoice2-0.5B_embed_tokens.onnx"),
        ["input"],
        ["output"],
        {"input": {1: "l"}, "output": {1: "l"}},
    )


def llm_names(num_layers):
    inputs = ["xs", "masks"]
    outputs = ["y_pred"]
    for index in range(num_layers):
        inputs += ["key_cache%d" % index, "value_cache%d" % index]
        outputs += ["key_cache_out%d" % index, "value_cache_out%d" % index]
    return inputs, outputs


def export_llm(module, out_dir):
    """Exports the LLM backbone with its per-layer KV-cache inputs/outputs; returns the path."""
    sizes = module.sizes
    length, past = 3, 2
    xs = torch.randn(1, length, sizes.hidden)
    masks = torch.tril(torch.ones(1, length, length)).to(torch.bool)
    caches = [torch.randn(1, sizes.kv_heads, past, sizes.head_dim) for _ in range(2 * sizes.layers)]
    inputs, outputs = llm_names(sizes.layers)
    axes = {"xs": {1: "l"}, "masks": {1: "l", 2: "l"}, "y_pred": {1: "l"}}
    for name in inputs[2:]:
        axes[name] = {2: "past"}
    for name in outputs[1:]:
        axes[name] = {2: "total"}
    path = os.path.join(out_dir, "CosyVoice2-0.5B_llm.onnx")
    export(module, (xs, masks, *caches), path, inputs, outputs, axes)
    return path


def export_flow_encoder(module, out_dir):
    tokens, prompt = 5, 4
    args = (
        torch.randint(0, SPEECH_TOKENS, (1, tokens), dtype=torch.int64),
        torch.tensor([tokens], dtype=torch.int32),
        torch.randint(0, SPEECH_TOKENS, (1, prompt), dtype=torch.int64),
        torch.tensor([prompt], dtype=torch.int32),
        torch.randn(1, 2 * prompt, MEL),
        torch.randn(1, SPK),
    )
    export(
        module,
        args,
        os.path.join(out_dir, "CosyVoice2-0.5B_flow_encoder.onnx"),
        ["token", "token_len", "prompt_token", "prompt_token_len", "prompt_feat", "embedding"],
        ["mu", "mask", "spks", "cond"],
        {
            "token": {1: "n"},
            "prompt_token": {1: "p"},
            "prompt_feat": {1: "prompt_frames"},
            "mu": {2: "frames"},
            "mask": {2: "frames"},
            "cond": {2: "frames"},
        },
    )


def export_estimator(module, out_dir):
    """Exports the flow estimator (the CFG pair as batch 2); returns the path."""
    frames = 6
    args = (
        torch.randn(2, MEL, frames),
        torch.ones(2, 1, frames),
        torch.randn(2, MEL, frames),
        torch.tensor([0.3, 0.3]),
        torch.randn(2, MEL),
        torch.randn(2, MEL, frames),
    )
    path = os.path.join(out_dir, "flow.decoder.estimator.fp32.onnx")
    export(
        module,
        args,
        path,
        ["x", "mask", "mu", "t", "spks", "cond"],
        ["estimator_out"],
        {name: {2: "seq_len"} for name in ["x", "mask", "mu", "cond", "estimator_out"]},
    )
    return path


def export_hift(module, out_dir):
    export(
        module,
        (torch.randn(1, MEL, 4),),
        os.path.join(out_dir, "CosyVoice2-0.5B_hift.onnx"),
        ["speech_feat"],
        ["magnitude", "phase"],
        {"speech_feat": {2: "t"}, "magnitude": {2: "stft_frames"}, "phase": {2: "stft_frames"}},
    )


def build_embed_tokens(out_dir):
    export_embed_tokens(seeded(101, EmbedTokens()), out_dir)


def build_llm(out_dir):
    module = seeded(102, Llm())
    for layer in module.layers:
        nn.init.ones_(layer.input_norm.weight)
        nn.init.ones_(layer.post_norm.weight)
    nn.init.ones_(module.norm.weight)
    export_llm(module, out_dir)
    return module


def speech_decoder_bias(generator, favoured_tokens, favoured_bias, eos_bias):
    """The llm_decoder bias: `favoured_tokens` speech tokens drawn at random get `favoured_bias`,
    EOS gets `eos_bias` (so sampling can end an utterance), the unused stop ids are never picked."""
    bias = np.zeros(SPEECH_VOCAB, dtype=np.float32)
    favoured = generator.choice(SPEECH_TOKENS, favoured_tokens, replace=False)
    bias[favoured] = favoured_bias
    bias[EOS] = eos_bias
    bias[EOS + 1 :] = UNUSED_STOP_BIAS
    return bias


def save_tables(out_dir, tables):
    for name, table in tables.items():
        np.save(os.path.join(out_dir, "CosyVoice2-0.5B_%s.npy" % name), table)


def build_tables(out_dir):
    generator = np.random.default_rng(103)
    speech_embedding = generator.normal(0.0, 0.5, (SPEECH_VOCAB, HIDDEN)).astype(np.float32)
    llm_embedding = generator.normal(0.0, 0.5, (2, HIDDEN)).astype(np.float32)
    decoder_weight = generator.normal(0.0, 0.1, (SPEECH_VOCAB, HIDDEN)).astype(np.float32)
    tables = {
        "speech_embedding": speech_embedding,
        "llm_embedding": llm_embedding,
        "llm_decoder_weight": decoder_weight,
        "llm_decoder_bias": speech_decoder_bias(generator, FAVOURED_SPEECH_TOKENS, FAVOURED_BIAS, EOS_BIAS),
    }
    save_tables(out_dir, tables)
    return tables


def build_flow_encoder(out_dir):
    export_flow_encoder(seeded(104, FlowEncoder()), out_dir)


def build_estimator(out_dir):
    export_estimator(seeded(105, Estimator()), out_dir)


def build_hift(out_dir):
    export_hift(seeded(106, Hift()), out_dir)


def build_campplus(out_dir):
    module = seeded(107, CampPlus())
    export(
        module,
        (torch.randn(1, 20, MEL),),
        os.path.join(out_dir, "campplus.onnx"),
        ["input"],
        ["output"],
        {"input": {0: "b", 1: "t"}, "output": {0: "b"}},
    )


def build_speech_tokenizer(out_dir):
    module = seeded(108, SpeechTokenizer())
    frames = 13
    export(
        module,
        (torch.randn(1, WHISPER_MELS, frames), torch.tensor([frames], dtype=torch.int32)),
        os.path.join(out_dir, "speech_tokenizer_v2.onnx"),
        ["feats", "feats_length"],
        ["indices"],
        {"feats": {2: "t"}, "indices": {1: "tokens"}},
    )


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: tiny_pack.py <output dir>")
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    torch.use_deterministic_algorithms(True)
    build_campplus(out_dir)
    build_speech_tokenizer(out_dir)
    build_embed_tokens(out_dir)
    build_llm(out_dir)
    build_tables(out_dir)
    build_flow_encoder(out_dir)
    build_estimator(out_dir)
    build_hift(out_dir)


if __name__ == "__main__":
    main()
