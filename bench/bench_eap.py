"""EAP cost on a random GPT-2-small-shaped model, as ratios measured in one run.

    .venv/bin/python bench/bench_eap.py [--batch 8] [--pos 15] [--device cpu] [--repeats 5]

Prints: plain clean forward + corrupted forward + backward (with and without parameter gradients), EAP with each
gradient route, EAP / plain, exact-patching throughput (edges per second, on a sample of edges across all layers),
and peak memory (CUDA: allocator peak; CPU: peak RSS above the built model, measured in a child process per phase,
with the kernel's peak counter reset after the model is built).
"""
import argparse, json, os, platform, resource, subprocess, sys, time
from pathlib import Path
import torch
from eap_nb.models import random_model
from eap_nb.graph import Graph
from eap_nb.patching import Batch, patch_scores
from eap_nb.attribution import eap_scores

def setup(args):
    torch.manual_seed(0)
    model = random_model('gpt2', device=args.device)
    g = torch.Generator().manual_seed(0)
    clean = torch.randint(0, 50257, (args.batch, args.pos), generator=g)
    corrupted = clean.clone(); corrupted[:, :args.pos // 2] = torch.randint(0, 50257, (args.batch, args.pos // 2), generator=g)
    batch = Batch(clean.to(args.device), corrupted.to(args.device), answer=torch.randint(0, 50257, (args.batch,), generator=g).to(args.device))
    return model, Graph.from_model(model), batch

def metric(logits, batch):
    last = logits[:, -1]
    return last.gather(1, batch.answer[:, None])[:, 0] - last.mean(-1)

def rss_mib(field):
    "VmRSS (current) or VmHWM (peak) of this process in MiB, from /proc (Linux)"
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith(field + ':'): return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def sync(dev):
    if str(dev).startswith('cuda'): torch.cuda.synchronize()

def timeit(f, dev, repeats):
    f(); sync(dev)  # warm-up
    ts = []
    for _ in range(repeats):
        t = time.perf_counter(); f(); sync(dev); ts.append(time.perf_counter() - t)
    return min(ts)

def plain(model, batch, param_grads):
    for p in model.parameters(): p.requires_grad_(param_grads)
    with torch.no_grad(): model(batch.corrupted)
    if param_grads:
        model.zero_grad(set_to_none=True)
        metric(model(batch.clean), batch).sum().backward()
    else:  # input-only backward: gradient w.r.t. the embeddings, no parameter gradients
        emb = model.embed(batch.clean) + model.pos_embed(batch.clean)
        emb.requires_grad_(True)
        m = metric(model(emb, start_at_layer=0), batch)
        torch.autograd.grad(m.sum(), emb)
    for p in model.parameters(): p.requires_grad_(True)

PHASES = {
    'plain': lambda m, g, b: plain(m, b, True),
    'plain_nograd_params': lambda m, g, b: plain(m, b, False),
    'eap_fast': lambda m, g, b: eap_scores(m, g, b, metric, method='fast', progress=False),
    'eap_split': lambda m, g, b: eap_scores(m, g, b, metric, method='split', progress=False),
}

def sample_edges(graph, n):
    idx = torch.linspace(0, graph.n_edges - 1, n).long()
    m = torch.zeros(graph.n_edges, dtype=torch.bool); m[idx] = True
    return m

def peak_child(phase, args):
    "Peak RSS (MiB) of a child process that builds the model and runs one phase"
    out = subprocess.run([sys.executable, __file__, '--child', phase, '--batch', str(args.batch), '--pos', str(args.pos),
                          '--device', args.device], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--batch', type=int, default=8); ap.add_argument('--pos', type=int, default=15)
    ap.add_argument('--device', default='cpu'); ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--patch-edges', type=int, default=256); ap.add_argument('--child', default=None)
    args = ap.parse_args()
    model, graph, batch = setup(args)
    if args.child:  # memory of one phase
        before = rss_mib('VmRSS')
        try: Path('/proc/self/clear_refs').write_text('5')  # reset VmHWM (peak RSS) to the current RSS
        except OSError: pass
        if str(args.device).startswith('cuda'): torch.cuda.reset_peak_memory_stats()
        PHASES[args.child](model, graph, batch); sync(args.device)
        after = rss_mib('VmHWM')
        cuda = torch.cuda.max_memory_allocated() / 2**20 if str(args.device).startswith('cuda') else None
        print(json.dumps(dict(rss_before=before, rss_after=after, cuda_peak=cuda))); return
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"threads {torch.get_num_threads()}, device {args.device}"
          + (f" ({torch.cuda.get_device_name()})" if str(args.device).startswith('cuda') else ''))
    print(f"model: random GPT-2-small shape; graph {graph}; batch {args.batch} x {args.pos} tokens")
    t = {k: timeit(lambda: f(model, graph, batch), args.device, args.repeats) for k, f in PHASES.items()}
    for k, v in t.items(): print(f"  {k:22s} {v * 1000:8.1f} ms")
    print(f"EAP (fast) / plain fwd+fwd+bwd           = {t['eap_fast'] / t['plain']:.2f}")
    print(f"EAP (fast) / plain, input-only backward  = {t['eap_fast'] / t['plain_nograd_params']:.2f}")
    print(f"EAP (split route) / plain fwd+fwd+bwd    = {t['eap_split'] / t['plain']:.2f}")
    sel = sample_edges(graph, args.patch_edges)
    tp = timeit(lambda: patch_scores(model, graph, batch, metric, edges=sel, progress=False), args.device, 1)
    fwd = timeit(lambda: model(batch.clean), args.device, args.repeats)
    print(f"exact patching: {args.patch_edges} edges sampled across all layers in {tp:.2f} s = "
          f"{args.patch_edges / tp:.0f} edges/s ({tp / args.patch_edges / fwd:.2f} plain forwards per edge); "
          f"all {graph.n_edges:,} edges would take ~{graph.n_edges * tp / args.patch_edges:.0f} s")
    for ph in ('plain', 'eap_fast', 'eap_split'):
        r = peak_child(ph, args)
        if r['cuda_peak'] is not None: print(f"  peak memory {ph:10s}: {r['cuda_peak']:.0f} MiB (CUDA allocator)")
        else: print(f"  peak RSS {ph:10s}: +{r['rss_after'] - r['rss_before']:.0f} MiB above the built model ({r['rss_before']:.0f} MiB)")

if __name__ == '__main__': main()
