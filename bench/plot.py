"""Latency against database size as a small standalone SVG (no plotting library needed): one line per
operation, p50 solid and p99 dashed, sizes on a log scale."""

from __future__ import annotations

import math
from html import escape
from typing import Any

WIDTH, HEIGHT = 640, 360
LEFT, RIGHT, TOP, BOTTOM = 60, 150, 40, 50
COLOURS = {"show": "#1f77b4", "action": "#d62728", "search": "#2ca02c"}


def latency_plot(figures: dict[str, Any], title: str = "Latency against database size (one tenant)") -> str:
    sizes: list[int] = figures["sizes"]
    ops: dict[str, dict[str, Any]] = figures["ops"]
    top_ms = max(at[str(s)]["p99"] for at in ops.values() for s in sizes)
    y_max = _nice(top_ms)
    lo, hi = math.log10(min(sizes)), math.log10(max(sizes))

    def x(size: int) -> float:
        return LEFT + (math.log10(size) - lo) / ((hi - lo) or 1) * (WIDTH - LEFT - RIGHT)

    def y(ms: float) -> float:
        return HEIGHT - BOTTOM - ms / y_max * (HEIGHT - TOP - BOTTOM)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif"'
        ' font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{WIDTH / 2}" y="22" text-anchor="middle" font-size="14">{escape(title)}</text>',
    ]
    for i in range(6):
        ms = y_max * i / 5
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(ms):.1f}" y2="{y(ms):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y(ms) + 4:.1f}" text-anchor="end">{ms:g}</text>')
    for size in sizes:
        out.append(f'<text x="{x(size):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle">{size:,}</text>')
    out.append(
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 12}" text-anchor="middle">'
        "records and contacts in the tenant (log scale)</text>"
    )
    out.append(
        f'<text transform="translate(16 {(TOP + HEIGHT - BOTTOM) / 2}) rotate(-90)" text-anchor="middle">ms</text>'
    )
    for row, (op, at) in enumerate(ops.items()):
        colour = COLOURS.get(op, "#555")
        for kind, dash in (("p50", ""), ("p99", ' stroke-dasharray="5 4"')):
            points = " ".join(f"{x(s):.1f},{y(at[str(s)][kind]):.1f}" for s in sizes)
            out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        legend_y = TOP + 10 + row * 36
        out.append(
            f'<line x1="{WIDTH - RIGHT + 12}" x2="{WIDTH - RIGHT + 36}" y1="{legend_y}" y2="{legend_y}"'
            f' stroke="{colour}" stroke-width="2"/>'
        )
        out.append(f'<text x="{WIDTH - RIGHT + 42}" y="{legend_y + 4}">{escape(op)} p50</text>')
        out.append(
            f'<line x1="{WIDTH - RIGHT + 12}" x2="{WIDTH - RIGHT + 36}" y1="{legend_y + 16}" y2="{legend_y + 16}"'
            f' stroke="{colour}" stroke-width="2" stroke-dasharray="5 4"/>'
        )
        out.append(f'<text x="{WIDTH - RIGHT + 42}" y="{legend_y + 20}">{escape(op)} p99</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _nice(value: float) -> float:
    """The smallest 1, 2 or 5 x 10^n at or above `value`."""
    step = 10 ** math.floor(math.log10(value or 1))
    return next(m * step for m in (1, 2, 5, 10) if m * step >= value)
