"""The run report as one self-contained HTML file: inline CSS, static SVG charts, no script, no
font, image or style fetched from anywhere (a Content-Security-Policy says so to the browser,
too). Every value from the database is escaped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from .. import __version__
from ..domains import load_domain
from . import svg
from .data import ReportData

CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif; margin: 0; color: #222;
       background: #f6f7f9; }
main { max-width: 1100px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 24px; margin: 8px 0 4px; } h2 { font-size: 19px; margin: 28px 0 8px; border-bottom: 1px solid #ccd;
     padding-bottom: 4px; } h3 { font-size: 15px; margin: 18px 0 6px; }
.meta { color: #555; margin: 0 0 12px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; }
.card { background: #fff; border: 1px solid #dde; border-radius: 6px; padding: 8px 14px; min-width: 120px; }
.card b { display: block; font-size: 22px; } .card span { color: #555; font-size: 12px; }
table { border-collapse: collapse; background: #fff; margin: 6px 0 12px; font-size: 13px; }
th, td { border: 1px solid #dde; padding: 3px 8px; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
figure { margin: 0; background: #fff; border: 1px solid #dde; border-radius: 6px; padding: 6px; }
figcaption { font-size: 12px; color: #555; margin: 2px 4px 4px; }
.empty { color: #777; font-style: italic; }
footer { color: #777; font-size: 12px; margin-top: 32px; }
"""
# The browser is told to fetch nothing: no script, no remote style, font or image.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
SVG_NAMESPACE = ' xmlns="http://www.w3.org/2000/svg"'


def _inline(chart: str) -> str:
    """An SVG element for inline use in HTML, where the parser supplies the SVG namespace: no
    address of any kind is left in the report."""
    return chart.replace(SVG_NAMESPACE, "", 1)


def _figure(chart: str, caption: str) -> str:
    return f"<figure>{_inline(chart)}<figcaption>{escape(caption)}</figcaption></figure>"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M:%S %Z}".strip()
    if isinstance(value, float):
        return f"{value:,.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]], numeric: Sequence[int] = ()) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td{" class=n" if i in numeric else ""}>{escape(_text(v))}</td>' for i, v in enumerate(row))
        + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>" if body else \
        '<p class="empty">(none)</p>'


def _card(value: Any, label: str) -> str:
    return f"<div class=card><b>{escape(_text(value))}</b><span>{escape(label)}</span></div>"


