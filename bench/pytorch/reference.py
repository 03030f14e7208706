"""Times the PyTorch reference of the networks benchmark (bench/networks.bench.ts) on CPU.

Usage: python3 bench/pytorch/reference.py WORK [--threads T] [--reps N] [--warmup N] [--size S] [--serve]
WORK is one of: unet_fwd, resnet_fwd, patchgan_fwd (the 70x70 PatchGAN on A+B, 6 channels),
dcgan_fwd (pytorch/examples' DCGAN netG, 64x64, batch 64), unet_step, resnet_step, matmul
(2048x2048 @ 2048x2048, the GEMM ceiling). --threads is torch.set_num_threads (default 1; 0 means every core this
process may run on).

Without --serve: prints one JSON object {"work", "samples_ms", "cpu_ms", "median_ms", "torch",
"threads", "blas"} on stdout. With --serve (used by the bench to interleave PyTorch with wasm
call by call): builds the work, runs the warm-up calls, prints one JSON line {"ready": true,
"torch", "threads", "blas"}, then for each line "run" on stdin runs the work once and prints
{"wall_ms", "cpu_ms"}; it exits on "quit" or end of input. cpu_ms is the process's CPU time
(every thread), so cpu/wall shows how many cores a call actually used.

"blas" says which BLAS library the process mapped, read from /proc/self/maps after the warm-up
(Debian's python3-torch links libblas.so.3, which is the reference BLAS unless an optimised one
such as libopenblas0-pthread is installed): {"kind": "openblas" | "reference" | "other" |
"unknown", "libraries": [paths]}. The convolutions themselves mostly run in oneDNN; the
transposed convolutions and matmul go through BLAS.

The networks come from test/fixtures/models/torchref.py and the DCGAN fixture script (the same
builders the parity fixtures use). Batch 1, norm 'batch' (the pix2pix default), no dropout. A training step follows the
reference Pix2PixModel: fake = G(A); D step on cat(A, fake.detach()) and cat(A, B) with
BCE-with-logits, Adam(2e-4, 0.5, 0.999); then G step with D fixed, GAN + 100 * L1.
"""
import argparse, math, json, os, statistics, sys, time

MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'models')
sys.path.insert(0, MODELS)
sys.path.insert(0, os.path.join(MODELS, 'dcgan'))
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from torchref import UnetGenerator, ResnetGenerator, NLayerDiscriminator  # noqa: E402

WORKS = ['unet_fwd', 'resnet_fwd', 'patchgan_fwd', 'dcgan_fwd', 'unet_step', 'resnet_step', 'matmul']
DCGAN_BATCH = 64


def make_generator(kind, size):
    if kind == 'unet':
        return UnetGenerator(3, 3, num_downs=int(math.log2(size)), ngf=64, norm='batch', dropout=False)
    return ResnetGenerator(3, 3, ngf=64, norm='batch', dropout=False, n_blocks=9)


def loaded_blas():
    """Which BLAS this process has mapped: the shared objects named *blas* / *lapack* in /proc/self/maps."""
    libs = set()
    try:
        with open('/proc/self/maps') as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 6 and parts[5].startswith('/'):
                    base = os.path.basename(parts[5])
                    if 'blas' in base or 'blis' in base or 'mkl_' in base:
                        libs.add(parts[5])
    except OSError:
        return {'kind': 'unknown', 'libraries': []}
    names = [os.path.basename(p) for p in libs]
    if any(n.startswith('libopenblas') for n in names):
        kind = 'openblas'
    elif any('blis' in n or n.startswith('libmkl_') for n in names):
        kind = 'other'
    elif any(p.endswith('/blas/libblas.so.3') or '/blas/' in p for p in libs):
        # Debian's netlib reference implementation (package libblas3) lives in .../blas/.
        kind = 'reference'
    else:
        kind = 'unknown'
    return {'kind': kind, 'libraries': sorted(libs)}


def build(work, size):
    torch.manual_seed(0)
    if work == 'matmul':
        x = torch.rand(2048, 2048)
        y = torch.rand(2048, 2048)

        def run():
            torch.mm(x, y)
        return run

    if work in ('patchgan_fwd', 'dcgan_fwd'):
        if work == 'patchgan_fwd':
            net = NLayerDiscriminator(6, ndf=64, n_layers=3, norm='batch')
            x = torch.rand(1, 6, size, size) * 2 - 1
        else:
            from generate_dcgan import Generator  # noqa: E402 (pytorch/examples' netG)
            net = Generator(100, 64, 3)
            x = torch.randn(DCGAN_BATCH, 100, 1, 1)
        net.eval()

        def run():
            with torch.no_grad():
                net(x)
        return run

    kind, what = work.split('_')
    G = make_generator(kind, size)
    a = torch.rand(1, 3, size, size) * 2 - 1
    b = torch.rand(1, 3, size, size) * 2 - 1
    if what == 'fwd':
        G.eval()

        def run():
            with torch.no_grad():
                G(a)
        return run

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
    return run


def timed(run):
    t0, c0 = time.perf_counter(), time.process_time()
    run()
    return (time.perf_counter() - t0) * 1000.0, (time.process_time() - c0) * 1000.0


def main():
    p = argparse.ArgumentParser()
    p.add_argument('work', choices=WORKS)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--reps', type=int, default=3)
    p.add_argument('--warmup', type=int, default=1)
    p.add_argument('--size', type=int, default=256)
    p.add_argument('--serve', action='store_true')
    args = p.parse_args()
    threads = args.threads if args.threads > 0 else len(os.sched_getaffinity(0))
    torch.set_num_threads(threads)
    run = build(args.work, args.size)
    for _ in range(args.warmup):
        run()
    info = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'blas': loaded_blas()}

    if args.serve:
        print(json.dumps({'ready': True, 'work': args.work, **info}), flush=True)
        for line in sys.stdin:
            cmd = line.strip()
            if cmd == 'quit':
                break
            if cmd != 'run':
                print(json.dumps({'error': 'unknown command'}), flush=True)
                continue
            wall, cpu = timed(run)
            print(json.dumps({'wall_ms': wall, 'cpu_ms': cpu}), flush=True)
        return

    samples, cpus = [], []
    for _ in range(args.reps):
        wall, cpu = timed(run)
        samples.append(wall)
        cpus.append(cpu)
    print(json.dumps({
        'work': args.work,
        'samples_ms': samples,
        'cpu_ms': cpus,
        'median_ms': statistics.median(samples),
        **info,
    }))


if __name__ == '__main__':
    main()
