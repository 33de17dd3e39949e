#!/usr/bin/python3
"""Writes the golden tensors of the learnt recommenders (bpr, twotower) to tests/golden/rec_*.bin.

Run from the repository root (PyTorch is needed only to regenerate, not to run the tests):

    /usr/bin/python3 tests/ref/rec_ref.py

As tests/ref/make_golden.py: every input is drawn in float32 from a fixed seed, the reference
runs in float64 on those values, the results are stored as float32 in the same "SGLD" format
(tests/golden.h). Ids are stored as float32 (small, so exact).

Files:
    rec_bpr.bin       a batch of 5 BPR triples over 3 users and 6 items (D=4, items repeated,
                      reg 0.01): the mean loss, the dense gradients of the user and item
                      factors and the item biases, then 3 SparseAdam steps (lr 0.01, eps 1e-8)
                      on that batch, the tables after each
    rec_inbatch.bin   in-batch softmax with log-Q correction, B=6, d=4, tau 0.5, rows 1 and 4
                      holding the same item (an accidental hit, masked): the summed loss and
                      its gradients with respect to the user and item vectors
    rec_twotower.bin  one batch of the two-tower network (4 users, 7 items, E=3, hidden 5,
                      3 user features, 2 item features, B=4 with one item twice, tau 0.2): the
                      mean loss and the gradients of its 5 tables and its 2 towers (seer's
                      layout: w1 (H, in), b1 (H), w2 (out, H), b2 (out), flattened)
"""
import os
import struct

import torch
import torch.nn.functional as F

OUT = os.path.join("tests", "golden")


def write(name, tensors):
    buf = bytearray(b"SGLD")
    buf += struct.pack("<I", len(tensors))
    for key, t in tensors:
        t = torch.as_tensor(t).detach().to(torch.float32).contiguous()
        k = key.encode()
        buf += struct.pack("<I", len(k)) + k
        buf += struct.pack("<I", t.dim())
        buf += struct.pack("<%dI" % t.dim(), *t.shape)
        buf += struct.pack("<%df" % t.numel(), *t.flatten().tolist())
    path = os.path.join(OUT, name)
    with open(path + ".tmp", "wb") as f:
        f.write(buf)
    os.replace(path + ".tmp", path)
    print("%-18s %5d bytes, %s" % (name, len(buf), ", ".join(k for k, _ in tensors)))


def uniform(gen, shape, lo, hi):
    return torch.rand(shape, generator=gen) * (hi - lo) + lo


def d(t):
    return t.to(torch.float64).clone().requires_grad_(True)


def bpr_loss(P, Q, b, users, pos, neg, reg):
    pu, qi, qj = P[users], Q[pos], Q[neg]
    x = (pu * (qi - qj)).sum(1) + b[pos] - b[neg]
    l2 = (pu ** 2).sum() + (qi ** 2).sum() + (qj ** 2).sum()
    return (F.softplus(-x).sum() + reg * l2) / len(users)


def make_bpr(gen):
    nu, ni, D, reg = 3, 6, 4, 0.01
    P = uniform(gen, (nu, D), -1, 1)
    Q = uniform(gen, (ni, D), -1, 1)
    b = uniform(gen, ni, -0.5, 0.5)
    users = torch.tensor([0, 2, 0, 1, 2])
    pos = torch.tensor([1, 3, 1, 0, 5])
    neg = torch.tensor([4, 1, 2, 3, 4])
    P64, Q64, b64 = d(P), d(Q), d(b)
    loss = bpr_loss(P64, Q64, b64, users, pos, neg, reg)
    loss.backward()
    out = [("P", P), ("Q", Q), ("b", b), ("users", users), ("pos", pos), ("neg", neg),
           ("reg", torch.tensor([reg])), ("loss", loss.reshape(1)), ("dP", P64.grad),
           ("dQ", Q64.grad), ("db", b64.grad)]
    eP = torch.nn.Embedding(nu, D, sparse=True).to(torch.float64)
    eQ = torch.nn.Embedding(ni, D, sparse=True).to(torch.float64)
    eb = torch.nn.Embedding(ni, 1, sparse=True).to(torch.float64)
    with torch.no_grad():
        eP.weight.copy_(P.to(torch.float64))
        eQ.weight.copy_(Q.to(torch.float64))
        eb.weight.copy_(b.to(torch.float64).reshape(ni, 1))
    params = list(eP.parameters()) + list(eQ.parameters()) + list(eb.parameters())
    opt = torch.optim.SparseAdam(params, lr=0.01, betas=(0.9, 0.999), eps=1e-8)
    for t in range(3):
        opt.zero_grad()
        pu, qi, qj = eP(users), eQ(pos), eQ(neg)
        x = (pu * (qi - qj)).sum(1) + eb(pos)[:, 0] - eb(neg)[:, 0]
        l2 = (pu ** 2).sum() + (qi ** 2).sum() + (qj ** 2).sum()
        ((F.softplus(-x).sum() + reg * l2) / len(users)).backward()
        opt.step()
        out += [("P%d" % (t + 1), eP.weight.detach().clone()),
                ("Q%d" % (t + 1), eQ.weight.detach().clone()),
                ("b%d" % (t + 1), eb.weight.detach().clone().reshape(ni))]
    write("rec_bpr.bin", out)


