#!/usr/bin/python3
"""Writes the golden tensors of tests/golden/*.bin from PyTorch.

Run from the repository root (PyTorch is needed only to regenerate, not to run
the tests):

    /usr/bin/python3 tests/ref/make_golden.py

Every input is drawn in float32 from a fixed seed; the reference computation
then runs in float64 on those exact values, and the results are stored as
float32. The C tests therefore compare against the rounded true values, and
the only error they see is their own float arithmetic.

File format (tests/golden.h reads it), all little-endian:

    "SGLD"  u32 count
    count times: u32 name_len, name bytes, u32 ndim, u32 dims[ndim], f32 data[prod(dims)]

Integer tensors (embedding ids) are stored as float32; they are small, so exact.
Written with Debian's PyTorch 1.13; regenerating there gives the same bytes.

Files:
    linear.bin       y = x w^T + b and its backward, B=5, n_in=7, n_out=3
    relu.bin         y = relu(x) and dx = dy * (y > 0); x kept away from 0
    sigmoid.bin      p = sigmoid(z) and dz = dp * p * (1 - p)
    bce.bin          mean BCE with logits and dz, incl. large |z| and soft labels
    adam.bin         3 steps of torch.optim.Adam(eps=1e-7), some gradients tiny
                     so that the placement of eps matters
    sparse_adam.bin  3 steps of nn.Embedding(sparse=True) + optim.SparseAdam(eps=1e-7)
                     with ids repeated within a batch and rows left untouched
    mlp.bin          the seer MLP: one fwd/bwd, then 10 Adam steps on one batch
    lr.bin           the seer logistic regression: the same
"""
import os
import struct

import torch
import torch.nn.functional as F

OUT = os.path.join("tests", "golden")
BETAS = (0.9, 0.999)
EPS = 1e-7
SEED_MLP = 7  # chosen so that no ReLU input comes within 1e-4 of 0 (checked below)


def write(name, tensors):
    """tensors: list of (name, tensor); writes OUT/name and prints its size."""
    buf = bytearray(b"SGLD")
    buf += struct.pack("<I", len(tensors))
    for key, t in tensors:
        t = t.detach().to(torch.float32).contiguous()
        k = key.encode()
        buf += struct.pack("<I", len(k)) + k
        buf += struct.pack("<I", t.dim())
        buf += struct.pack("<%dI" % t.dim(), *t.shape)
        buf += struct.pack("<%df" % t.numel(), *t.flatten().tolist())
    path = os.path.join(OUT, name)
    with open(path + ".tmp", "wb") as f:
        f.write(buf)
    os.replace(path + ".tmp", path)
    print("%-16s %5d bytes, %s" % (name, len(buf), ", ".join(k for k, _ in tensors)))


def uniform(gen, shape, lo, hi):
    """float32 uniform in [lo, hi), from the seeded generator."""
    return torch.rand(shape, generator=gen) * (hi - lo) + lo


def away_from_zero(gen, n, lo, hi):
    """float32 values with lo <= |x| < hi and a random sign: no ReLU kinks."""
    sign = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0)
    return sign * uniform(gen, n, lo, hi)


def d(t):
    """A float64 leaf copy of a float32 tensor that records its gradient."""
    return t.to(torch.float64).clone().requires_grad_(True)


def make_linear(gen):
    B, n_in, n_out = 5, 7, 3
    x = uniform(gen, (B, n_in), -1, 1)
    w = uniform(gen, (n_out, n_in), -1, 1)
    b = uniform(gen, n_out, -1, 1)
    dy = uniform(gen, (B, n_out), -1, 1)
    x64, w64, b64 = d(x), d(w), d(b)
    y = F.linear(x64, w64, b64)
    y.backward(dy.to(torch.float64))
    write("linear.bin", [("x", x), ("w", w), ("b", b), ("y", y), ("dy", dy),
                         ("dx", x64.grad), ("dw", w64.grad), ("db", b64.grad)])


