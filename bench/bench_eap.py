"""EAP cost on a random GPT-2-small-shaped model, as ratios measured in one run.

    .venv/bin/python bench/bench_eap.py [--batch 8] [--pos 15] [--device cpu] [--repeats 5]
    .venv/bin/python bench/bench_eap.py --shapes gpt2,gpt2-hf,llama,llama-gqa [--sizes 8x15,32x16] [--repeats 3] [--threads 1] [--write]

Prints: plain clean forward + corrupted forward + backward (with and without parameter gradients), EAP with each
gradient route, EAP / plain, exact-patching throughput (edges per second, on a sample of edges across all layers),
and peak memory (CUDA: allocator peak; CPU: peak RSS above the built model, measured in a child process per phase,
with the kernel's peak counter reset after the model is built).

With `--shapes`, for each shape (`eap_nb.models.SHAPES` names, or `llama` / `llama-gqa`: a Llama-style Hugging Face
model with random weights, RMSNorm, rotary positions and a gated MLP, through TransformerBridge, with as many / a third
as many key-value heads as query heads): plain fwd+fwd+bwd and EAP times, their ratio, and EAP's peak memory
(`eap_nb.attribution.peak_memory`: CUDA allocator peak, or on CPU the profiler's allocation record) against
`estimate_memory`, parameters excluded from both.

With `--methods`: each attribution method of `eap_nb.methods.attribute` (EAP, EAP-IG-inputs, clean-corrupted,
EAP-IG-activations) on the GPT-2-small shape, its time over the plain model's (clean fwd + corrupted fwd + bwd),
and the number of forward passes it makes (`--ig-steps`, default 5; `--act-steps`, default 1, for EAP-IG-activations,
whose cost is (1 + 2 n_layers) x steps gradient runs).
"""
import argparse, json, os, platform, resource, subprocess, sys, time
from importlib.metadata import version
from pathlib import Path
import torch
from eap_nb.models import random_model, model_spec, SHAPES, TL_MAJOR
from eap_nb.graph import Graph
from eap_nb.data import Batch
from eap_nb.patching import patch_scores
from eap_nb.attribution import eap_scores, estimate_memory, peak_memory, use_split

LLAMA = dict(n_layers=12, d_model=768, n_heads=12, d_mlp=2048, d_vocab=32000)  # Llama-style, GPT-2-small width

def llama_bridge(n_kv_heads, device):
    "A TransformerBridge over a random Llama-style Hugging Face model (LLAMA shape), built offline"
    from transformers import LlamaConfig, LlamaForCausalLM
    from transformer_lens.model_bridge import TransformerBridge
    from eap_nb.models import word_tokenizer
    tok = word_tokenizer(LLAMA['d_vocab'])
    torch.manual_seed(0)
    hf = LlamaForCausalLM(LlamaConfig(hidden_size=LLAMA['d_model'], num_attention_heads=LLAMA['n_heads'],
        num_key_value_heads=n_kv_heads, intermediate_size=LLAMA['d_mlp'], num_hidden_layers=LLAMA['n_layers'],
        vocab_size=len(tok), max_position_embeddings=1024)).eval()
    model = TransformerBridge.boot_transformers('meta-llama/Llama-3.2-1B', hf_model=hf, tokenizer=tok, device=device)
    model.eval()
    return model