def inbatch(A, V, logq, ids, tau):
    z = A @ V.T / tau - logq.reshape(1, -1)
    B = len(ids)
    hit = (ids.reshape(-1, 1) == ids.reshape(1, -1)) & ~torch.eye(B, dtype=torch.bool)
    z = z.masked_fill(hit, float("-inf"))
    return F.cross_entropy(z, torch.arange(B), reduction="sum")


def make_inbatch(gen):
    B, dd, tau = 6, 4, 0.5
    A = uniform(gen, (B, dd), -1, 1)
    V = uniform(gen, (B, dd), -1, 1)
    logq = torch.log(uniform(gen, B, 0.05, 0.5))
    ids = torch.tensor([3, 7, 2, 9, 7, 0])
    A64, V64 = d(A), d(V)
    loss = inbatch(A64, V64, logq.to(torch.float64), ids, tau)
    loss.backward()
    write("rec_inbatch.bin", [("A", A), ("V", V), ("logq", logq), ("ids", ids),
                              ("tau", torch.tensor([tau])), ("loss", loss.reshape(1)),
                              ("dA", A64.grad), ("dV", V64.grad)])


def bag(table, ids, off, w):
    rows = []
    for b in range(len(off) - 1):
        s = torch.zeros(table.shape[1], dtype=table.dtype)
        for k in range(off[b], off[b + 1]):
            s = s + w[k] * table[ids[k]]
        rows.append(s)
    return torch.stack(rows)


def tower(x, w1, b1, w2, b2):
    h = torch.relu(x @ w1.T + b1)
    return h @ w2.T + b2, x @ w1.T + b1


def make_twotower(gen):
    nu, ni, E, H, nuf, nif, tau = 4, 7, 3, 5, 3, 2, 0.2
    user, hist, item = (uniform(gen, (n, E), -1, 1) for n in (nu, ni, ni))
    ufeat, ifeat = uniform(gen, (nuf, E), -1, 1), uniform(gen, (nif, E), -1, 1)
    in_u, in_i = 3 * E, 2 * E
    tu = [uniform(gen, s, -0.6, 0.6) for s in ((H, in_u), (H,), (E, H), (E,))]
    ti = [uniform(gen, s, -0.6, 0.6) for s in ((H, in_i), (H,), (E, H), (E,))]
    users = torch.tensor([0, 2, 3, 2])
    items = torch.tensor([5, 1, 5, 6])
    rec_ids, rec_off = torch.tensor([1, 2, 4, 0, 6, 3, 1]), [0, 3, 4, 6, 7]
    rec_w = torch.tensor([1 / 3, 1 / 3, 1 / 3, 1.0, 0.5, 0.5, 1.0])
    uf_ids, uf_off, uf_w = torch.tensor([0, 2, 1, 2]), [0, 2, 2, 3, 4], uniform(gen, 4, 0.5, 1.5)
    if_ids, if_off, if_w = torch.tensor([1, 0, 1, 1]), [0, 1, 3, 3, 4], uniform(gen, 4, 0.5, 1.5)
    logq = torch.log(uniform(gen, 4, 0.05, 0.5))
    P = [d(t) for t in (user, hist, item, ufeat, ifeat)]
    TU, TI = [d(t) for t in tu], [d(t) for t in ti]
    xu = torch.cat([P[0][users], bag(P[1], rec_ids, rec_off, rec_w.double()),
                    bag(P[3], uf_ids, uf_off, uf_w.double())], 1)
    xi = torch.cat([P[2][items], bag(P[4], if_ids, if_off, if_w.double())], 1)
    a, zu = tower(xu, *TU)
    v, zi = tower(xi, *TI)
    gap = min(zu.abs().min().item(), zi.abs().min().item())
    assert gap > 1e-2, "a ReLU input within %g of 0: choose another seed" % gap
    loss = inbatch(a, v, logq.to(torch.float64), items, tau) / len(items)
    loss.backward()
    flat = lambda ts: torch.cat([t.reshape(-1) for t in ts])
    write("rec_twotower.bin", [
        ("user", user), ("hist", hist), ("item", item), ("ufeat", ufeat), ("ifeat", ifeat),
        ("tower_user", flat(tu)), ("tower_item", flat(ti)), ("users", users),
        ("items", items), ("rec_ids", rec_ids), ("rec_off", torch.tensor(rec_off)),
        ("rec_w", rec_w), ("uf_ids", uf_ids), ("uf_off", torch.tensor(uf_off)),
        ("uf_w", uf_w), ("if_ids", if_ids), ("if_off", torch.tensor(if_off)), ("if_w", if_w),
        ("logq", logq), ("tau", torch.tensor([tau])), ("loss", loss.reshape(1)),
        ("duser", P[0].grad), ("dhist", P[1].grad), ("ditem", P[2].grad),
        ("dufeat", P[3].grad), ("difeat", P[4].grad),
        ("dtower_user", flat([t.grad for t in TU])), ("dtower_item", flat([t.grad for t in TI]))])


def main():
    gen = torch.Generator().manual_seed(13)
    make_bpr(gen)
    make_inbatch(gen)
    make_twotower(gen)


if __name__ == "__main__":
    main()
