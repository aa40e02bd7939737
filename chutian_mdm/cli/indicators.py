"""``chutian-mdm indicators``: the macro-economic indicator catalog and reconciled time series
(the published golden values, or reconciled from staging before the first release)."""

from __future__ import annotations

import typer

from ..domains.indicators import catalog
from ..errors import ConfigError
from ..reconcile.macroeconomic import published_values, reconcile
from ..standardize import divisions
from ._common import console, new_table, print_json, state

app = typer.Typer(help="Macro-economic indicators: the catalog and reconciled values per region.",
                  no_args_is_help=True)


@app.command("list")
def list_indicators(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The indicator catalog (schemas/indicators.yaml): codes, names, synonyms, canonical units."""
    indicators = list(catalog().indicators.values())
    if as_json:
        print_json([i.as_dict() for i in indicators])
        return
    table = new_table("Indicators")
    for column in ("code", "name", "unit", "synonyms", "quarters / months"):
        table.add_column(column, overflow="fold")
    for i in indicators:
        periods = " / ".join("year to date" if i.cumulative.get(kind) else "single" if kind in i.cumulative else "—"
                             for kind in ("quarter", "month"))
        table.add_row(i.code, i.name, i.unit, "、".join(i.synonyms), periods)
    console.print(table)


def _region_code(region: str) -> str:
    if divisions.lookup(region) is not None:
        return region
    codes = divisions.find_codes(region)
    if len(codes) == 1:
        return codes[0]
    if codes:
        raise ConfigError(f"region {region!r} is ambiguous: {', '.join(f'{c} {divisions.name_of(c)}' for c in codes)}")
    raise ConfigError(f"region {region!r} is neither a GB/T 2260 division code nor a division name")


@app.command("show")
def show(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="Indicator code, name or synonym (A01, GDP, 社零总额)."),
    region: str = typer.Option(..., "--region", "-r", help="Division code or name (420100, 武汉市)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The time series of one indicator for one region: the golden values of the latest
    published release of macroeconomic, or — before the first release — reconciled from staging
    (the output says which)."""
    indicator = catalog().resolve(code)
    if indicator is None:
        known = ", ".join(f"{c} {i.name}" for c, i in catalog().indicators.items())
        raise ConfigError(f"unknown indicator {code!r}; known: {known}")
    division = _region_code(region)
    engine = state(ctx).engine()
    release, values = published_values(engine, indicator.code, division)
    origin = f"golden release {release}" if release is not None else "staging (no release published yet)"
    if release is None:
        values = reconcile(engine, indicator.code, division)
    if as_json:
        print_json({"indicator": indicator.as_dict(), "division_code": division,
                    "region": divisions.name_of(division), "release": release,
                    "from": "golden" if release is not None else "staging",
                    "values": [{**v.as_dict(), "cumulative": indicator.is_cumulative(v.period_type)}
                               for v in values]})
        return
    title = f"{indicator.code} {indicator.name} ({indicator.unit}) — {division} {divisions.name_of(division) or ''}"
    if not values:
        console.print(f"{title}: no values in {origin}.")
        return
    table = new_table(f"{title}, from {origin}",
                  caption="span: how far the group's values differ, shown when beyond the "
                  f"tolerance ({catalog().relative_tolerance:%}); YTD: year to date")
    for column in ("period", "value", "source", "record", "released", "n", "span"):
        table.add_column(column, no_wrap=column in ("period", "released"))
    for v in values:
        cumulative = indicator.is_cumulative(v.period_type)
        period = v.period + (" YTD" if cumulative else "")
        span = f"{(v.high - v.low) / abs(v.value):.2%}" if v.disagrees and v.value else ""
        table.add_row(period, str(v.value), v.source, v.source_record_id,
                      v.release_date.isoformat() if v.release_date else "", str(v.records), span)
    console.print(table)
