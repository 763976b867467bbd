"""What an office scanner does to a clean page: a slight skew, a grey paper, blur, speckle
noise and JPEG compression. Generated pages put through it stand in for scanned statements,
whose truth is still known to the box."""

from __future__ import annotations

import io
import random
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageFilter

from preciso_dagster.core.engines import Box
from preciso_dagster.core.extraction.straighten import box_turned

MAX_SKEW_DEGREES = 2.0
MIN_SKEW_DEGREES = 0.3
PAPER = (226, 246)  # grey level of the paper, drawn per page
NOISE = (4.0, 14.0)  # standard deviation of the sensor noise, drawn per page
BLUR = (0.3, 0.9)  # Gaussian blur radius in pixels, drawn per page
JPEG_QUALITY = (45, 85)


def office_scan(image: Image.Image, seed: int) -> tuple[Image.Image, Callable[[Box], Box]]:
    """The page as a scanner might give it back, and where a box of the clean page lands on
    the scan (the box around its turned corners)."""
    rng = random.Random(seed)
    degrees = rng.uniform(MIN_SKEW_DEGREES, MAX_SKEW_DEGREES) * rng.choice((-1, 1))
    paper = rng.randint(*PAPER)
    grey = np.asarray(image.convert("L"), dtype=np.float32)
    # Ink stays as dark as printed; white becomes the paper's grey.
    grey = grey * paper / 255
    turned = Image.fromarray(grey.astype(np.uint8)).rotate(
        degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=paper
    )
    blurred = turned.filter(ImageFilter.GaussianBlur(rng.uniform(*BLUR)))
    noise = np.random.default_rng(seed).normal(0, rng.uniform(*NOISE), blurred.size[::-1])
    noisy = np.clip(np.asarray(blurred, dtype=np.float32) + noise, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noisy).save(buffer, format="JPEG", quality=rng.randint(*JPEG_QUALITY))
    scan = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    return scan, lambda box: box_turned(box, image.size, turned.size, degrees)
