"""The comparison's results: one row per workload (and mailbox size), printed and saved.

Saved under bench/results/ as ``compare-<UTC stamp>.json`` (machine facts, settings, every
row with the raw per-side details), ``.md`` (the table) and ``.png`` (latency against mailbox
size, ours solid and theirs dashed, log scales).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

OURS = "mailstore"
THEIRS = "Postfix+Dovecot"


@dataclass
class Row:
    """One measured quantity on both sides; ``None`` where a side was not measured."""

    workload: str
    unit: str
    lower_is_better: bool
    size: int | None = None
    ours: float | None = None
    theirs: float | None = None
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """ours ÷ theirs."""
        if self.ours is None or self.theirs is None or self.theirs == 0:
            return None
        return self.ours / self.theirs

    @property
    def better(self) -> str:
        """Who wins and by what factor, e.g. ``ours 3.2x``."""
        if self.ours is None or self.theirs is None or min(self.ours, self.theirs) <= 0:
            return ""
        factor = self.theirs / self.ours if self.lower_is_better else self.ours / self.theirs
        if factor >= 1:
            return f"ours {factor:.1f}x"
        return f"theirs {1 / factor:.1f}x"


def _num(value: float | None) -> str:
    if value is None:
        return "n/a"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def table(rows: list[Row]) -> list[list[str]]:
    header = ["workload", "mailbox", "unit", OURS, THEIRS, "ours/theirs", "better", "note"]
    body = [
        [
            r.workload,
            f"{r.size:,}" if r.size else "",
            r.unit,
            _num(r.ours),
            _num(r.theirs),
            "" if r.ratio is None else f"{r.ratio:.2f}",
            r.better,
            r.note,
        ]
        for r in rows
    ]
    return [header, *body]


def text_table(rows: list[Row]) -> str:
    cells = table(rows)
    widths = [max(len(c[i]) for c in cells) for i in range(len(cells[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def markdown_table(rows: list[Row]) -> str:
    cells = table(rows)
    out = ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * len(cells[0])]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells[1:]]
    return "\n".join(out)


def plot(rows: list[Row], path: Path) -> bool:
    """Latency (ms) against mailbox size, one colour per workload; False if nothing to plot
    or matplotlib is missing (it comes with the ``bench`` extra, not with ``test``)."""
    try:
        import matplotlib
    except ImportError:
        print("plot skipped: matplotlib is not installed (pip install -e '.[bench]')")
        return False

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series: dict[str, list[Row]] = {}
    for r in rows:
        if r.size and r.unit == "ms":
            series.setdefault(r.workload, []).append(r)
    if not series:
        return False
    fig, ax = plt.subplots(figsize=(11, 7))
    colours = plt.get_cmap("tab20")
    for i, (name, points) in enumerate(sorted(series.items())):
        points.sort(key=lambda r: r.size or 0)
        colour = colours(i % 20)
        for side, style in (("ours", "-"), ("theirs", "--")):
            xy = [(r.size or 0, float(getattr(r, side))) for r in points if getattr(r, side)]
            if xy:
                ax.plot(
                    [x for x, _ in xy],
                    [y for _, y in xy],
                    style,
                    marker="o",
                    color=colour,
                    label=name if side == "ours" else None,
                )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("messages in the mailbox")
    ax.set_ylabel("median latency (ms)")
    ax.set_title(f"IMAP latency: {OURS} (solid) vs {THEIRS} (dashed)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def save(
    rows: list[Row], machine: dict[str, Any], settings: dict[str, Any], folder: Path, stamp: str
) -> list[Path]:
    """Write the JSON, Markdown and PNG files; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    base = folder / f"compare-{stamp}"
    data = {
        "machine": machine,
        "settings": settings,
        "rows": [asdict(r) | {"ratio": r.ratio, "better": r.better} for r in rows],
    }
    paths = [base.with_suffix(".json"), base.with_suffix(".md")]
    paths[0].write_text(json.dumps(data, indent=1, default=str) + "\n")
    facts = ", ".join(f"{k}: {v}" for k, v in machine.items())
    paths[1].write_text(
        f"# mailstore vs Postfix + Dovecot ({machine.get('date', '')})\n\n"
        f"Machine: {facts}\n\nSettings: {json.dumps(settings, default=str)}\n\n{markdown_table(rows)}\n"
    )
    png = base.with_suffix(".png")
    if plot(rows, png):
        paths.append(png)
    return paths
