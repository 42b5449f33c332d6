#!/usr/bin/env python3
"""Train the demo GPT-2 on the tokenized train split (resumable).

Each context = BOS (0) + 127 tokens from a random offset of train.bin; loss on positions 0..126
predicting tokens 1..127. AdamW, linear warm-up, cosine decay. Because the shared 2-core machine only
gave this run ~0.3 cores, training is sped up by distillation from a bigram teacher (the same
interpolated absolute-discounting bigram as the baseline, estimated on the train split): loss =
(1-a) CE(next token) + a CE(bigram P(.|prev), model), a = --distill decaying linearly to 0 at 60% of
the time budget; the last 40% is plain next-token training.
The run is time-budgeted (the machine's 2 cores are shared, so throughput varies): the learning-rate
schedule is a function of elapsed training time / (--minutes), and training stops when the budget is
spent. Elapsed time is stored in the checkpoint; rerunning the same command resumes from
.cache/recipe/ckpt/latest.pt.

Usage: nohup /usr/bin/python3 scripts/recipe/train_model.py --minutes 70 > .cache/recipe/train.log 2>&1 &
"""
import argparse, csv, json, math, os, sys, time
import numpy as np
import torch
sys.path.insert(0, os.path.dirname(__file__))
from fs_model import GPT2

torch.set_num_threads(2)
torch.set_flush_denormal(True)
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
CACHE = os.path.join(ROOT, '.cache', 'recipe')
CK = os.path.join(CACHE, 'ckpt')

ap = argparse.ArgumentParser()
ap.add_argument('--minutes', type=float, default=70)
ap.add_argument('--d', type=int, default=128)
ap.add_argument('--layers', type=int, default=2)
ap.add_argument('--heads', type=int, default=4)
ap.add_argument('--batch', type=int, default=16)
ap.add_argument('--lr', type=float, default=2e-3)
ap.add_argument('--bench', action='store_true')
ap.add_argument('--bigram-init', action='store_true',
                help='untied unembedding; initialise wte / lm_head from a rank-(d-1) factorisation of the bigram log-probabilities')
ap.add_argument('--distill', type=float, default=0.5,
                help='initial weight of the bigram-teacher soft-target loss (decays linearly to 0 at 60%% of the budget)')
ap.add_argument('--extend-minutes', type=float, default=0,
                help='resume a finished run for this many more minutes (warm restart: peak lr x0.5, cosine to 5%% of --lr)')
args = ap.parse_args()

N_CTX = 128
train = np.fromfile(os.path.join(CACHE, 'tokens', 'train.bin'), dtype=np.uint16)
held = np.fromfile(os.path.join(CACHE, 'tokens', 'heldout.bin'), dtype=np.uint16)
vocab = len(json.load(open(os.path.join(CACHE, 'tokenizer', 'vocab.json'))))


def batch_at(arr, starts):
    x = np.stack([arr[s:s + N_CTX - 1] for s in starts]).astype(np.int64)
    x = np.concatenate([np.zeros((len(starts), 1), np.int64), x], 1)
    return torch.from_numpy(x)


erng = np.random.default_rng(7)
eval_starts = erng.integers(0, len(held) - N_CTX, size=256)
EVAL = batch_at(held, eval_starts)


def loss_fn(model, x, alpha=0.0):
    logits = model(x)
    lg = logits[:, :-1].reshape(-1, logits.shape[-1])
    ce = torch.nn.functional.cross_entropy(lg, x[:, 1:].reshape(-1))
    if alpha <= 0:
        return ce, ce
    soft = TEACHER[x[:, :-1].reshape(-1)]                       # bigram P(. | previous token)
    kd = -(soft * torch.log_softmax(lg, -1)).sum(-1).mean()
    return (1 - alpha) * ce + alpha * kd, ce


TEACHER = None


def build_teacher(V, d=0.75):
    """Interpolated absolute-discounting bigram on the whole train split (same estimator as baselines.py)."""
    tr = train.astype(np.int64)
    uni = np.bincount(tr, minlength=V).astype(np.float64)
    p_uni = (uni + 1) / (uni.sum() + V)
    c = np.bincount(tr[:-1] * V + tr[1:], minlength=V * V).reshape(V, V).astype(np.float32)
    c_a = c.sum(1, keepdims=True)
    types = (c > 0).sum(1, keepdims=True)
    lam = np.where(c_a > 0, d * types / np.maximum(c_a, 1), 1.0)
    P = np.maximum(c - d, 0) / np.maximum(c_a, 1) + lam * p_uni[None, :].astype(np.float32)
    return torch.from_numpy((P / P.sum(1, keepdims=True)).astype(np.float32))


@torch.no_grad()
def evaluate(model):
    model.eval()
    ls = [loss_fn(model, EVAL[i:i + 64])[1].item() for i in range(0, len(EVAL), 64)]
    model.train()
    return float(np.mean(ls))


