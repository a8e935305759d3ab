"""The benchmark's results as a table, and the plot of p99 against knowledge size."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def benchmark_table(results: dict[str, Any]) -> str:
    """A plain-text table of everything ``run_benchmark`` measured."""
    lines = [
        f"question mix: {results['questions']} questions",
        "",
        f"{'knowledge':>10} {'entries':>8} {'load s':>7} {'reload s':>8} {'RSS MB':>7} "
        f"{'median ms':>9} {'p99 ms':>7} {'q/s':>8} {'p99 reload':>10} "
        f"{'naive x':>8} {'bm25 x':>7} {'naive p99':>9} {'bm25 p99':>9}",
    ]
    for name, row in results["sizes"].items():
        ours, reload = row["ours"], row["reload"]
        lines.append(
            f"{name:>10} {row['entries']:>8} {row['load_s']:>7.2f} {reload['reload_s']:>8.2f} "
            f"{row['peak_rss_mb']:>7.0f} {ours['median_ms']:>9.3f} {ours['p99_ms']:>7.3f} "
            f"{ours['qps']:>8.0f} {reload['p99_ms_during_reload']:>10.3f} "
            f"{row['naive_ratio_median']:>8.0f} {row['bm25_ratio_median']:>7.0f} "
            f"{row['naive']['p99_ms']:>9.2f} {row['bm25']['p99_ms']:>9.2f}"
        )
    lines += [
        "",
        "naive x / bm25 x: the baseline's median time per question divided by ours, on the same "
        "questions (the first "
        + ", ".join(
            f"{row['baseline_questions']} at {name}" for name, row in results["sizes"].items()
        )
        + ")",
        f"start of `python -m bot ask` to its answer: {results['start_to_first_answer_s']:.2f} s",
        "each distinct question the first time it is asked, right after loading (median / p99 "
        "ms): "
        + ", ".join(
            f"{name} {row['first_seen']['median_ms']:.3f} / {row['first_seen']['p99_ms']:.3f}"
            for name, row in results["sizes"].items()
            if "first_seen" in row
        ),
    ]
    telegram = results.get("telegram")
    if telegram:
        lines.append(
            f"Telegram layer: {telegram['updates_per_s']:.0f} updates/s through "
            f"Application.process_update ({telegram['ms_per_update']:.3f} ms an update, of which "
            f"{telegram['overhead_ms_per_update']:.3f} ms over the core)"
        )
    return "\n".join(lines)


def plot_p99(results: dict[str, Any], path: Path) -> None:
    """p99 per question against knowledge size, log-log, for ours and both baselines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted(results["sizes"].values(), key=lambda row: row["entries"])
    sizes = [row["entries"] for row in rows]
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for key, label in (("ours", "ours"), ("naive", "naive rapidfuzz scan"), ("bm25", "BM25")):
        axes.plot(sizes, [row[key]["p99_ms"] for row in rows], marker="o", label=label)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("entries in the knowledge base")
    axes.set_ylabel("p99 per question (ms)")
    axes.set_title("Per-question p99 against knowledge size")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
