"""AtP*'s per-example GradDrop against the batch-level version it replaced, as ratios measured in one run.

    .venv/bin/python bench/bench_atp.py [--old 035eb86] [--batch 8] [--pos 15] [--repeats 3] [--threads N] [--part]

Loads `eap_nb/atp.py` as it was at git revision `--old` (035eb86: GradDrop took the magnitude of each dropped pass's
estimate summed over the batch) beside the current module, runs `atp_star_scores` of both on the same random
GPT-2-small-shaped model (`random_model('gpt2')`: 12 layers x 12 heads, d_model 768, vocabulary 50257; 32,491 edges)
and batch, and prints: the time of each (run in turn, the minimum of `--repeats` after a warm-up) and their ratio; the
peak memory of each (`eap_nb.attribution.peak_memory`: the CPU profiler's allocation record, above what was allocated
before) and their ratio; the size of the per-example score block; and how far the two scores are apart.
With `--part`: only the part that changed, the accumulation of the linear readers' scores (`_linear_scores`) for the
batch's 12 dropped passes from one set of clean-run gradients, old and new in turn (minimum of `--repeats`), with the
peak memory of each: seconds instead of minutes, and far less exposed to a shared machine's load than the whole call.
Run from the repository root (it reads the old file with `git show`).
"""
import argparse, importlib.util, os, platform, subprocess, sys, time, types
from pathlib import Path
import torch
from eap_nb.models import random_model
from eap_nb.graph import Graph
from eap_nb.data import Batch
from eap_nb.attribution import peak_memory
from eap_nb import atp as new_atp

ROOT = Path(__file__).resolve().parent.parent

def old_module(rev:str) -> types.ModuleType:
    "eap_nb/atp.py as it was at git revision `rev`, imported as a module of the eap_nb package"
    src = subprocess.run(['git', 'show', f'{rev}:eap_nb/atp.py'], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    mod = importlib.util.module_from_spec(importlib.util.spec_from_loader('eap_nb._atp_old', loader=None))
    mod.__package__ = 'eap_nb'  # its relative imports resolve against the current package
    exec(compile(src, f'{rev}:eap_nb/atp.py', 'exec'), mod.__dict__)
    return mod

def metric(logits, batch):
    last = logits[:, -1]
    return last.gather(1, batch.answer[:, None])[:, 0] - last.mean(-1)

def make_batch(model, b, p):
    g = torch.Generator().manual_seed(0)
    V = model.cfg.d_vocab
    clean = torch.randint(0, V, (b, p), generator=g)
    corrupted = clean.clone(); corrupted[:, :p // 2] = torch.randint(0, V, (b, p // 2), generator=g)
    return Batch(clean, corrupted, answer=torch.randint(0, V, (b,), generator=g))

def part(args, old, model, graph, batch):
    "Time and peak memory of the linear readers' accumulation for one batch, 12 dropped passes, old against new"
    spec = graph.check_model(model)
    e_clean, m, store, keys = new_atp._clean_run(model, graph, spec, batch, metric, False, True, None)
    with torch.no_grad(): Dfull = new_atp.ablation_values(model, graph, batch, 'corrupted') - e_clean
    ins = [store[k] for k in keys]
    grads = dict(zip(keys, torch.autograd.grad(m.sum(), ins, allow_unused=True)))
    grads = {k: torch.zeros_like(store[k]) if g is None else g for k, g in grads.items()}
    L = graph.n_layers
    def f_old():
        S, D = torch.zeros(L, graph.n_writers, graph.n_readers), Dfull.float().flatten(1)
        for j in range(L): old._linear_scores(S[j], graph, model, spec, store, grads, D, False, True)
    def f_new():
        S, I, D = torch.zeros(L, graph.n_writers, graph.n_readers), torch.zeros(L, graph.n_readers), Dfull.float().flatten(2)
        for j in range(L): new_atp._linear_scores(S[j], I[j], graph, model, spec, store, grads, D, False, True, True)
    fs = {'old': f_old, 'new': f_new}
    for f in fs.values(): f()  # warm-up
    ts = {k: [] for k in fs}
    for _ in range(args.repeats):
        for k, f in fs.items():
            t0 = time.perf_counter(); f(); ts[k].append(time.perf_counter() - t0)
    t = {k: min(v) for k, v in ts.items()}
    mem = {k: peak_memory(f) for k, f in fs.items()}
    for k in fs: print(f"  {k}: linear readers' scores, {L} passes: {t[k] * 1e3:7.1f} ms (min of {args.repeats}), peak {mem[k] / 2**20:6.1f} MiB")
    print(f"time new / old = {t['new'] / t['old']:.3f}; peak memory new / old = {mem['new'] / mem['old']:.3f}")

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--old', default='035eb86')
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--pos', type=int, default=15)
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--threads', type=int, default=None)
    ap.add_argument('--part', action='store_true')
    args = ap.parse_args()
    if args.threads: torch.set_num_threads(args.threads)
    old = old_module(args.old)
    model = random_model('gpt2', n_ctx=max(16, args.pos), seed=0)
    graph, batch = Graph.from_model(model), make_batch(model, args.batch, args.pos)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, threads {torch.get_num_threads()}; "
          f"random GPT-2-small shape, {graph.n_edges:,} edges, batch {args.batch} x {args.pos} tokens; "
          f"AtP* (QK fix + GradDrop, 12 dropped passes); old = {args.old}")
    if args.part: return part(args, old, model, graph, batch)
    fs = {'old': lambda: old.atp_star_scores(model, graph, batch, metric, progress=False),
          'new': lambda: new_atp.atp_star_scores(model, graph, batch, metric, progress=False)}
    scores = {k: f() for k, f in fs.items()}  # warm-up, and the scores
    ts = {k: [] for k in fs}
    for _ in range(args.repeats):  # in turn: a shared machine's load hits both alike
        for k, f in fs.items():
            t0 = time.perf_counter(); f(); ts[k].append(time.perf_counter() - t0)
    t = {k: min(v) for k, v in ts.items()}
    mem = {k: peak_memory(f) for k, f in fs.items()}
    for k in fs: print(f"  {k}: {t[k]:7.2f} s (min of {args.repeats}; all {', '.join(f'{x:.2f}' for x in ts[k])}), peak {mem[k] / 2**20:7.1f} MiB")
    print(f"time new / old = {t['new'] / t['old']:.3f}; peak memory new / old = {mem['new'] / mem['old']:.3f}")
    u, c = graph.n_writers, 3 * graph.n_heads
    print(f"per-example score block (the largest: one layer's q, k and v readers, without the QK fix): {args.batch} x {u} x {c} floats = "
          f"{args.batch * u * c * 4 / 2**10:.0f} KiB, against {u * c * 4 / 2**10:.0f} KiB summed over the batch; "
          f"D (writers x batch x pos x d_model) = {u * args.batch * args.pos * model.cfg.d_model * 4 / 2**20:.0f} MiB")
    o, n = scores['old'], scores['new']
    rank = lambda s: s.argsort().argsort().double()
    top = lambda s: set(s.topk(100).indices.tolist())
    print(f"scores: new >= old on every edge: {bool((n >= o - 1e-6 * n.abs().max()).all())}; mean new / old {float(n.sum() / o.sum()):.2f}; "
          f"Spearman {torch.corrcoef(torch.stack([rank(o), rank(n)]))[0, 1]:.3f}; top-100 edges shared {len(top(o) & top(n))}")

if __name__ == '__main__': main()
