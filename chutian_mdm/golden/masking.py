"""De-identification (脱敏) of golden records for ``open.<domain>``, driven by the schema's
``mask:`` rules. The masking itself is SQL functions in schema ``mask`` (created by
``alembic/versions/0003_golden.py``); this module says which column goes through which.

| mask | example | SQL |
|---|---|---|
| ``id_middle`` | 420106********1234 | ``mask.id_middle(text)`` keeps the first 6 and last 4 characters |
| ``name_middle`` | 张*伟, 王*, 阿*****曼 | ``mask.name_middle(text)`` keeps the first and (3+) the last |
| ``phone_middle`` | 138****5678 | ``mask.phone_middle(text)`` keeps the first 3 and last 4 digits |
| ``year`` | 1990 (column ``birth_year``) | ``mask.year(date)`` → integer; ``<x>_date`` becomes ``<x>_year`` |
| ``address_county`` | 湖北省武汉市武昌区 | ``mask.address_county(text)`` keeps province, city and county |
| ``drop`` | — | the column is left out |

Columns derived from a masked field (``citizen_id_birth_date``, ``name_pinyin`` …) are left out:
they would give the masked value away. Lineage is left out too (it names source records).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..domains import load_domain
from ..errors import ConfigError
from .columns import golden_layout

# mask -> (SQL function, output SQL type or None for the input's type)
MASKS: dict[str, tuple[str, str | None]] = {
    "id_middle": ("mask.id_middle", None),
    "name_middle": ("mask.name_middle", None),
    "phone_middle": ("mask.phone_middle", None),
    "year": ("mask.year", "integer"),
    "address_county": ("mask.address_county", None),
}
DROP = "drop"


@dataclass(frozen=True)
class OpenColumn:
    name: str
    expression: str  # over golden.<domain>_history
    sql_type: str


def open_column_name(field_name: str, mask: str) -> str:
    if mask == "year":
        return field_name[: -len("_date")] + "_year" if field_name.endswith("_date") else f"{field_name}_year"
    return field_name


def open_columns(domain: str) -> list[OpenColumn]:
    """The columns of ``open.<domain>``, in order."""
    schema = load_domain(domain)
    out = [OpenColumn("golden_id", "golden_id", "text"),
           OpenColumn("valid_from_release", "valid_from_release", "integer")]
    for gfield in golden_layout(domain).fields:
        mask = schema.fields[gfield.name].mask
        own = gfield.columns[0]
        if mask is None:
            out += [OpenColumn(c.name, c.name, c.sql_type) for c in gfield.columns]
        elif mask == DROP:
            continue
        elif mask in MASKS:
            function, sql_type = MASKS[mask]
            name = open_column_name(own.name, mask)
            out.append(OpenColumn(name, f"{function}({own.name})", sql_type or own.sql_type))
        else:
            raise ConfigError(f"{schema.path}: field {gfield.name}: unknown mask {mask!r} "
                              f"(known: {', '.join([*MASKS, DROP])})")
    out.append(OpenColumn("record_count", "record_count", "integer"))
    return out
