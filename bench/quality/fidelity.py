#!/usr/bin/python3
"""Fidelity of one model's masks to another's (docs/MODELS.md): same file names in two folders.

    /usr/bin/python3 bench/quality/fidelity.py REFERENCE_DIR VARIANT_DIR [REF2 VAR2 ...]

Typically out/quality/raw/medium/<set> (the fp16 model, unrefined) against
out/quality/raw/<variant>/<set>, which bench/quality/run.sh --models <variant> writes. Prints over
all images: mean |a - b| in 1/255 steps (mean and worst image), the largest single difference, and
the IoU of (a > 0.5) against (b > 0.5) (mean and worst image; two empty masks count as 1).
"""

import os
import sys

import cv2
import numpy as np


def main():
    args = sys.argv[1:]
    if not args or len(args) % 2:
        sys.exit(__doc__)
    means, ious, worst = [], [], 0
    for ref_dir, var_dir in zip(args[0::2], args[1::2]):
        names = sorted(f for f in os.listdir(ref_dir) if f.endswith(".png"))
        if not names:
            sys.exit(f"fidelity: no PNG masks in {ref_dir}")
        for name in names:
            path = os.path.join(var_dir, name)
            a = cv2.imread(os.path.join(ref_dir, name), cv2.IMREAD_GRAYSCALE)
            b = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
            if a is None or b is None or a.shape != b.shape:
                sys.exit(f"fidelity: {name}: missing or different size in {var_dir}")
            d = np.abs(a.astype(np.int32) - b.astype(np.int32))
            means.append(float(d.mean()))
            worst = max(worst, int(d.max()))
            fa, fb = a > 127, b > 127
            union = np.logical_or(fa, fb).sum()
            ious.append(1.0 if union == 0 else float(np.logical_and(fa, fb).sum()) / float(union))
    means, ious = np.array(means), np.array(ious)
    print(f"images {len(means)}: mean |diff| {means.mean():.3f}/255 (worst image {means.max():.3f}), "
          f"largest {worst}/255; IoU mean {ious.mean():.5f}, worst {ious.min():.5f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
