#!/usr/bin/python3
"""Scores predicted alpha mattes against ground truth (bgone quality benchmark, bench/quality).

Usage: score.py alphamatting GT_ALPHA_DIR PRED_DIR [--csv FILE]
       score.py people GT_MASK_DIR PRED_DIR [--csv FILE]

PRED_DIR holds one 8-bit grayscale PNG per ground-truth file, named NAME.png or NAME.nobg.png.
Metrics, all over the whole image, alpha in [0, 1]:
  SAD   sum |a - gt| / 1000
  MSE   mean (a - gt)^2 over all pixels
  Grad  sum (|grad G(a)| - |grad G(gt)|)^2 / 1000, G = first-order Gaussian derivative
        filters with sigma 1.4 (Rhemann et al. 2009, as in the common evaluation code)
  Conn  connectivity error (Rhemann et al. 2009): threshold step 0.1, theta 0.15,
        largest 4-connected component of (a >= t) & (gt >= t), sum |phi(a) - phi(gt)| / 1000
  IoU   of a > 0.5 against gt > 0.5 (people; the mask is resized to the image, nearest)
Prints one line per image and the mean and median.
"""
import os
import sys

import cv2
import numpy as np


def read_gray(path):
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if img is None:
        raise SystemExit(f"cannot read {path}")
    if img.ndim == 3:
        img = img[:, :, 0] if img.shape[2] in (3, 4) else img[:, :, 0]
    return img.astype(np.float64) / (65535.0 if img.dtype == np.uint16 else 255.0)


def gauss_grad_kernels(sigma=1.4):
    # Gaussian and its derivative sampled on [-ceil(3 sigma) .. ceil(3 sigma)], the derivative
    # normalised so that the sum of |dG| over the positive half... as in the standard code:
    # kernel = G(x) * dG(y), normalised by sqrt(sum kernel^2).
    half = int(np.ceil(sigma * np.sqrt(-2 * np.log(np.sqrt(2 * np.pi) * sigma * 1e-2))))
    size = 2 * half + 1
    xs = np.arange(size) - half
    g = np.exp(-xs ** 2 / (2 * sigma ** 2)) / (sigma * np.sqrt(2 * np.pi))
    dg = -xs * g / sigma ** 2
    kx = np.outer(g, dg)  # d/dx
    kx /= np.sqrt(np.sum(np.abs(kx) * np.abs(kx)))
    return kx, kx.T


KX, KY = gauss_grad_kernels()


def grad_mag(a):
    gx = cv2.filter2D(a, cv2.CV_64F, KX, borderType=cv2.BORDER_REPLICATE)
    gy = cv2.filter2D(a, cv2.CV_64F, KY, borderType=cv2.BORDER_REPLICATE)
    return np.sqrt(gx * gx + gy * gy)


def gradient_error(a, gt):
    return float(np.sum((grad_mag(a) - grad_mag(gt)) ** 2) / 1000.0)


def largest_component(binary):
    n, labels, stats, _ = cv2.connectedComponentsWithStats(binary.astype(np.uint8), connectivity=4)
    if n <= 1:
        return np.zeros_like(binary, dtype=bool)
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return labels == best


def connectivity_error(a, gt, step=0.1, theta=0.15):
    steps = np.arange(0, 1 + step, step)
    l_map = np.full(a.shape, -1.0)
    for i in range(1, len(steps)):
        omega = largest_component((a >= steps[i]) & (gt >= steps[i]))
        flag = (l_map == -1) & (~omega)
        l_map[flag] = steps[i - 1]
    l_map[l_map == -1] = 1
    da = a - l_map
    dg = gt - l_map
    phi_a = 1 - da * (da >= theta)
    phi_g = 1 - dg * (dg >= theta)
    return float(np.sum(np.abs(phi_a - phi_g)) / 1000.0)


def find_pred(pred_dir, stem):
    for name in (stem + ".png", stem + ".nobg.png"):
        p = os.path.join(pred_dir, name)
        if os.path.exists(p):
            return p
    return None


def main():
    args = sys.argv[1:]
    csv = None
    if "--csv" in args:
        i = args.index("--csv")
        csv = args[i + 1]
        del args[i:i + 2]
    if len(args) != 3 or args[0] not in ("alphamatting", "people"):
        raise SystemExit(__doc__)
    kind, gt_dir, pred_dir = args
    rows = []
    names = sorted(f for f in os.listdir(gt_dir) if f.endswith(".png"))
    names.sort(key=lambda f: (len(f), f))
    for f in names:
        stem = f[:-4]
        p = find_pred(pred_dir, stem)
        if p is None:
            raise SystemExit(f"no prediction for {stem} in {pred_dir}")
        a = read_gray(p)
        gt = read_gray(os.path.join(gt_dir, f))
        if kind == "people":
            if gt.shape != a.shape:
                gt = cv2.resize(gt, (a.shape[1], a.shape[0]), interpolation=cv2.INTER_NEAREST)
            pa, pg = a > 0.5, gt > 0.5
            union = np.sum(pa | pg)
            iou = 1.0 if union == 0 else float(np.sum(pa & pg) / union)
            rows.append((stem, iou))
        else:
            if gt.shape != a.shape:
                raise SystemExit(f"{stem}: prediction {a.shape} vs ground truth {gt.shape}")
            d = a - gt
            rows.append((stem, float(np.sum(np.abs(d)) / 1000.0), float(np.mean(d * d)),
                         gradient_error(a, gt), connectivity_error(a, gt)))
    header = ("image", "IoU") if kind == "people" else ("image", "SAD", "MSE", "Grad", "Conn")
    out = [",".join(header)]
    for r in rows:
        out.append(",".join([r[0]] + [f"{v:.5f}" for v in r[1:]]))
    cols = np.array([r[1:] for r in rows])
    out.append(",".join(["mean"] + [f"{v:.5f}" for v in cols.mean(axis=0)]))
    out.append(",".join(["median"] + [f"{v:.5f}" for v in np.median(cols, axis=0)]))
    text = "\n".join(out) + "\n"
    if csv:
        with open(csv, "w") as fh:
            fh.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
