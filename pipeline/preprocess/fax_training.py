"""Fit the network that redraws a fax's lines (``geometry.redraw_fax_lines``).

The data is generated, nothing is downloaded: pages of every non-register document type are
drawn by :mod:`pipeline.samples` (forms in the dev layouts only, never the held-out or probe
ones), then faxed as the ``fax_bitonal`` profile faxes them (half of them aged
first, as ``old_paper`` ages them) and paired with the same page drawn clean at the fax's 200 dpi.
The network sees a fax's lines (ink 1, paper 0, 100 lines per inch) and gives, for each, the two
rows of grey that the clean page has there. Its seeds are its own: none of the dev set's (2026),
the held-out forms' (7), the probe layouts' (11) or seed 99's documents are drawn.

Needs PyTorch and onnx (``pip install -e ".[train]"``); the pipeline itself runs the exported
ONNX file with OpenCV's DNN module and needs neither::

    python -m pipeline.preprocess.fax_training --pages 100 --steps 4000 \\
        --out pipeline/preprocess/data/fax_lines_v1.onnx

On 2 cores (AMD EPYC) the 100 pages take about 3 minutes to draw and the 4,000 steps 25 minutes.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

from pipeline.samples.degrade import degrade, parse_profile
from pipeline.samples.generate import pick_family
from pipeline.samples.layouts import LAYOUTS, render

SEED = 4711  # the training pages' own seed
PATCH = 64  # fax lines per training patch (128 clean rows), 128 columns
CHANNELS = 24


def fax_pair(
    page: Image.Image, rng: np.random.Generator, *, aged: bool
) -> tuple[np.ndarray, np.ndarray]:
    """A page faxed (ink mask of its lines, ``(h, w)`` bool) and drawn clean (``(2h, w)`` grey).

    Both come from :func:`pipeline.samples.degrade.degrade` with the same skew: the fax by the
    ``fax_bitonal`` profile (``+old_paper`` when ``aged``), the clean copy by the same profile
    without its losses (grey, every line, no blur, noise, streaks or levels). The page is cut
    to an even number of fax rows, so that every line is shown exactly twice.
    """
    fax = parse_profile("fax_bitonal+old_paper" if aged else "fax_bitonal")
    clean = replace(
        fax, mode="grey", y_scale=1.0, blur=0.0, noise=0.0, streaks=0, levels=None, paper_age=0.0
    )
    height = page.height
    while round(height * fax.scale) % 2:
        height -= 1
    page = page.crop((0, 0, page.width, height))
    angle = float(rng.uniform(-fax.skew_deg, fax.skew_deg))
    faxed, _, _ = degrade(page, fax, rng, skew=angle)
    drawn, _, _ = degrade(page, clean, rng, skew=angle)
    ink = np.asarray(faxed.convert("L"))[0::2] < 128
    return ink, np.asarray(drawn, dtype=np.float32)


def training_patches(pages: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Patches of ``pages`` generated pages: fax ink ``(n, PATCH, 2·PATCH)`` and clean grey
    ``(n, 2·PATCH, 2·PATCH)``, mostly where there is ink."""
    inks, cleans = [], []
    layouts = sorted(k for k in LAYOUTS if "register" not in k)
    for index in range(pages):
        rng = random.Random(f"sohoa-fax-training:{seed}:{index}")
        family = pick_family(rng)
        page = render(rng.choice(layouts), rng, family, inconsistent=False).pages[0].image
        np_rng = np.random.default_rng([seed, index])
        ink, clean = fax_pair(page, np_rng, aged=index % 2 == 1)
        h, w = ink.shape
        kept = 0
        for _ in range(400):
            y, x = int(np_rng.integers(0, h - PATCH)), int(np_rng.integers(0, w - 2 * PATCH))
            window = ink[y : y + PATCH, x : x + 2 * PATCH]
            if window.mean() < 0.01 and np_rng.random() < 0.9:
                continue  # blank paper: a few, not most
            inks.append(window.astype(np.uint8))
            target = clean[2 * y : 2 * (y + PATCH), x : x + 2 * PATCH]
            cleans.append(target.round().astype(np.uint8))
            kept += 1
            if kept == 60:
                break
        print(f"page {index + 1}/{pages}: {len(inks)} patches", file=sys.stderr, flush=True)
    return np.stack(inks), np.stack(cleans)


def build_network(channels: int = CHANNELS):
    """Seven 3×3 convolutions (dilated 1, 1, 2, 3, 2, 1, 1: a 23-line field of view) from a
    fax's ink to two rows of paper brightness per line, around the doubled lines themselves."""
    import torch
    from torch import nn

    class FaxLines(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            layers: list[nn.Module] = [nn.Conv2d(1, channels, 3, padding=1), nn.ReLU()]
            for dilation in (1, 2, 3, 2, 1):
                layers += [nn.Conv2d(channels, channels, 3, padding=dilation, dilation=dilation)]
                layers += [nn.ReLU()]
            layers.append(nn.Conv2d(channels, 2, 3, padding=1))
            self.body = nn.Sequential(*layers)

        def forward(self, ink: torch.Tensor) -> torch.Tensor:
            # The doubled line is the starting point (paper 1, ink 0); the layers correct it.
            return torch.sigmoid(self.body(ink) + 4 * (1 - 2 * ink))

    return FaxLines()


def fit(
    inks: np.ndarray, cleans: np.ndarray, steps: int, seed: int = SEED, channels: int = CHANNELS
):
    """Train on the patches (squared error, Adam, batches of 16) and return the network."""
    import torch

    torch.manual_seed(seed)
    x = torch.from_numpy(inks).float()[:, None]
    y = torch.from_numpy(cleans).float()[:, None] / 255
    net = build_network(channels)
    optimiser = torch.optim.Adam(net.parameters(), 2e-3)
    start = time.perf_counter()
    for step in range(steps):
        batch = torch.randint(0, len(x), (16,))
        out = net(x[batch])  # (16, 2, h, w): the two rows of each line
        n, _, h, w = out.shape
        rows = out.permute(0, 2, 1, 3).reshape(n, 1, 2 * h, w)
        loss = ((rows - y[batch]) ** 2).mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if step == int(0.7 * steps):
            for group in optimiser.param_groups:
                group["lr"] = 5e-4
        if step % 200 == 0 or step == steps - 1:
            elapsed = time.perf_counter() - start
            print(f"step {step}: loss {loss.item():.4f}, {elapsed:.0f} s", file=sys.stderr)
    return net.eval()


def export(net, out: Path) -> None:
    """Write ``net`` as ONNX with free height and width (input ``ink``, output ``paper``)."""
    import torch

    out.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        net,
        torch.zeros(1, 1, PATCH, 2 * PATCH),
        str(out),
        dynamo=False,
        input_names=["ink"],
        output_names=["paper"],
        dynamic_axes={"ink": {2: "h", 3: "w"}, "paper": {2: "h", 3: "w"}},
        opset_version=13,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--channels", type=int, default=CHANNELS)
    parser.add_argument("--out", type=Path, default=Path("fax_lines.onnx"))
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        parser.error('needs PyTorch and onnx: pip install -e ".[train]"')
    torch.set_num_threads(args.threads)
    inks, cleans = training_patches(args.pages)
    export(fit(inks, cleans, args.steps, channels=args.channels), args.out)
    print(f"wrote {args.out} ({len(inks)} patches of {args.pages} pages, {args.steps} steps)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
