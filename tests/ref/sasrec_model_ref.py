#!/usr/bin/python3
"""The SASRec model golden (tests/golden/sasrec_model.bin), called by sasrec_ref.py.

The network is bench/torch_sasrec.py's SASRec (the same modules, in float64, dropout 0):
n_items = 9, maxlen L = 4, d = 8, 2 blocks, 2 heads; one batch of 3 users whose
training inputs (left-padded as the script pads them) have 4, 2 and 3 items. seer keeps
no padding row, so its item table is the script's rows 1..9 and item indices are one
less. Stored, in seer's layout (rec/sasrec.h):
    item (9, 8), rest (flat)     the initial weights (uniform, layer norms around 1)
    x, target (T = 9)            the packed inputs and next-item targets, seer's indices
    h (T, 8)                     the final hidden states of the valid rows
    loss, g_item, g_rest         the mean cross-entropy over all 9 items and its gradients
    losses (5), item_5, rest_5   5 steps of Adam (lr 1e-2, betas 0.9/0.98, eps 1e-8) on this
                                 batch: the loss before each, the weights after the last
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from make_golden import write, uniform

N_ITEMS, L, D, BLOCKS, HEADS = 9, 4, 8, 2, 2


class SASRec(nn.Module):  # bench/torch_sasrec.py's, dropout 0
    def __init__(self):
        super().__init__()
        self.d, self.h, self.L = D, HEADS, L
        self.item_emb = nn.Embedding(N_ITEMS + 1, D, padding_idx=0)
        self.pos_emb = nn.Embedding(L, D)
        self.ln_attn = nn.ModuleList([nn.LayerNorm(D, eps=1e-8) for _ in range(BLOCKS)])
        self.wq = nn.ModuleList([nn.Linear(D, D) for _ in range(BLOCKS)])
        self.wk = nn.ModuleList([nn.Linear(D, D) for _ in range(BLOCKS)])
        self.wv = nn.ModuleList([nn.Linear(D, D) for _ in range(BLOCKS)])
        self.ln_ffn = nn.ModuleList([nn.LayerNorm(D, eps=1e-8) for _ in range(BLOCKS)])
        self.ffn1 = nn.ModuleList([nn.Linear(D, D) for _ in range(BLOCKS)])
        self.ffn2 = nn.ModuleList([nn.Linear(D, D) for _ in range(BLOCKS)])
        self.ln_last = nn.LayerNorm(D, eps=1e-8)
        self.register_buffer("causal", torch.triu(torch.ones(L, L, dtype=torch.bool), 1))

    def forward(self, seq):
        B, l = seq.shape
        pad = seq == 0
        keep = (~pad).unsqueeze(-1).to(torch.float64)
        x = self.item_emb(seq) * math.sqrt(self.d) + self.pos_emb.weight[self.L - l:].unsqueeze(0)
        x = x * keep
        mask = self.causal[self.L - l:, self.L - l:].unsqueeze(0) | pad.unsqueeze(1)
        dh = self.d // self.h
        for i in range(BLOCKS):
            q_in = self.ln_attn[i](x)
            Q = self.wq[i](q_in).view(B, l, self.h, dh).transpose(1, 2)
            K = self.wk[i](x).view(B, l, self.h, dh).transpose(1, 2)
            V = self.wv[i](x).view(B, l, self.h, dh).transpose(1, 2)
            s = torch.matmul(Q, K.transpose(-1, -2)) / math.sqrt(dh)
            s = s.masked_fill(mask.unsqueeze(1), -1e9)
            att = torch.matmul(torch.softmax(s, -1), V).transpose(1, 2).reshape(B, l, self.d)
            x = q_in + att
            y = self.ln_ffn[i](x)
            x = y + self.ffn2[i](F.relu(self.ffn1[i](y)))
            x = x * keep
        return self.ln_last(x)


def seer_rest(m):
    parts = [m.pos_emb.weight]
    for i in range(BLOCKS):
        parts += [m.ln_attn[i].weight, m.ln_attn[i].bias, m.wq[i].weight, m.wq[i].bias,
                  m.wk[i].weight, m.wk[i].bias, m.wv[i].weight, m.wv[i].bias,
                  m.ln_ffn[i].weight, m.ln_ffn[i].bias, m.ffn1[i].weight, m.ffn1[i].bias,
                  m.ffn2[i].weight, m.ffn2[i].bias]
    parts += [m.ln_last.weight, m.ln_last.bias]
    return torch.cat([p.reshape(-1) for p in parts])


def seer_rest_grad(m):
    saved = {n: p.data for n, p in m.named_parameters()}
    for p in m.parameters():
        p.data = p.grad
    g = seer_rest(m).detach().clone()
    for n, p in m.named_parameters():
        p.data = saved[n]
    return g


def main():
    torch.set_default_dtype(torch.float64)
    gen = torch.Generator().manual_seed(201)
    m = SASRec()
    with torch.no_grad():
        for name, p in m.named_parameters():
            if "ln" in name and name.endswith("weight"):
                p.copy_(uniform(gen, p.shape, 0.7, 1.3))
            else:
                p.copy_(uniform(gen, p.shape, -0.5, 0.5))
        m.item_emb.weight[0].zero_()
    seqs = [[3, 1, 7, 2], [5, 9], [4, 4, 8]]        # the script's ids (1..9)
    targets = [[1, 7, 2, 6], [9, 3], [4, 8, 1]]
    X = torch.zeros(3, L, dtype=torch.long)
    Y = torch.zeros(3, L, dtype=torch.long)
    for i, (s, t) in enumerate(zip(seqs, targets)):
        X[i, L - len(s):] = torch.tensor(s)
        Y[i, L - len(t):] = torch.tensor(t)
    valid = Y > 0
    item0, rest0 = m.item_emb.weight[1:].detach().clone(), seer_rest(m).detach().clone()

    def loss_of():
        h = m(X)[valid]
        return F.cross_entropy(h @ m.item_emb.weight[1:].t(), Y[valid] - 1), h

    loss, h = loss_of()
    loss.backward()
    g_item, g_rest = m.item_emb.weight.grad[1:].clone(), seer_rest_grad(m)
    opt = torch.optim.Adam(m.parameters(), lr=1e-2, betas=(0.9, 0.98), eps=1e-8)
    losses = []
    for _ in range(5):
        opt.zero_grad()
        lo, _ = loss_of()
        losses.append(lo.item())
        lo.backward()
        opt.step()
    xs = torch.tensor([v - 1 for s in seqs for v in s], dtype=torch.float32)
    ts = torch.tensor([v - 1 for t in targets for v in t], dtype=torch.float32)
    write("sasrec_model.bin", [("item", item0), ("rest", rest0), ("x", xs), ("target", ts),
                               ("h", h), ("loss", loss.view(1)), ("g_item", g_item),
                               ("g_rest", g_rest), ("losses", torch.tensor(losses)),
                               ("item_5", m.item_emb.weight[1:]), ("rest_5", seer_rest(m))])