def make_relu(gen):
    x = away_from_zero(gen, 24, 0.05, 2.0)
    dy = uniform(gen, 24, -1, 1)
    x64 = d(x)
    y = torch.relu(x64)
    y.backward(dy.to(torch.float64))
    write("relu.bin", [("x", x), ("y", y), ("dy", dy), ("dx", x64.grad)])


def make_sigmoid(gen):
    z = uniform(gen, 24, -6, 6)
    dp = uniform(gen, 24, -1, 1)
    z64 = d(z)
    p = torch.sigmoid(z64)
    p.backward(dp.to(torch.float64))
    write("sigmoid.bin", [("z", z), ("p", p), ("dp", dp), ("dz", z64.grad)])


def make_bce(gen):
    z = torch.cat([uniform(gen, 7, -4, 4), torch.tensor([30.0, -40.0])])
    y = torch.tensor([0.0, 1.0, 1.0, 0.0, 0.3, 1.0, 0.0, 0.0, 1.0])
    z64 = d(z)
    loss = F.binary_cross_entropy_with_logits(z64, y.to(torch.float64))
    loss.backward()
    write("bce.bin", [("z", z), ("y", y), ("loss", loss.reshape(1)), ("dz", z64.grad)])


def make_adam(gen):
    n = 13
    w0 = uniform(gen, n, -1, 1)
    # Gradients of ordinary size, some tiny (there eps is comparable to
    # sqrt(v_hat), so its placement shows) and one always zero.
    scale = torch.ones(n)
    scale[[2, 7]] = 1e-6
    scale[11] = 0.0
    gs = [uniform(gen, n, -1, 1) * scale for _ in range(3)]
    w = torch.nn.Parameter(w0.to(torch.float64).clone())
    opt = torch.optim.Adam([w], lr=1e-3, betas=BETAS, eps=EPS)
    out = [("w0", w0)]
    for t, g in enumerate(gs):
        opt.zero_grad()
        w.grad = g.to(torch.float64).clone()
        opt.step()
        out += [("g%d" % t, g), ("w%d" % (t + 1), w.detach().clone())]
    write("adam.bin", out)


def make_sparse_adam(gen):
    rows, D = 6, 3
    table = uniform(gen, (rows, D), -1, 1)
    # Row 5 is never touched; rows 0 and 3 repeat within a step; row 4 skips step 1.
    ids = [torch.tensor([0, 3, 0, 4, 3, 0]), torch.tensor([2, 1, 3, 3]),
           torch.tensor([4, 0, 1, 2, 4])]
    emb = torch.nn.Embedding(rows, D, sparse=True).to(torch.float64)
    with torch.no_grad():
        emb.weight.copy_(table.to(torch.float64))
    opt = torch.optim.SparseAdam(emb.parameters(), lr=1e-3, betas=BETAS, eps=EPS)
    out = [("table0", table)]
    for t, i in enumerate(ids):
        g = uniform(gen, (len(i), D), -1, 1)
        opt.zero_grad()
        (emb(i) * g.to(torch.float64)).sum().backward()
        opt.step()
        out += [("ids%d" % t, i.to(torch.float32)), ("g%d" % t, g),
                ("table%d" % (t + 1), emb.weight.detach().clone())]
    write("sparse_adam.bin", out)


class Net:
    """A seer network in float64: one embedding table shared by all fields,
    x0 = [emb(ids) flattened | dense], then the model. kind "mlp":
    [Linear, ReLU] per hidden width, then Linear to one logit. kind "lr": the
    table has width 1 and logit = b + sum_f emb(id_f) + dense . w."""

    def __init__(self, kind, emb, layers):
        self.kind = kind
        self.emb = d(emb)
        self.layers = [(d(w), d(b)) for w, b in layers]
        self.min_pre = float("inf")  # smallest |pre-activation| seen by a ReLU

    def params(self):
        return [p for wb in self.layers for p in wb]

    def forward(self, ids, dense, sparse):
        B = ids.shape[0]
        e = F.embedding(ids, self.emb, sparse=sparse)  # (B, F, D)
        if self.kind == "lr":
            w, b = self.layers[0]
            return b + e.sum(dim=(1, 2)) + dense @ w[0]
        h = torch.cat([e.reshape(B, -1), dense], dim=1)
        for w, b in self.layers[:-1]:
            pre = F.linear(h, w, b)
            self.min_pre = min(self.min_pre, pre.abs().min().item())
            h = torch.relu(pre)
        w, b = self.layers[-1]
        return F.linear(h, w, b)[:, 0]


