"""Every model eap_nb builds itself has the same outputs on TransformerLens 3.9 (a HookedTransformer) and 4.x (a native
TransformerBridge holding the same weights): logits on fixed tokens against the ones stored from TransformerLens 3.9.

Write the stored logits (under TransformerLens 3.9 only): python tests/test_generations.py --write"""
import sys
from pathlib import Path
import pytest
import torch

FIXTURE = Path(__file__).parent / 'data' / 'tl3_logits.safetensors'
KEEP = 64  # logits kept per position (all of them for small vocabularies), plus the log-sum-exp over the whole vocabulary

def _families():
    from eap_nb.families import FAMILIES, random_family_model
    def tiny(name):
        f = FAMILIES[name]
        g = f['n_heads'] // (f.get('n_key_value_heads') or f['n_heads'])
        return dict(n_layers=2, n_heads=2 * g, d_head=8, d_vocab=100, n_ctx=32)
    return {f'family-{n}': (lambda n=n: random_family_model(n, tiny(n)), 20) for n in FAMILIES}

def _planted():
    from eap_nb.planted import PLANTED
    return {f'planted-{n}': (lambda f=f: f().model, None) for n, f in PLANTED.items()}

def _trained():
    from eap_nb.trained import TASKS, load_trained
    return {f'trained-{n}': (lambda n=n: load_trained(n).model, 24) for n in TASKS}

def _tracr():
    from eap_nb.tasks import TRACR_NAMES, load_tracr
    return {f'tracr-{n}': (lambda n=n: load_tracr(n), None) for n in TRACR_NAMES}

def _random():
    from eap_nb.models import random_model
    small = dict(n_layers=2, n_heads=4, d_model=32, d_vocab=50, n_ctx=16)
    variants = {'default': {}, 'shortformer': dict(attn_only=True, positional_embedding_type='shortformer'),
                'rotary-rms-parallel': dict(positional_embedding_type='rotary', normalization_type='RMS', parallel=True),
                'gqa-gated-rotary': dict(n_key_value_heads=2, gated_mlp=True, act_fn='silu', normalization_type='RMS',
                                         positional_embedding_type='rotary', rotary_dim=4, final_rms=True),
                'lnpre-gelu': dict(normalization_type='LNPre', act_fn='gelu'), 'rmspre-relu': dict(normalization_type='RMSPre', act_fn='relu'),
                'no-norm': dict(normalization_type=None, act_fn='relu'),
                'soft-caps': dict(attn_scores_soft_cap=1.0, output_logits_soft_cap=2.0),
                'post-norm': dict(normalization_type='RMS', use_normalization_before_and_after=True),
                'bidirectional': dict(attention_dir='bidirectional', d_vocab_out=7),
                'local': dict(use_local_attn=True, window_size=3, attn_types=['local', 'global']),
                'olmo2-like': dict(normalization_type='RMS', original_architecture='Olmo2ForCausalLM', positional_embedding_type='rotary'),
                'float64': dict(dtype=torch.float64)}
    out = {f'random-{k}': (lambda kw=kw: random_model(**small, **kw), 12) for k, kw in variants.items()}
    out['random-gpt2'] = (lambda: random_model('gpt2'), 8)
    out['random-attn-only-4l'] = (lambda: random_model('attn-only-4l'), 8)
    return out

def built_in() -> dict:
    "{name: (build(), sequence length or None for the model's whole context)}"
    return _random() | _families() | _planted() | _trained() | _tracr()

def _tokens(model, n:int|None) -> torch.Tensor:
    n = n or model.cfg.n_ctx
    return torch.randint(0, model.cfg.d_vocab, (2, n), generator=torch.Generator().manual_seed(0))

def _summary(logits:torch.Tensor) -> tuple:
    return logits[..., :KEEP].float(), torch.logsumexp(logits.double(), -1).float()

def write():
    from safetensors.torch import save_file
    from eap_nb.models import TL_MAJOR
    assert TL_MAJOR == 3, "the stored logits come from TransformerLens 3.9: run this under it"
    out = {}
    for name, (build, n) in built_in().items():
        m = build()
        assert type(m).__name__ == 'HookedTransformer', name
        with torch.no_grad(): head, lse = _summary(m(_tokens(m, n)))
        out[f'{name}/head'], out[f'{name}/lse'] = head.contiguous(), lse.contiguous()
    FIXTURE.parent.mkdir(exist_ok=True)
    save_file(out, str(FIXTURE))
    print(f"{len(out) // 2} models -> {FIXTURE} ({FIXTURE.stat().st_size / 1e3:.0f} kB)")

@pytest.fixture(scope='module')
def stored():
    from safetensors.torch import load_file
    return load_file(str(FIXTURE))

@pytest.mark.parametrize('name', sorted(built_in()))
def test_same_logits(stored, name):
    from eap_nb.models import TL_MAJOR
    build, n = built_in()[name]
    m = build()
    test = type(m).__name__
    assert test == ('HookedTransformer' if TL_MAJOR < 4 else 'TransformerBridge'), test
    with torch.no_grad(): head, lse = _summary(m(_tokens(m, n)))
    ref_head, ref_lse = stored[f'{name}/head'], stored[f'{name}/lse']
    scale = ref_head.abs().max().clamp(min=1)
    assert (head - ref_head).abs().max() <= 1e-4 * scale, f"{name}: logits differ by {(head - ref_head).abs().max():.2e}"
    assert (lse - ref_lse).abs().max() <= 1e-4 * ref_lse.abs().max().clamp(min=1)

@pytest.mark.parametrize('kw', [{}, dict(attn_only=True, positional_embedding_type='shortformer'),
                                dict(positional_embedding_type='rotary', normalization_type='RMS', n_key_value_heads=2)],
                         ids=['standard', 'shortformer', 'rotary-gqa'])
def test_left_padding(kw):
    "A model eap_nb builds, with a tokenizer that pads on the left, masks the pads itself (as HookedTransformer does): a padded prompt's real positions get the unpadded prompt's logits"
    from eap_nb.models import random_model, word_tokenizer, attach_tokenizer, implicit_attention_mask
    m = attach_tokenizer(random_model(n_layers=2, n_heads=4, d_model=32, d_vocab=50, n_ctx=16, dtype=torch.float64, **kw),
                         word_tokenizer(50), padding_side='left')
    toks = m.to_tokens(['t5 t6 t7 t8 t9 t10', 't3 t4 t20'])  # the second: three pads, BOS, three words
    assert implicit_attention_mask(m, toks)[1].tolist() == [0, 0, 0, 1, 1, 1, 1]
    with torch.no_grad(): padded, alone = m(toks)[1, 3:], m(toks[1:, 3:])[0]
    assert (padded - alone).abs().max() < 1e-10, f"{(padded - alone).abs().max():.2e}"

if __name__ == '__main__' and '--write' in sys.argv: write()
