"""Fast ACDC against the naive one (a full forward pass per edge test), in one run, on a random model of
GPT-2-small shape (12 heads, d_model 768, d_mlp 3072, vocabulary 50257) with few layers.

    .venv/bin/python bench/bench_acdc.py [--layers 2] [--batch 8] [--pos 15] [--tau 0.002]

Prints wall time, forward passes (tests), model FLOPs, and checks the two runs keep the same edges.
"""
import argparse, os, platform, time
import torch
from eap_nb.models import random_model
from eap_nb.graph import Graph
from eap_nb.data import Batch
from eap_nb.hooks import writer_outputs
from eap_nb.patching import circuit_metric
from eap_nb.acdc import acdc, acdc_order, receiver_alive, with_clean_logprobs, kl_div, forward_flops

def naive_acdc(model, graph, batch, metric, tau, e_corr):
    "One full forward pass per edge test; the corrupted activations computed once (as ACDC caches them)"
    m = lambda kp: circuit_metric(model, graph, kp, batch, metric, ablation=e_corr).double().mean().item()
    keep = torch.ones(graph.n_edges, dtype=torch.bool)
    cur, tests = m(keep), 0
    for name, cands, gate, gate_int in acdc_order(graph):
        if not receiver_alive(graph, ~keep, gate, gate_int):
            keep[cands] = False; continue
        for e in cands:
            keep[e] = False
            new = m(keep); tests += 1
            if new - cur < tau: cur = new
            else: keep[e] = True
    return keep, tests

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--layers', type=int, default=2); ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--pos', type=int, default=15); ap.add_argument('--tau', type=float, default=0.002)
    ap.add_argument('--device', default='cpu')
    args = ap.parse_args()
    model = random_model('gpt2', n_layers=args.layers, device=args.device)
    g = torch.Generator().manual_seed(0)
    clean = torch.randint(0, 50257, (args.batch, args.pos), generator=g)
    corrupted = clean.clone(); corrupted[:, :args.pos // 2] = torch.randint(0, 50257, (args.batch, args.pos // 2), generator=g)
    batch = with_clean_logprobs(model, Batch(clean.to(args.device), corrupted.to(args.device)))[0]
    graph = Graph.from_model(model)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, device {args.device}")
    print(f"model: random GPT-2-small shape with {args.layers} layers; {graph}; batch {args.batch} x {args.pos}; "
          f"KL metric; tau {args.tau}")
    t = time.perf_counter(); fast = acdc(model, graph, batch, kl_div, args.tau, progress=False); t_fast = time.perf_counter() - t
    t = time.perf_counter()
    e_corr = writer_outputs(model, graph, batch.corrupted)
    keep, tests = naive_acdc(model, graph, batch, kl_div, args.tau, e_corr)
    t_naive = time.perf_counter() - t
    full = forward_flops(model.cfg, args.batch, args.pos, args.layers, args.batch * args.pos)
    naive_flops = (tests + 2) * full
    same = bool((keep == fast.keep).all())
    print(f"same edges kept: {same} ({int(keep.sum())} of {graph.n_edges})")
    print(f"naive ACDC: {t_naive:7.1f} s, {tests} tests = {tests + 1} full forward passes, {naive_flops / 1e12:.2f} TFLOP")
    print(f"fast ACDC:  {t_fast:7.1f} s, {fast.n_tests} tests ({fast.n_evals} states evaluated) in {fast.n_passes} batched passes, "
          f"{fast.forward_equivalents:.0f} forward equivalents, {fast.flops / 1e12:.2f} TFLOP")
    print(f"speedup: {t_naive / t_fast:.1f}x wall time, {naive_flops / fast.flops:.1f}x fewer FLOPs")
    assert same, "fast and naive ACDC disagree"

if __name__ == '__main__': main()
