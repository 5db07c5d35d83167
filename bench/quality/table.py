#!/usr/bin/python3
"""Markdown tables from the CSV files bench/quality/run.sh writes (MODEL-SET-STAGE.csv)."""
import csv
import os
import sys

STAGES = ["baseline", "guided", "likelihood", "likelihood+local", "untrusted", "full"]
LABELS = {
    "baseline": "model mask, bilinear upscale (IMG.LY pipeline)",
    "guided": "guided filter only",
    "likelihood": "1: colour likelihood",
    "likelihood+local": "1+2: + local colour model",
    "untrusted": "1+2+3: + guided filter (trust_model = false; the default for small)",
    "full": "1+2+3 + model trust (the default for medium)",
}


def load(path):
    with open(path) as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    return header, {r[0]: [float(v) for v in r[1:]] for r in body}


def main():
    d = sys.argv[1]
    files = {}
    for f in os.listdir(d):
        if f.endswith(".csv"):
            model, rest = f[:-4].split("-", 1)
            s, stage = rest.split("-", 1)
            files[(model, s, stage)] = os.path.join(d, f)
    # The CLI's two models first, then variants from the model cache (w8, ...) by name.
    named = [m for m in ("medium", "small") if any(k[0] == m for k in files)]
    models = named + sorted({k[0] for k in files} - set(named))
    out = []
    for s in ("alphamatting", "people"):
        present = [(m, st) for m in models for st in STAGES if (m, s, st) in files]
        if not present:
            continue
        header, _ = load(files[(present[0][0], s, present[0][1])])
        metrics = header[1:]
        out.append(f"### {s}\n")
        cols = " | ".join(f"{m} mean | {m} median" for m in metrics)
        out.append(f"| model | stage | {cols} |")
        out.append("| --- | --- |" + " ---: |" * (2 * len(metrics)))
        for m, st in present:
            _, rows = load(files[(m, s, st)])
            cells = []
            for i, metric in enumerate(metrics):
                fmt = "{:.4f}" if metric in ("MSE", "IoU") else "{:.2f}"
                cells += [fmt.format(rows["mean"][i]), fmt.format(rows["median"][i])]
            out.append(f"| {m} | {LABELS[st]} | " + " | ".join(cells) + " |")
        out.append("")
        if s == "alphamatting":
            # Per image: each model's default (the CLI, C API and web library refine a
            # dynamically quantized model's masks without model trust), and the small model
            # with trust for comparison.
            for m, st in [(m, "untrusted" if m == "small" else "full") for m in named] + [("small", "full")]:
                if (m, s, "baseline") not in files or (m, s, st) not in files:
                    continue
                _, base = load(files[(m, s, "baseline")])
                _, full = load(files[(m, s, st)])
                default = "untrusted" if m == "small" else "full"
                what = ("default refinement" + (" (trust_model = false)" if st == "untrusted" else "")
                        if st == default else "refinement with model trust (not its default)")
                out.append(f"Per image, {m} model (baseline -> {what}; change):\n")
                out.append("| image | SAD | MSE | Grad | Conn |")
                out.append("| --- | ---: | ---: | ---: | ---: |")
                worst = [0.0] * 4
                for name in base:
                    if name in ("mean", "median"):
                        continue
                    cells = []
                    for i in range(4):
                        b, f = base[name][i], full[name][i]
                        change = (f - b) / b * 100 if b else 0.0
                        worst[i] = max(worst[i], change)
                        fmt = "{:.4f}" if i == 1 else "{:.2f}"
                        cells.append(f"{fmt.format(b)} -> {fmt.format(f)} ({change:+.0f}%)")
                    out.append(f"| {name} | " + " | ".join(cells) + " |")
                out.append("| worst change | " + " | ".join(f"{w:+.1f}%" for w in worst) + " |")
                out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