def bigram_init(model, P):
    """wte[a] . W_U ~= centred log P(.|a) (frequency-weighted rank d-1 SVD); wte rows zero-mean so the final
    LayerNorm only rescales them (each row's scale is lost; a global scale is fitted)."""
    V, d = P.shape[0], model.cfg['d']
    r = d - 1
    tr = train.astype(np.int64)
    w = torch.from_numpy((np.bincount(tr, minlength=V) + 1.0) / (len(tr) + V)).float()
    M = torch.log(P)
    M = M - M.mean(1, keepdim=True)
    U, S, Vt = torch.svd_lowrank(w.sqrt()[:, None] * M, q=r + 10, niter=3)
    A = U[:, :r] * S[:r].sqrt() / w.sqrt()[:, None]          # V x r
    Bm = S[:r].sqrt()[:, None] * Vt[:, :r].T                  # r x V
    C = torch.eye(d) - 1.0 / d
    Q, _ = torch.linalg.qr(C[:, :r])                          # d x r, orthonormal, columns zero-mean
    E = A @ Q.T                                               # V x d, rows zero-mean
    norms = E.norm(dim=1)
    rho = float((w * norms).sum() / w.sum()) / math.sqrt(d)    # typical rms of a row
    with torch.no_grad():
        model.wte.weight.copy_(E / (rho + 1e-8))                 # rows with weighted-mean rms ~ 1
        model.lm_head.weight.copy_((Q @ Bm * rho).T)             # [V, d]
        model.ln_f.weight.fill_(1.0)
        model.ln_f.bias.zero_()


model = GPT2(vocab, N_CTX, args.d, args.layers, args.heads, untied=args.bigram_init)
opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.98), weight_decay=0.05)
os.makedirs(CK, exist_ok=True)
state = {'step': 0, 'budget_s': args.minutes * 60, 'elapsed': 0.0}
if os.path.exists(os.path.join(CK, 'latest.pt')) and not args.bench:
    ck = torch.load(os.path.join(CK, 'latest.pt'))
    model.load_state_dict(ck['model'])
    opt.load_state_dict(ck['opt'])
    state = ck['state']
    print('resumed at step', state['step'], flush=True)
    if args.extend_minutes > 0:
        state['phase'] = {'start_s': state['elapsed'], 'budget_s': args.extend_minutes * 60, 'peak': args.lr * 0.5}
        state['budget_s'] = state['elapsed'] + args.extend_minutes * 60
        print('extending by', args.extend_minutes, 'minutes', flush=True)
if args.bigram_init and state['step'] == 0:
    TEACHER = build_teacher(vocab)
    bigram_init(model, TEACHER)
    print('bigram init: held-out CE at step 0 =', round(evaluate(model), 4), flush=True)
    if args.bench:
        sys.exit(0)
rng = np.random.default_rng(1000 + state['step'])
curve_path = os.path.join(CACHE, 'train_curve.csv')
if state['step'] == 0 and not args.bench:
    with open(curve_path, 'w') as f:
        f.write('step,tokens,train_loss,heldout_loss,lr,elapsed_s\n')

print(f'params {sum(p.numel() for p in model.parameters())}, train tokens {len(train)}, held-out tokens {len(held)}', flush=True)
WARM = 20
tok_per_step = args.batch * (N_CTX - 1)


def lr_at(step):
    ph = state.get('phase')
    if ph:
        p = min(1.0, (state['elapsed'] - ph['start_s']) / ph['budget_s'])
        return ph['peak'] * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * p)))
    if step < WARM:
        return args.lr * (step + 1) / WARM
    p = min(1.0, state['elapsed'] / state['budget_s'])
    return args.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * p)))


def save():
    torch.save({'model': model.state_dict(), 'opt': opt.state_dict(), 'state': state, 'cfg': model.cfg},
               os.path.join(CK, 'latest.pt.tmp'))
    os.replace(os.path.join(CK, 'latest.pt.tmp'), os.path.join(CK, 'latest.pt'))


t_start = time.time() - state['elapsed']
t_bench = None
last_save = time.time()
run_loss = None
while True:
    step = state['step']
    done = state['elapsed'] >= state['budget_s']
    if done:
        break
    for g in opt.param_groups:
        g['lr'] = lr_at(step)
    x = batch_at(train, rng.integers(0, len(train) - N_CTX, size=args.batch))
    alpha = args.distill * max(0.0, 1 - state['elapsed'] / (0.6 * state['budget_s'])) if not state.get('phase') else 0.0
    if alpha > 0 and TEACHER is None:
        TEACHER = build_teacher(vocab)
        print('bigram teacher built', flush=True)
    loss, ce_plain = loss_fn(model, x, alpha)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    state['step'] += 1
    state['elapsed'] = time.time() - t_start
    lce = ce_plain.item()  # track the plain next-token CE (not the distillation mix)
    run_loss = lce if run_loss is None else 0.95 * run_loss + 0.05 * lce
    if state['step'] == 10:
        t_bench = time.time()
    if state['step'] == 40 and t_bench is not None:
        sps = 30 / (time.time() - t_bench)
        print(f'throughput: {sps * tok_per_step:.0f} tokens/s ({sps:.2f} steps/s)', flush=True)
        if args.bench:
            sys.exit(0)
    last = state['elapsed'] >= state['budget_s']
    if state['step'] % 50 == 0 or last:
        ev = evaluate(model) if (state['step'] % 200 == 0 or last) else ''
        with open(curve_path, 'a') as f:
            f.write(f"{state['step']},{state['step'] * tok_per_step},{run_loss:.4f},{ev if ev == '' else round(ev, 4)},{lr_at(step):.6f},{state['elapsed']:.0f}\n")
        print(f"step {state['step']} loss {run_loss:.4f} held {ev} {state['elapsed']:.0f}s", flush=True)
    if state['step'] % 200 == 0 or time.time() - last_save > 300:
        save()
        last_save = time.time()
        if state['step'] == 400:
            torch.save({'model': model.state_dict(), 'cfg': model.cfg, 'state': dict(state)}, os.path.join(CK, 'first.pt'))
save()
if not os.path.exists(os.path.join(CK, 'final.pt')) or state['elapsed'] >= state['budget_s']:
    torch.save({'model': model.state_dict(), 'cfg': model.cfg, 'state': dict(state)}, os.path.join(CK, 'final.pt'))
print('done', flush=True)
