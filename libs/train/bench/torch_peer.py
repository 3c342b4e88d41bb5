"""PyTorch CPU peer for the training benchmark (bench only; never used by aurola itself).

The same architecture as aurola's engine (libs/backbone/src/reference.ts): token embedding, pre-norm blocks of
RMSNorm -> causal attention with rotary positions and a padding mask -> RMSNorm -> SwiGLU, final RMSNorm; a conv
audio encoder (GELU) with a linear projection whose tokens replace the audio placeholder positions. One training
step on B (audio prompt, caption prompt) pairs: forward both sides, gather the hidden state at the read position,
L2-normalise, InfoNCE (tau 0.05, a2t), backward, AdamW. Prints one JSON line with pairs/s and tokens/s.

  /usr/bin/python3 libs/train/bench/torch_peer.py --pairs 64 --threads 2
"""
import argparse
import json
import math
import time

import torch
import torch.nn.functional as F


class RMSNorm(torch.nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.w


def rope_tables(max_pos, hd, theta):
    inv = theta ** (-torch.arange(0, hd, 2, dtype=torch.float64) / hd)
    ang = torch.arange(max_pos, dtype=torch.float64)[:, None] * inv[None, :]
    ang = torch.cat([ang, ang], -1)
    return ang.cos().float(), ang.sin().float()


def rotate_half(x):
    a, b = x.chunk(2, -1)
    return torch.cat([-b, a], -1)


class Block(torch.nn.Module):
    def __init__(self, d, heads, inter, eps):
        super().__init__()
        self.heads = heads
        self.n1, self.n2 = RMSNorm(d, eps), RMSNorm(d, eps)
        self.q, self.k, self.v, self.o = (torch.nn.Linear(d, d, bias=False) for _ in range(4))
        self.gate, self.up = torch.nn.Linear(d, inter, bias=False), torch.nn.Linear(d, inter, bias=False)
        self.down = torch.nn.Linear(inter, d, bias=False)

    def forward(self, x, cos, sin, mask):
        B, L, d = x.shape
        hd = d // self.heads
        h = self.n1(x)
        q, k, v = (p(h).view(B, L, self.heads, hd).transpose(1, 2) for p in (self.q, self.k, self.v))
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
        a = torch.softmax(scores.masked_fill(~mask, -1e9), -1) @ v  # torch 1.13 (Debian) has no fused SDPA
        x = x + self.o(a.transpose(1, 2).reshape(B, L, d))
        h = self.n2(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Model(torch.nn.Module):
    def __init__(self, a):
        super().__init__()
        self.embed = torch.nn.Embedding(a.vocab, a.hidden)
        self.blocks = torch.nn.ModuleList(Block(a.hidden, a.heads, a.inter, 1e-6) for _ in range(a.layers))
        self.norm = RMSNorm(a.hidden, 1e-6)
        chans = [a.mels] + [a.hidden] * 3
        self.convs = torch.nn.ModuleList(
            torch.nn.Conv1d(chans[i], chans[i + 1], 3, stride=s, padding=1) for i, s in enumerate(a.strides))
        self.proj = torch.nn.Linear(a.hidden, a.hidden)
        self.cos, self.sin = rope_tables(4096, a.hidden // a.heads, 10000.0)

    def audio(self, feats):  # [B, frames, mels]
        x = feats.transpose(1, 2)
        for c in self.convs:
            x = F.gelu(c(x))
        return self.proj(x.transpose(1, 2))

    def forward(self, ids, lengths, audio=None, audio_at=0):
        B, L = ids.shape
        x = self.embed(ids)
        if audio is not None:
            x = torch.cat([x[:, :audio_at], audio, x[:, audio_at + audio.shape[1]:]], 1)
        real = torch.arange(L)[None, :] < lengths[:, None]
        causal = torch.ones(L, L, dtype=torch.bool).tril()
        mask = causal[None, None] & real[:, None, None, :]
        cos, sin = self.cos[:L][None, None], self.sin[:L][None, None]
        for b in self.blocks:
            x = b(x, cos, sin, mask)
        h = self.norm(x)
        return h[torch.arange(B), lengths - 3]  # the position before "<emb>." and the end-of-turn token


def main():
    p = argparse.ArgumentParser()
    for name, default in [('hidden', 256), ('layers', 6), ('heads', 4), ('inter', 704), ('vocab', 4096), ('mels', 80),
                          ('pairs', 64), ('text_len', 40), ('audio_s', 4), ('audio_prompt', 16), ('threads', 2),
                          ('steps', 5)]:
        p.add_argument('--' + name.replace('_', '-'), type=type(default), default=default)
    p.add_argument('--strides', default='1,2,2', help='strides of the three audio convolutions (1,2,2: 25 tokens/s)')
    a = p.parse_args()
    a.strides = [int(x) for x in a.strides.split(',')]
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    model = Model(a)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
    frames = a.audio_s * 100
    audio_tokens = frames
    for stride in a.strides:  # kernel 3, padding 1
        audio_tokens = (audio_tokens - 1) // stride + 1
    B = a.pairs
    text_ids = torch.randint(0, a.vocab, (B, a.text_len))
    text_len = torch.randint(a.text_len // 2, a.text_len + 1, (B,))
    audio_len = a.audio_prompt + audio_tokens
    audio_ids = torch.randint(0, a.vocab, (B, audio_len))
    feats = torch.randn(B, frames, a.mels)
    params = sum(p.numel() for p in model.parameters())

    def step():
        opt.zero_grad()
        ea = F.normalize(model(audio_ids, torch.full((B,), audio_len), model.audio(feats), 4), dim=-1)
        et = F.normalize(model(text_ids, text_len), dim=-1)
        loss = F.cross_entropy(ea @ et.T / 0.05, torch.arange(B))
        loss.backward()
        opt.step()
        return loss.item()

    step()  # warm-up
    times = []
    for _ in range(a.steps):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    times.sort()
    median = times[len(times) // 2]
    tokens = int(text_len.sum()) + B * audio_len
    print(json.dumps({'peer': 'pytorch', 'torch': torch.__version__, 'threads': a.threads, 'params': params,
                      'pairs': B, 'tokensPerStep': tokens, 'secondsPerStep': round(median, 4),
                      'pairsPerS': round(B / median, 2), 'tokensPerS': round(tokens / median, 1)}))


if __name__ == '__main__':
    main()
