"""Charts of summary tables: PNG (matplotlib) and a self-contained interactive HTML page (SVG).

A table says how to chart it (``Table.chart``: the x column, an optional series column stacked
in each bar, and the value column, or None to count rows). Chinese names need a CJK font:
WenQuanYi Zen Hei (Debian's fonts-wqy-zenhei) or Noto Sans CJK when installed; otherwise the
default font draws them as boxes.
"""

from __future__ import annotations

import io
from collections import defaultdict
from html import escape

from kg.errors import InputError

PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#bab0ac"]
CJK_FONTS = ("WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC")
MAX_SERIES = 9  # more series are folded into "other"


def chart_data(table) -> tuple[list[str], dict[str, list[float]]]:
    """Aggregate a table into x categories and one list of values per series."""
    spec = getattr(table, "chart", None) or {}
    if not spec or spec.get("x") not in table.variables:
        raise InputError(f"the table {getattr(table, 'name', '')!r} has no chart; chart a summary table")
    xi = table.variables.index(spec["x"])
    si = table.variables.index(spec["series"]) if spec.get("series") else None
    vi = table.variables.index(spec["value"]) if spec.get("value") else None
    sums: dict[tuple, float] = defaultdict(float)
    totals: dict[str, float] = defaultdict(float)
    for row in table.rows:
        value = float(row[vi] or 0) if vi is not None else 1.0
        series = str(row[si]) if si is not None else spec.get("value") or "count"
        sums[(str(row[xi]), series)] += value
        totals[series] += value
    keep = sorted(totals, key=lambda s: (-totals[s], s))[:MAX_SERIES]
    xs = list(dict.fromkeys(str(row[xi]) for row in table.rows))
    series: dict[str, list[float]] = {s: [0.0] * len(xs) for s in keep}
    for (x, s), v in sums.items():
        target = s if s in series else "other"
        series.setdefault(target, [0.0] * len(xs))[xs.index(x)] += v
    return xs, series


def _cjk_font():
    from matplotlib import font_manager

    for family in CJK_FONTS:
        try:
            font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
            return family
        except ValueError:
            continue
    return None


def summary_chart(table, fmt: str = "png", *, title: str | None = None) -> bytes:
    """Draw a summary table as a stacked bar chart: ``png`` bytes or a standalone ``html`` page."""
    xs, series = chart_data(table)
    title = title or getattr(table, "name", "") or "summary"
    value = (getattr(table, "chart", {}) or {}).get("value") or "count"
    if fmt == "png":
        return _png(xs, series, title, value)
    if fmt == "html":
        return _html(xs, series, title, value).encode("utf-8")
    raise InputError(f"unknown chart format {fmt!r}; use png or html")


def _png(xs, series, title, value) -> bytes:
    import logging

    import matplotlib

    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)  # "weight normal ... using 500"

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    font = _cjk_font()
    rc = {"font.family": [font, "DejaVu Sans"]} if font else {}
    with plt.rc_context(rc):
        fig, ax = plt.subplots(figsize=(max(6, 0.45 * len(xs) + 3), 4.8), dpi=100)
        bottom = [0.0] * len(xs)
        for i, (name, values) in enumerate(series.items()):
            ax.bar(range(len(xs)), values, bottom=bottom, label=name, color=PALETTE[i % len(PALETTE)])
            bottom = [b + v for b, v in zip(bottom, values)]
        ax.set_xticks(range(len(xs)), [x[:28] for x in xs], rotation=60, ha="right", fontsize=8)
        ax.set_ylabel(value)
        ax.set_title(title)
        if len(series) > 1:
            ax.legend(fontsize=7, frameon=False)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": "aigc-kg"})
        plt.close(fig)
    return buf.getvalue()


def _html(xs, series, title, value) -> str:
    width, height, left, bottom_pad = max(640, 40 * len(xs) + 120), 420, 70, 130
    top = max([sum(v[i] for v in series.values()) for i in range(len(xs))] or [1]) or 1
    plot_h = height - bottom_pad - 20
    bar_w = (width - left - 20) / max(1, len(xs))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">']
    for i, x in enumerate(xs):
        y = 20 + plot_h
        for j, (name, values) in enumerate(series.items()):
            h = plot_h * values[i] / top
            if h <= 0:
                continue
            y -= h
            parts.append(f'<rect x="{left + i * bar_w + 2:.1f}" y="{y:.1f}" width="{bar_w - 4:.1f}" height="{h:.1f}" '
                         f'fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(x)} · {escape(name)}: {values[i]:,.10g}</title></rect>')
        cx = left + (i + 0.5) * bar_w
        parts.append(f'<text x="{cx:.1f}" y="{height - bottom_pad + 34}" transform="rotate(-60 {cx:.1f} '
                     f'{height - bottom_pad + 34})" text-anchor="end">{escape(x[:28])}</text>')
    parts.append(f'<line x1="{left}" y1="{20 + plot_h}" x2="{width - 10}" y2="{20 + plot_h}" stroke="#333"/>')
    parts.append(f'<text x="{left - 6}" y="24" text-anchor="end">{top:,.10g}</text>'
                 f'<text x="{left - 6}" y="{20 + plot_h}" text-anchor="end">0</text>')
    parts.append("</svg>")
    legend = "".join(f'<span style="margin-right:1em"><span style="display:inline-block;width:10px;height:10px;'
                     f'background:{PALETTE[j % len(PALETTE)]}"></span> {escape(name)}</span>'
                     for j, name in enumerate(series))
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
            f'<body style="font-family:sans-serif"><h3>{escape(title)}</h3><p>{escape(value)} (hover a bar for its value)</p>'
            f'<div>{legend}</div>{"".join(parts)}</body></html>\n')