def build(shape, device):
    if shape == 'gpt2-hf':  # a TransformerBridge over a random Hugging Face GPT-2 of GPT-2 small's shape
        from eap_nb.models import random_bridge
        s = SHAPES['gpt2']
        return random_bridge(n_layers=s['n_layers'], n_heads=s['n_heads'], d_model=s['d_model'], d_vocab=s['d_vocab'], n_ctx=s['n_ctx']).to(device)
    if shape == 'llama': return llama_bridge(LLAMA['n_heads'], device)
    if shape == 'llama-gqa': return llama_bridge(LLAMA['n_heads'] // 3, device)
    torch.manual_seed(0)
    return random_model(shape, device=device)

def make_batch(model, args):
    V = model.cfg.d_vocab
    g = torch.Generator().manual_seed(0)
    clean = torch.randint(0, V, (args.batch, args.pos), generator=g)
    corrupted = clean.clone(); corrupted[:, :args.pos // 2] = torch.randint(0, V, (args.batch, args.pos // 2), generator=g)
    return Batch(clean.to(args.device), corrupted.to(args.device), answer=torch.randint(0, V, (args.batch,), generator=g).to(args.device))

def setup(args):
    model = build('gpt2', args.device)
    return model, Graph.from_model(model), make_batch(model, args)

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

def interleaved(fs, dev, repeats):
    "Minimum time of each function, run in turn `repeats` times after a warm-up (a shared machine's load hits all alike)"
    for f in fs: f(); sync(dev)
    ts = [[] for _ in fs]
    for _ in range(repeats):
        for f, t in zip(fs, ts):
            t0 = time.perf_counter(); f(); sync(dev); t.append(time.perf_counter() - t0)
    return [min(t) for t in ts]

def plain_any(model, batch):
    "The plain baseline with parameter gradients, for any backend"
    with torch.no_grad(): model(batch.corrupted)
    model.zero_grad(set_to_none=True)
    metric(model(batch.clean), batch).sum().backward()

SHAPES_TITLE = f'## CPU, GPT-2-small and Llama shapes on TransformerLens {TL_MAJOR}: EAP / plain per backend'

def shapes(args):
    "Per shape (and per batch size of --sizes): plain and EAP times and their ratio; EAP's measured peak memory against estimate_memory"
    sizes = [tuple(map(int, x.split('x'))) for x in args.sizes.split(',')] if args.sizes else [(args.batch, args.pos)]
    machine = (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
               f"threads {torch.get_num_threads()}, device {args.device}, TransformerLens {version('transformer_lens')}")
    print(f"machine: {machine}; min of {args.repeats} after a warm-up")
    print(f"gpt2 = random_model('gpt2'): a {'HookedTransformer' if TL_MAJOR < 4 else 'native TransformerBridge'}; "
          "gpt2-hf: a TransformerBridge over a random Hugging Face GPT-2 (random_bridge) of the same shape")
    print(f"{'shape':12s} {'blocks':6s} {'batch':>6s} {'edges':>8s} {'plain s':>8s} {'EAP s':>7s} {'EAP/plain':>9s} {'route':6s} "
          f"{'est MiB':>8s} {'meas MiB':>8s} {'est/meas':>8s} {'params MiB':>10s}")
    rows = []
    for shape in args.shapes.split(','):
        model = build(shape, args.device)
        try: graph = Graph.from_model(model)
        except NotImplementedError as e:
            print(f"{shape:12s} not supported: {e}"); continue
        spec = model_spec(model)
        for b, p in sizes:
            t0 = time.perf_counter()
            args.batch, args.pos = b, p
            batch = make_batch(model, args)
            tp, te = interleaved([lambda: plain_any(model, batch),
                                  lambda: eap_scores(model, graph, batch, metric, progress=False)], args.device, args.repeats)
            model.zero_grad(set_to_none=True)
            meas = peak_memory(lambda: eap_scores(model, graph, batch, metric, progress=False), args.device)
            est = estimate_memory(model, graph, b, p)
            route = 'split' if use_split(spec, 'auto') else 'fast'
            e = est['total'] - est['parameters']
            took, load = time.perf_counter() - t0, os.getloadavg()[0]
            print(f"{shape:12s} {spec.blocks:6s} {f'{b}x{p}':>6s} {graph.n_edges:8,d} {tp:8.2f} {te:7.2f} {te / tp:9.2f} {route:6s} {e / 2**20:8.0f} "
                  f"{meas / 2**20:8.0f} {e / meas:8.2f} {est['parameters'] / 2**20:10.0f}   ({took:.0f} s, load {load:.1f})", flush=True)
            rows.append(f"| {shape} | {spec.blocks} | {b} x {p} | {graph.n_edges:,} | {tp:.2f} | {te:.2f} | **{te / tp:.2f}** | {route} | "
                        f"{e / 2**20:.0f} | {meas / 2**20:.0f} | {e / meas:.2f} | {load:.1f} |")
        del model
    if args.write:
        lines = [f"Machine: {machine}. Command: `{'.venv' if TL_MAJOR >= 4 else '.venv-tl3'}/bin/python bench/bench_eap.py --shapes {args.shapes} --sizes "
                 f"{','.join(f'{b}x{p}' for b, p in sizes)} --repeats {args.repeats} --threads {torch.get_num_threads()} --write`; "
                 f"random weights; plain and EAP run in turn, minimum of {args.repeats} after a warm-up; memory in MiB, parameters excluded.",
                 '', '| shape | blocks | batch | edges | plain s | EAP s | EAP / plain | route | est MiB | meas MiB | est / meas | load |',
                 '|' + '---|' * 12, *rows, '',
                 "- `gpt2`: `random_model('gpt2')`, eap_nb's own model (TransformerLens 3: a HookedTransformer, `hooked`; 4: a native "
                 "TransformerBridge, `native`); `gpt2-hf`: `random_bridge` of the same shape, a TransformerBridge over Hugging Face's "
                 "GPT-2 (`hf`); `llama` / `llama-gqa`: a TransformerBridge over a random Llama-style Hugging Face model (12 layers, "
                 "d_model 768, 12 query heads; 12 / 4 key-value heads; RMSNorm, rotary, gated MLP 2048, vocabulary 32,000).",
                 "- `plain` = corrupted forward (no grad) + clean forward + `metric.sum().backward()` with parameter gradients; `EAP` = "
                 "`eap_scores`, its default route (`fast` where `ModelSpec.qkv_fast`: hook_q/k/v gradients mapped through the "
                 "projections and the input norm, no per-head copies of the residual stream).",
                 "- `est` is `estimate_memory`, `meas` is `peak_memory` (the profiler's record of allocations); `load`: the "
                 "machine's 1-minute load average after the row (a shared 2-core machine)."]
        from _results import write_section
        print(f"written to {write_section(SHAPES_TITLE, lines)}")

def methods(args):
    "Each attribution method's time over the plain model's, and its forward passes, on the GPT-2-small shape"
    from eap_nb.methods import attribute
    model, graph, batch = setup(args)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"threads {torch.get_num_threads()}, device {args.device}; random GPT-2-small shape, {graph.n_edges:,} edges; "
          f"batch {args.batch} x {args.pos} tokens; plain and each method run in turn, min of {args.repeats} after a warm-up")
    runs = [('EAP', 1), ('EAP-IG-inputs', args.ig_steps), ('clean-corrupted', 1), ('EAP-IG-activations', args.act_steps)]
    fs = [lambda: plain_any(model, batch)] + [lambda k=k, m=m: attribute(model, graph, batch, metric, method=k, ig_steps=m, progress=False)
                                              for k, m in runs]
    ts = interleaved(fs, args.device, args.repeats)
    calls = []
    model.add_hook('hook_embed', lambda x, hook: calls.append(1), is_permanent=True)
    print(f"{'method':20s} {'steps':>5s} {'forwards':>8s} {'time s':>7s} {'/ plain':>7s} {'/ EAP':>6s}")
    print(f"{'plain':20s} {'':5s} {2:8d} {ts[0]:7.2f} {1:7.2f} {ts[0] / ts[1]:6.2f}")
    for (k, m), f, t in zip(runs, fs[1:], ts[1:]):
        calls.clear(); f()
        print(f"{k:20s} {m:5d} {len(calls):8d} {t:7.2f} {t / ts[0]:7.2f} {t / ts[1]:6.2f}", flush=True)
    model.reset_hooks(including_permanent=True)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--batch', type=int, default=8); ap.add_argument('--pos', type=int, default=15)
    ap.add_argument('--device', default='cpu'); ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--patch-edges', type=int, default=256); ap.add_argument('--child', default=None)
    ap.add_argument('--threads', type=int, default=None, help='torch threads (1 is steadier on a shared machine)')
    ap.add_argument('--shapes', default=None, help="comma-separated: gpt2, gpt2-medium, attn-only-4l, gpt2-hf, llama, llama-gqa")
    ap.add_argument('--sizes', default=None, help="with --shapes: comma-separated BxP batch sizes, e.g. 8x15,32x16 (default --batch x --pos)")
    ap.add_argument('--write', action='store_true', help="with --shapes: replace this generation's section of bench/RESULTS.md with the table")
    ap.add_argument('--methods', action='store_true', help='time every method of eap_nb.methods.attribute against plain')
    ap.add_argument('--ig-steps', type=int, default=5); ap.add_argument('--act-steps', type=int, default=1)
    args = ap.parse_args()
    if args.threads: torch.set_num_threads(args.threads)
    if args.shapes: return shapes(args)
    if args.methods: return methods(args)
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
