"""Times the PyTorch reference of the networks benchmark (bench/networks.bench.ts) on CPU.

Usage: python3 bench/pytorch/reference.py WORK [--reps N] [--warmup N] [--size S]
WORK is one of: unet_fwd, resnet_fwd, unet_step, resnet_step. Prints one JSON object
{"work", "samples_ms", "median_ms", "torch", "threads"} on stdout.

The networks come from test/fixtures/models/torchref.py (the same builders the parity fixtures
use). Batch 1, norm 'batch' (the pix2pix default), no dropout, one intra-op thread so the
comparison with the single-threaded wasm backend is like for like. A training step follows the
reference Pix2PixModel: fake = G(A); D step on cat(A, fake.detach()) and cat(A, B) with
BCE-with-logits, Adam(2e-4, 0.5, 0.999); then G step with D fixed, GAN + 100 * L1.
"""
import argparse, math, json, os, statistics, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'models'))
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from torchref import UnetGenerator, ResnetGenerator, NLayerDiscriminator  # noqa: E402


def make_generator(kind, size):
    if kind == 'unet':
        return UnetGenerator(3, 3, num_downs=int(math.log2(size)), ngf=64, norm='batch', dropout=False)
    return ResnetGenerator(3, 3, ngf=64, norm='batch', dropout=False, n_blocks=9)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('work', choices=['unet_fwd', 'resnet_fwd', 'unet_step', 'resnet_step'])
    p.add_argument('--reps', type=int, default=3)
    p.add_argument('--warmup', type=int, default=1)
    p.add_argument('--size', type=int, default=256)
    args = p.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    kind, what = args.work.split('_')
    G = make_generator(kind, args.size)
    a = torch.rand(1, 3, args.size, args.size) * 2 - 1
    b = torch.rand(1, 3, args.size, args.size) * 2 - 1

    if what == 'fwd':
        G.eval()

        def run():
            with torch.no_grad():
                G(a)
    else:
        D = NLayerDiscriminator(6, ndf=64, n_layers=3, norm='batch')
        G.train()
        D.train()
        opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
        opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
        gan = nn.BCEWithLogitsLoss()
        l1 = nn.L1Loss()

        def run():
            fake = G(a)
            for q in D.parameters():
                q.requires_grad_(True)
            opt_d.zero_grad()
            pf = D(torch.cat([a, fake.detach()], 1))
            pr = D(torch.cat([a, b], 1))
            loss_d = 0.5 * (gan(pf, torch.zeros_like(pf)) + gan(pr, torch.ones_like(pr)))
            loss_d.backward()
            opt_d.step()
            for q in D.parameters():
                q.requires_grad_(False)
            opt_g.zero_grad()
            pf = D(torch.cat([a, fake], 1))
            loss_g = gan(pf, torch.ones_like(pf)) + 100.0 * l1(fake, b)
            loss_g.backward()
            opt_g.step()
            loss_g.item()

    for _ in range(args.warmup):
        run()
    samples = []
    for _ in range(args.reps):
        t0 = time.perf_counter()
        run()
        samples.append((time.perf_counter() - t0) * 1000.0)
    print(json.dumps({
        'work': args.work,
        'samples_ms': samples,
        'median_ms': statistics.median(samples),
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
    }))


if __name__ == '__main__':
    main()
