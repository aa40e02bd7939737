"""Static SVG charts, drawn in Python so that a report needs no script and no network.

Each function returns one ``<svg>`` element as text, with a ``<title>`` for accessibility and a
``data-chart`` attribute naming the chart (the report test looks for it).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

BAR_COLOUR = "#3b6ea5"
NEGATIVE_COLOUR = "#c0504d"
FONT = "font-family:system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif;font-size:12px"


def _fmt(value: float) -> str:
    if abs(value) >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.2f}"


def horizontal_bars(name: str, title: str, items: Sequence[tuple[str, float]], width: int = 640,
                    value_format: str = "{:,.0f}", label_width: int = 220) -> str:
    """One horizontal bar per (label, value); negative values extend left of the zero line."""
    row, pad = 22, 8
    height = pad * 2 + row * max(len(items), 1) + 20
    values = [v for _, v in items] or [0.0]
    low, high = min(0.0, *values), max(0.0, *values)
    span = (high - low) or 1.0
    plot = width - label_width - 70
    zero = label_width + plot * (-low / span)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" data-chart="{escape(name)}" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" style="{FONT}" role="img">',
             f"<title>{escape(title)}</title>"]
    if not items:
        parts.append(f'<text x="{pad}" y="{pad + 14}">(nothing to show)</text>')
    for index, (label, value) in enumerate(items):
        y = pad + index * row
        x0 = zero if value >= 0 else zero - plot * (-value / span)
        bar = plot * abs(value) / span
        colour = BAR_COLOUR if value >= 0 else NEGATIVE_COLOUR
        parts.append(f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect class="bar" x="{x0:.1f}" y="{y + 3}" width="{max(bar, 0.5):.1f}" height="{row - 6}" '
                     f'fill="{colour}"><title>{escape(label)}: {escape(value_format.format(value))}</title></rect>')
        # A negative value is written right of the zero line, clear of the labels on the left.
        parts.append(f'<text x="{x0 + bar + 4 if value >= 0 else zero + 4:.1f}" y="{y + 15}" '
                     f'text-anchor="start">{escape(value_format.format(value))}</text>')
    parts.append(f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="{pad}" y2="{height - 20}" stroke="#555"/>')
    parts.append("</svg>")
    return "".join(parts)


def histogram(name: str, title: str, counts: Sequence[tuple[str, int]], width: int = 640,
              height: int = 240, x_label: str = "", y_label: str = "") -> str:
    """Vertical bars for (bucket label, count) pairs, e.g. a cluster-size histogram."""
    left, bottom, top = 50, 40, 24
    plot_w, plot_h = width - left - 10, height - bottom - top
    high = max((c for _, c in counts), default=0) or 1
    slot = plot_w / max(len(counts), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" data-chart="{escape(name)}" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" style="{FONT}" role="img">',
             f"<title>{escape(title)}</title>",
             f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="#555"/>',
             f'<line x1="{left}" x2="{width - 10}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#555"/>',
             f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{_fmt(high)}</text>',
             f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end">0</text>']
    for index, (label, count) in enumerate(counts):
        bar = plot_h * count / high
        x = left + index * slot + slot * 0.1
        parts.append(f'<rect class="bar" x="{x:.1f}" y="{top + plot_h - bar:.1f}" width="{slot * 0.8:.1f}" '
                     f'height="{max(bar, 0.5):.1f}" fill="{BAR_COLOUR}"><title>{escape(label)}: {count:,}'
                     "</title></rect>")
        parts.append(f'<text x="{x + slot * 0.4:.1f}" y="{top + plot_h + 14}" text-anchor="middle">'
                     f"{escape(label)}</text>")
        parts.append(f'<text x="{x + slot * 0.4:.1f}" y="{top + plot_h - bar - 3:.1f}" text-anchor="middle">'
                     f"{count:,}</text>")
    if x_label:
        parts.append(f'<text x="{left + plot_w / 2}" y="{height - 6}" text-anchor="middle">{escape(x_label)}</text>')
    if y_label:
        parts.append(f'<text x="12" y="{top + plot_h / 2}" transform="rotate(-90 12 {top + plot_h / 2})" '
                     f'text-anchor="middle">{escape(y_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


LINK_COLOURS = {"link": BAR_COLOUR, "review": "#999999", "must_link": "#2e7d32", "cannot_link": NEGATIVE_COLOUR}


def network(name: str, title: str, nodes: Sequence[str], edges: Sequence[tuple[int, int, str, str]],
            size: int = 480) -> str:
    """Nodes on a circle, joined by edges ``(node a, node b, kind, label)``; ``kind`` picks the
    colour (LINK_COLOURS: link, review, must_link, cannot_link); review and cannot-link edges
    are dashed. For a cluster view: a golden record's source records and what joins them."""
    import math

    width = size + 280  # room for the labels of the nodes left and right of the circle
    centre, middle, radius = width / 2, size / 2, size / 2 - 60
    points = [(centre + radius * math.cos(2 * math.pi * i / max(len(nodes), 1) - math.pi / 2),
               middle + radius * math.sin(2 * math.pi * i / max(len(nodes), 1) - math.pi / 2))
              for i in range(len(nodes))]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" data-chart="{escape(name)}" width="{width}" '
             f'height="{size}" viewBox="0 0 {width} {size}" style="{FONT}" role="img">',
             f"<title>{escape(title)}</title>"]
    for a, b, kind, label in edges:
        (x1, y1), (x2, y2) = points[a], points[b]
        dash = ' stroke-dasharray="5 4"' if kind in ("review", "cannot_link") else ""
        parts.append(f'<line class="edge {escape(kind)}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                     f'stroke="{LINK_COLOURS.get(kind, "#555")}" stroke-width="2"{dash}>'
                     f"<title>{escape(label)}</title></line>")
        if label:
            parts.append(f'<text x="{(x1 + x2) / 2:.1f}" y="{(y1 + y2) / 2 - 3:.1f}" text-anchor="middle" '
                         f'fill="#333">{escape(label)}</text>')
    for (x, y), label in zip(points, nodes, strict=True):
        parts.append(f'<circle class="node" cx="{x:.1f}" cy="{y:.1f}" r="7" fill="{BAR_COLOUR}"/>')
        anchor = "start" if x > centre + 1 else "end" if x < centre - 1 else "middle"
        dx = 10 if anchor == "start" else -10 if anchor == "end" else 0
        dy = -10 if y < middle and anchor == "middle" else 18 if anchor == "middle" else 4
        parts.append(f'<text x="{x + dx:.1f}" y="{y + dy:.1f}" text-anchor="{anchor}">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