def render(data: ReportData, generated_at: dt.datetime | None = None) -> str:
    """The report as HTML text."""
    run, stats = data.run, data.run.get("stats") or {}
    domain = run["domain"]
    schema = load_domain(domain)
    release = data.release
    title = f"Run {run['run_id']} · {domain} {schema.label}"
    parts = [
        "<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>chutian-mdm · {escape(title)}</title><style>{CSS}</style></head><body><main>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">{escape(run["mode"])} run, {escape(run["status"])}; '
        f'started {escape(_text(run["started_at"]))} '
        f'by {escape(run["started_by"])}; '
        + (f'model v{escape(_text(run["model_version"]))}' if run.get("model_version") is not None
           else "matched by key, no model" if data.key else "no model")
        + (f"; published release {release['release']}" if release else "; no release published")
        + (f"; previous run {data.previous_run_id}" if data.previous_run_id else "; first run of the domain")
        + (f"; error: {escape(run['error'])}" if run.get("error") else "") + "</p>",
        '<div class="cards">',
        _card(sum(b["rows_in"] for b in data.batches), "rows ingested"),
        _card(sum(b["quarantined"] for b in data.batches), "rows quarantined"),
        _card(stats.get("records"), "current records"),
        _card(stats.get("compared_records"), "records compared"),
        _card(stats.get("candidate_pairs"), "comparisons (candidate pairs)"),
        _card(stats.get("matches"), "matches (links)"),
        _card(stats.get("clusters"), "clusters"),
        _card(data.review_open.get("open", 0), "open review pairs (now)"),
        _card(release["golden_records"] if release else None, "golden records"),
        "</div>",
    ]
    parts += _ingest(data)
    parts += _matching(data, stats)
    parts += _review(data)
    parts += _release(data)
    parts += _steward(data)
    parts += _model(data)
    if data.cluster is not None:
        parts += _cluster(data)
    stamp = (generated_at or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    parts.append(f"<footer>chutian-mdm {escape(__version__)} · generated {stamp} · run {run['run_id']}</footer>")
    parts.append("</main></body></html>")
    return "\n".join(parts)


def _ingest(data: ReportData) -> list[str]:
    scope = "all batches of the domain" if data.all_batches or data.previous_run_id is None else \
        f"batches since run {data.previous_run_id}"
    rows = [(b["batch_id"], b["source"], b["file_name"], b["rows_in"], b["accepted"], b["quarantined"],
             b["rows_with_warnings"], b["superseded"]) for b in data.batches]
    return [
        f"<h2>Ingest ({escape(scope)})</h2>",
        _table(["batch", "source", "file", "rows in", "accepted", "quarantined", "with warnings", "superseded"], rows,
               numeric=(3, 4, 5, 6, 7)),
        '<div class="charts">',
        _figure(svg.horizontal_bars("quarantine-reasons", "Quarantined rows by reason", data.quarantine_reasons),
                "Why rows were quarantined: the error rules (a row may break several)"),
        "</div>",
    ]


def _matching(data: ReportData, stats: dict[str, Any]) -> list[str]:
    labels = [("records", "current records"), ("compared_records", "new or changed records compared"),
              ("candidate_pairs", "candidate pairs (comparisons)"),
              ("new_edges", "pairs at or above the review threshold"),
              ("matches", "matches (links)"), ("clusters", "clusters"),
              ("multi_record_clusters", "clusters of 2+ records"), ("review_pairs", "review pairs queued"),
              ("refused_by_cannot_link", "unions refused by a cannot-link"),
              ("refused_by_exclusive_key", "unions refused by an exclusive key"),
              ("conflicting_must_links", "must-links overruled by a cannot-link")]
    seconds = [(name, float(value)) for name, value in (stats.get("seconds") or {}).items()]
    out = [
        "<h2>Matching</h2>",
        f'<p class="meta">This run had nothing to do: {escape(stats["reason"])}.</p>' if stats.get("reason") else "",
        '<p class="meta">' + (f'matched by key ({escape(", ".join(data.key))}), without a model' if data.key else
                              f'match threshold {data.thresholds.get("match")}, review threshold '
                              f'{data.thresholds.get("review")}')
        + (f"; matched everything: {escape(stats['full_reason'])}" if stats.get("full_reason") else "") + "</p>",
        _table(["", "count"], [(label, stats.get(key)) for key, label in labels if key in stats], numeric=(1,)),
        '<div class="charts">',
        _figure(svg.histogram("cluster-sizes", "Clusters by size", data.cluster_sizes, x_label="records per cluster",
                              y_label="clusters"), "Cluster-size histogram"),
    ]
    if seconds:
        out.append(_figure(svg.horizontal_bars("stage-seconds", "Seconds per stage", seconds, value_format="{:.2f} s"),
                           "Time per stage"))
    out.append("</div>")
    return out


def _review(data: ReportData) -> list[str]:
    return [
        "<h2>Review queue</h2>",
        '<div class="charts">',
        _figure(svg.horizontal_bars("review-queued", "Pairs this run queued, by probability",
                                    data.review_queued_by_run), "Pairs queued by this run, by match probability"),
        _figure(svg.horizontal_bars("review-status", "Review queue of the domain by status",
                                    list(data.review_open.items())), "The whole queue now, by status"),
        "</div>",
    ]


def _release(data: ReportData) -> list[str]:
    release = data.release
    if release is None:
        return ["<h2>Release</h2>", '<p class="empty">This run published no release (nothing changed).</p>']
    kinds = ("created", "updated", "merged", "split", "retired")
    return [
        f"<h2>Release {release['release']}</h2>",
        f'<p class="meta">published {escape(_text(release["published_at"]))} by {escape(release["published_by"])}: '
        f'{release["golden_records"]:,} golden records from {release["source_records"]:,} source records, '
        f'{release["xref_changes"]:,} cross-reference changes</p>',
        '<div class="charts">',
        _figure(svg.horizontal_bars("release-changes", "Golden records changed by this release",
                                    [(k, float(release[k])) for k in kinds]), "Changes by type"),
        "</div>",
    ]


def _steward(data: ReportData) -> list[str]:
    rows = [(a["action_id"], a["acted_at"], a["steward"], a["action"], ", ".join(a["golden_before"]), a["note"])
            for a in data.steward_actions]
    return ["<h2>Steward actions before this run</h2>",
            _table(["action", "when", "steward", "action", "golden IDs", "why"], rows)]


def _model(data: ReportData) -> list[str]:
    model = data.model
    if model is None:
        return ["<h2>Model</h2>", '<p class="empty">No model.</p>']
    settings = model["settings"]
    lam = settings.get("probability_two_random_records_match")
    out = [
        f"<h2>Model v{model['version']}</h2>",
        f'<p class="meta">trained {escape(_text(model["trained_at"]))} on {model["record_count"]:,} records; '
        f"λ (probability that two random records match) = {lam:.3g}</p>" if lam else "",
    ]
    for comparison in data.comparisons:
        weights = [(level.label, level.weight) for level in comparison.levels if level.weight is not None]
        out += [
            f"<h3>{escape(comparison.name)}</h3>",
            '<div class="charts">',
            _figure(svg.horizontal_bars(f"match-weights-{comparison.name}",
                                        f"{comparison.name}: match weight per level", weights,
                                        value_format="{:+.2f}", label_width=240),
                    "Match weight = log2(m / u)"),
            _figure(svg.horizontal_bars(f"m-probability-{comparison.name}", f"{comparison.name}: m probability",
                                        [(lv.label, lv.m or 0.0) for lv in comparison.levels], width=460,
                                        value_format="{:.4f}", label_width=240), "m: P(level | match)"),
            _figure(svg.horizontal_bars(f"u-probability-{comparison.name}", f"{comparison.name}: u probability",
                                        [(lv.label, lv.u or 0.0) for lv in comparison.levels], width=460,
                                        value_format="{:.4f}", label_width=240), "u: P(level | non-match)"),
            "</div>",
            _table(["level", "m", "u", "match weight", "m fixed"],
                   [(lv.label, _prob(lv.m), _prob(lv.u), f"{lv.weight:+.2f}" if lv.weight is not None else "",
                     "yes" if lv.fixed_m else "") for lv in comparison.levels], numeric=(1, 2, 3)),
        ]
    return out


def _prob(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def _cluster(data: ReportData) -> list[str]:
    view = data.cluster
    assert view is not None
    record = view.golden
    origin = ("source", "source_record_id", "rule")
    attributes = [(name, value, *(record.lineage.get(name, {}).get(k, "") for k in origin))
                  for name, value in record.attributes.items() if value is not None]
    members = [(m["source"], m["source_record_id"], f"{m['match_probability']:.3f}", m["record_id"],
                m["valid_from_release"]) for m in record.members]
    return [
        f"<h2>Cluster of {escape(record.golden_id)}</h2>",
        f'<p class="meta">{record.record_count} source record(s); current since release {record.valid_from_release}'
        "; lines: links (blue, with match probability or “rule”), review pairs (grey, dashed), steward must-links "
        "(green) and cannot-links (red, dashed)</p>",
        '<div class="charts">',
        _figure(svg.network("cluster-graph", f"Source records of {record.golden_id}", view.nodes, view.edges),
                "Source records and what joins them"),
        "</div>",
        _table(["attribute", "value", "source", "source record", "rule"], attributes),
        _table(["source", "source record", "match probability", "record version", "since release"], members),
    ]