def make_net(gen, kind):
    Fn, n_dense, rows, B = 3, 2, 10, 8
    D = 4 if kind == "mlp" else 1
    hidden = [6, 5] if kind == "mlp" else []
    # Every row of every column comes from the 10 rows, so ids repeat across rows.
    ids = torch.randint(0, rows, (B, Fn), generator=gen)
    dense = uniform(gen, (B, n_dense), -1, 1)
    y = (torch.rand(B, generator=gen) < 0.5).to(torch.float32)
    emb = uniform(gen, (rows, D), -0.5, 0.5)
    widths = [Fn * D + n_dense] + hidden + [1] if kind == "mlp" else [n_dense, 1]
    layers = []
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        limit = (6.0 / (n_in + n_out)) ** 0.5  # Xavier uniform, as seer initialises
        layers.append((uniform(gen, (n_out, n_in), -limit, limit), uniform(gen, n_out, -0.1, 0.1)))

    dense64, y64 = dense.to(torch.float64), y.to(torch.float64)
    out = [("ids", ids.to(torch.float32)), ("dense", dense), ("y", y), ("emb", emb)]
    for l, (w, b) in enumerate(layers):
        out += [("w%d" % l, w), ("b%d" % l, b)]

    # One forward and backward; the table gradient dense, as sparse=False gives it.
    net = Net(kind, emb, layers)
    logits = net.forward(ids, dense64, sparse=False)
    loss = F.binary_cross_entropy_with_logits(logits, y64)
    loss.backward()
    out += [("logits", logits), ("loss", loss.reshape(1)), ("d_emb", net.emb.grad)]
    for l, (w, b) in enumerate(net.layers):
        out += [("dw%d" % l, w.grad), ("db%d" % l, b.grad)]

    # Ten steps on the same batch: Adam for the layers, SparseAdam for the table.
    net = Net(kind, emb, layers)
    dense_opt = torch.optim.Adam(net.params(), lr=1e-2, betas=BETAS, eps=EPS)
    sparse_opt = torch.optim.SparseAdam([net.emb], lr=1e-2, betas=BETAS, eps=EPS)
    losses = []
    for _ in range(10):
        dense_opt.zero_grad()
        sparse_opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(net.forward(ids, dense64, sparse=True), y64)
        loss.backward()
        dense_opt.step()
        sparse_opt.step()
        losses.append(loss.item())
    out += [("losses", torch.tensor(losses)), ("emb_final", net.emb)]
    for l, (w, b) in enumerate(net.layers):
        out += [("w%d_final" % l, w), ("b%d_final" % l, b)]
    # The C side computes in float32; a pre-activation this close to 0 could
    # switch a ReLU there and make the comparison meaningless.
    if kind == "mlp" and net.min_pre < 1e-4:
        raise SystemExit("mlp: a ReLU input came within %g of 0; change the seed" % net.min_pre)
    write(kind + ".bin", out)


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    # One seed per file, so that a file can change without changing the others.
    def seed(s):
        return torch.Generator().manual_seed(s)

    make_linear(seed(1))
    make_relu(seed(2))
    make_sigmoid(seed(3))
    make_bce(seed(4))
    make_adam(seed(5))
    make_sparse_adam(seed(6))
    make_net(seed(SEED_MLP), "mlp")
    make_net(seed(8), "lr")


if __name__ == "__main__":
    main()
