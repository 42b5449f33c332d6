"""A plain GPT-2 (pre-LN, learned positions, gelu_new, biases, tied unembedding) in PyTorch.

Parameter names and shapes follow Hugging Face GPT-2 *without* the `transformer.` prefix
(Conv1D weights are [in, out]): wte.weight, wpe.weight, h.N.ln_1.{weight,bias},
h.N.attn.c_attn.{weight,bias}, h.N.attn.c_proj.{weight,bias}, h.N.ln_2.*, h.N.mlp.c_fc.*,
h.N.mlp.c_proj.*, ln_f.*. W_U = wte.weight.T (tied) or lm_head.weight.T (untied=True), no unembedding bias.
forward(..., hooks=dict) records activations named like TransformerLens hooks; `edit` may
replace a hook's activation (fn(name, tensor) -> tensor), used for SAE splicing / ablation.
"""
import math
import torch
import torch.nn as nn


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class Conv1D(nn.Module):
    def __init__(self, nin, nout):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(nin, nout) * 0.02)
        self.bias = nn.Parameter(torch.zeros(nout))

    def forward(self, x):
        return x @ self.weight + self.bias


class Attn(nn.Module):
    def __init__(self, d, nh):
        super().__init__()
        self.nh = nh
        self.c_attn = Conv1D(d, 3 * d)
        self.c_proj = Conv1D(d, d)

    def forward(self, x):
        B, T, D = x.shape
        q, k, v = self.c_attn(x).split(D, dim=2)
        hd = D // self.nh
        q = q.view(B, T, self.nh, hd).transpose(1, 2)
        k = k.view(B, T, self.nh, hd).transpose(1, 2)
        v = v.view(B, T, self.nh, hd).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hd)
        mask = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        att = att.masked_fill(~mask, float('-inf')).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, D)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, d, dm):
        super().__init__()
        self.c_fc = Conv1D(d, dm)
        self.c_proj = Conv1D(dm, d)


class Block(nn.Module):
    def __init__(self, d, nh, dm, eps):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d, eps=eps)
        self.attn = Attn(d, nh)
        self.ln_2 = nn.LayerNorm(d, eps=eps)
        self.mlp = MLP(d, dm)


class GPT2(nn.Module):
    def __init__(self, vocab, n_ctx=128, d=256, n_layers=2, n_heads=4, d_mlp=None, eps=1e-5, untied=False):
        super().__init__()
        self.cfg = dict(vocab=vocab, n_ctx=n_ctx, d=d, n_layers=n_layers, n_heads=n_heads, d_mlp=d_mlp or 4 * d, eps=eps,
                        untied=untied)
        if untied:  # HF GPT2LMHeadModel's lm_head.weight [V, D]; W_U = lm_head.weight.T
            self.lm_head = nn.Linear(d, vocab, bias=False)
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(n_ctx, d)
        nn.init.normal_(self.wte.weight, std=0.02)
        nn.init.normal_(self.wpe.weight, std=0.01)
        self.h = nn.ModuleList([Block(d, n_heads, d_mlp or 4 * d, eps) for _ in range(n_layers)])
        self.ln_f = nn.LayerNorm(d, eps=eps)
        for b in self.h:  # GPT-2 scaled init of residual projections
            nn.init.normal_(b.attn.c_proj.weight, std=0.02 / math.sqrt(2 * n_layers))
            nn.init.normal_(b.mlp.c_proj.weight, std=0.02 / math.sqrt(2 * n_layers))

    def forward(self, ids, hooks=None, edit=None, stop_at=None):
        def hk(name, x):
            if edit is not None:
                x = edit(name, x)
            if hooks is not None:
                hooks[name] = x
            return x
        B, T = ids.shape
        pos = torch.arange(T, device=ids.device)
        x = self.wte(ids) + self.wpe(pos)[None]
        for L, b in enumerate(self.h):
            x = hk(f'blocks.{L}.hook_resid_pre', x)
            x = x + b.attn(b.ln_1(x))
            x = hk(f'blocks.{L}.hook_resid_mid', x)
            post = hk(f'blocks.{L}.mlp.hook_post', gelu_new(b.mlp.c_fc(b.ln_2(x))))
            x = x + b.mlp.c_proj(post)
            x = hk(f'blocks.{L}.hook_resid_post', x)
            if stop_at is not None and stop_at == L:
                return None
        return self.ln_f(x) @ (self.lm_head.weight.T if self.cfg.get('untied') else self.wte.weight.T)
