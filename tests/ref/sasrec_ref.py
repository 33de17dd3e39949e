#!/usr/bin/python3
"""Writes the golden tensors of the transformer kernels (tests/golden/sasrec_*.bin).

Run from the repository root (PyTorch is needed only to regenerate):

    /usr/bin/python3 tests/ref/sasrec_ref.py

As tests/ref/make_golden.py: inputs drawn in float32 from a fixed seed, the
reference computed in float64 on those exact values, results stored as
float32, in the same file format (written by make_golden.write).

Files:
    sasrec_layernorm.bin  nn.LayerNorm(6, eps=1e-8) on R=4 rows: y, dx, dg, db
    sasrec_attention.bin  causal 2-head self-attention, B=3 sequences LEFT-padded to
                          L=5 (lengths 5, 3, 1), d=8, masked as bench/torch_sasrec.py
                          does (causal | key padding, -1e9); the valid rows are stored
                          packed (T=9, d): q, k, v, dout -> out, dq, dk, dv
    sasrec_softmax_ce.bin full softmax CE over N=7 items, P=5 rows, d=4, mean:
                          loss, dh, dE
    sasrec_sampled_ce.bin sampled softmax with log-Q correction, M=4 shared
                          negatives (one equal to row 0's target, masked), mean
    sasrec_gelu.bin       exact GELU and its backward
    sasrec_model.bin      bench/torch_sasrec.py's SASRec (dropout 0): n_items=9, L=4,
                          d=8, 2 blocks, 2 heads, 3 users; the parameters in seer's
                          order, one flat tensor "params"; the batch; the loss of
                          5 Adam steps (lr 1e-2, betas 0.9/0.98, eps 1e-8) and the
                          parameters after them
"""
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from make_golden import write, uniform  # noqa: E402

torch.set_default_dtype(torch.float64)


def leaf(t):
    return t.to(torch.float64).clone().requires_grad_(True)


def layernorm():
    g = torch.Generator().manual_seed(101)
    x, w, b, dy = (uniform(g, s, -2, 2) for s in ((4, 6), (6,), (6,), (4, 6)))
    x[1] += 5.0  # a row far from 0
    X, W, B = leaf(x), leaf(w), leaf(b)
    y = F.layer_norm(X, (6,), W, B, eps=1e-8)
    y.backward(dy.double())
    write("sasrec_layernorm.bin", [("x", x), ("g", w), ("b", b), ("dy", dy), ("y", y),
                                   ("dx", X.grad), ("dg", W.grad), ("db", B.grad)])


def attention():
    g = torch.Generator().manual_seed(102)
    Bn, L, d, H = 3, 5, 8, 2
    lens = [5, 3, 1]
    q, k, v, do = (uniform(g, (Bn, L, d), -1, 1) for _ in range(4))
    Q, K, V = leaf(q), leaf(k), leaf(v)
    pad = torch.zeros(Bn, L, dtype=torch.bool)
    for i, n in enumerate(lens):
        pad[i, :L - n] = True
    mask = torch.triu(torch.ones(L, L, dtype=torch.bool), 1).unsqueeze(0) | pad.unsqueeze(1)
    dh = d // H
    qh, kh, vh = (t.view(Bn, L, H, dh).transpose(1, 2) for t in (Q, K, V))
    s = (qh @ kh.transpose(-1, -2)) / math.sqrt(dh)
    s = s.masked_fill(mask.unsqueeze(1), -1e9)
    out = (torch.softmax(s, -1) @ vh).transpose(1, 2).reshape(Bn, L, d)
    keep = ~pad
    (out * do.double() * keep.unsqueeze(-1)).sum().backward()
    packed = lambda t: t[keep]  # noqa: E731  rows in order: sequence 0's, 1's, 2's
    write("sasrec_attention.bin", [("q", packed(q)), ("k", packed(k)), ("v", packed(v)),
                                   ("dout", packed(do)), ("out", packed(out)),
                                   ("dq", packed(Q.grad)), ("dk", packed(K.grad)),
                                   ("dv", packed(V.grad))])


def softmax_ce():
    g = torch.Generator().manual_seed(103)
    P, N, d = 5, 7, 4
    h, E = uniform(g, (P, d), -1, 1), uniform(g, (N, d), -1, 1)
    t = torch.tensor([0, 3, 6, 3, 2])
    Hh, EE = leaf(h), leaf(E)
    loss = F.cross_entropy(Hh @ EE.t(), t)
    loss.backward()
    write("sasrec_softmax_ce.bin", [("h", h), ("E", E), ("t", t.float()), ("loss", loss.view(1)),
                                    ("dh", Hh.grad), ("dE", EE.grad)])


def sampled_ce():
    g = torch.Generator().manual_seed(104)
    P, N, d = 5, 7, 4
    h, E = uniform(g, (P, d), -1, 1), uniform(g, (N, d), -1, 1)
    t = torch.tensor([0, 3, 6, 3, 2])
    neg = torch.tensor([0, 5, 1, 4])
    q = uniform(g, (N,), 0.5, 2.0)
    logq = torch.log(q / q.sum())
    Hh, EE = leaf(h), leaf(E)
    lq = logq.double()
    pos = (Hh * EE[t]).sum(-1, keepdim=True) - lq[t].unsqueeze(1)
    negz = Hh @ EE[neg].t() - lq[neg].unsqueeze(0)
    negz = negz.masked_fill(neg.unsqueeze(0) == t.unsqueeze(1), float("-inf"))
    z = torch.cat([pos, negz], 1)
    loss = F.cross_entropy(z, torch.zeros(P, dtype=torch.long))
    loss.backward()
    write("sasrec_sampled_ce.bin", [("h", h), ("E", E), ("t", t.float()), ("neg", neg.float()),
                                    ("logq", logq.float()), ("loss", loss.view(1)),
                                    ("dh", Hh.grad), ("dE", EE.grad)])


def gelu():
    g = torch.Generator().manual_seed(105)
    x, dy = uniform(g, (20,), -4, 4), uniform(g, (20,), -1, 1)
    X = leaf(x)
    y = F.gelu(X)
    y.backward(dy.double())
    write("sasrec_gelu.bin", [("x", x), ("dy", dy), ("y", y), ("dx", X.grad)])


if __name__ == "__main__":
    layernorm()
    attention()
    softmax_ce()
    sampled_ce()
    gelu()
    if len(sys.argv) < 2 or sys.argv[1] != "--kernels":
        import sasrec_model_ref
        sasrec_model_ref.main()
