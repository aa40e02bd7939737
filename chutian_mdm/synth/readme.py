"""``data/samples/README.md``, written from the generated data so its numbers are always true."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from ..domains.schema import load_source
from .output import SourceFile

if TYPE_CHECKING:
    from .samples import Samples

DIRT = {
    "name_homophone": "a character of the name replaced by a homophone (张伟→张玮, 王芳→王方, 黄↔王)",
    "name_traditional": "name in traditional characters (張偉, 劉, 陳, 黃; 有限公司 names too)",
    "name_spaces": "stray spaces (also U+3000) around or inside the name",
    "name_middle_dot_variant": "the middle dot of 阿卜杜·热合曼 written as •, ・, ．, a space or nothing",
    "name_org_form_variant": "有限公司 ↔ 有限责任公司",
    "name_city_with_shi": "武汉… written 武汉市…",
    "name_city_in_brackets": "武汉… written （武汉）…",
    "name_halfwidth_brackets": "full-width （） written as half-width ()",
    "citizen_id_legacy_15": "legacy 15-digit ID (no century, no check digit; births 1900–1999)",
    "citizen_id_bad_check_digit": "18-digit ID whose check digit does not match",
    "citizen_id_transposed_digits": "two adjacent digits of the ID swapped (check digit fails)",
    "citizen_id_lowercase_x": "final check character X written as x",
    "citizen_id_fullwidth": "full-width digits (４２０１…)",
    "citizen_id_spaces": "ID split by spaces (420106 19900305 123X)",
    "gender_contradicts_id": "gender differs from the one encoded in the ID",
    "birth_date_contradicts_id": "birth date one day off the one encoded in the ID",
    "phone_separators": "mobile written 138-1234-5678 or 138 1234 5678",
    "phone_country_code": "mobile with +86 / 0086 prefix",
    "phone_fullwidth": "mobile in full-width digits",
    "phone_landline": "landline instead of mobile: 027-87654321, (027)87654321, 02787654321",
    "address_without_province": "address without 湖北省 (and sometimes without the city)",
    "address_without_city": "address starting at the district",
    "address_chinese_numerals": "door number in Chinese numerals (十二号 for 12号)",
    "address_rooms_compact": "building/unit/room written 3-2-501",
    "address_spaces": "spaces between address components or stray spaces",
    "address_fullwidth": "full-width digits in the address",
    "address_traditional": "address in traditional characters (武漢市…號)",
    "address_hao_traditional": "號 instead of 号",
    "division_city_level": "city-level division code (420100) instead of the district",
    "division_code_12_digits": "12-digit statistical division code (420106000000)",
    "duplicate_in_file": "the same entity a second time under another record ID",
    "duplicate_moved_house": "… of which the second record has a new address",
    "uscc_bad_check_char": "USCC whose check character does not match",
    "uscc_lowercase": "USCC in lower case",
    "uscc_fullwidth": "USCC in full-width characters",
    "uscc_spaces": "USCC split by spaces",
    "capital_in_yuan": "registered capital in 元 (5000000元) instead of 万元",
    "capital_without_unit": "registered capital without unit (500, 500.00 — meaning 万元)",
    "industry_code_without_section": "industry code without its section letter (6513 for I6513)",
    "industry_code_coarse": "industry code at division level only (I65)",
    "rooms_only_in_columns": "building/unit/room only in their columns, not in the text",
    "components_partly_empty": "some of the component columns (省, 市, 区县 …) left empty",
    "coordinates_missing": "no coordinates",
    "coordinates_swapped": "longitude and latitude swapped",
    "crs_synonym": "crs given as a synonym (WGS-84, gcj02, 国家2000, EPSG:4326 …)",
    "unit_persons_not_wan": "population in 人 instead of 万人",
    "unit_wan_yuan_not_yi": "money in 万元 instead of 亿元",
    "unit_wan_yuan_not_yuan": "per-capita income in 万元 instead of 元",
    "period_with_nian": "year written 2024年",
    "period_chinese_month": "month written 2024年7月",
    "indicator_name_variant": "another name for the indicator (GDP, 社零总额 …)",
    "indicator_code_missing": "indicator code empty, only the name given",
    "revised_value": "a triple given twice: an earlier (preliminary or mistyped) value, then the "
                     "final one, released later (truth is the final one)",
    "stale_preliminary_value": "a preliminary value that was never updated (statistics' final "
                               "value is the truth)",
    "quarantine_bait": "rows ingest must quarantine (see below)",
}


def describe(kind: str) -> str:
    if kind in DIRT:
        return DIRT[kind]
    if kind.endswith("_missing"):
        return f"{kind.removesuffix('_missing')} left empty"
    if "_as_" in kind:
        field, style = kind.split("_as_")
        examples = {"chinese": "1990年3月5日", "compact": "19900305", "slash": "1990/3/5",
                    "dotted": "1990.3.5"}
        return f"{field} written {examples.get(style, style)}"
    return kind


def _file_table(samples: Samples) -> list[str]:
    lines = ["| file | department | format | rows | entities |", "|---|---|---|---:|---:|"]
    formats = {"csv": "CSV, UTF-8", "csv-bom": "CSV, UTF-8 with BOM", "csv-gb18030": "CSV, GB18030",
               "xlsx": "Excel .xlsx, first sheet, all cells text", "jsonl": "JSON Lines, UTF-8",
               "parquet": "Parquet, all columns string"}
    for f in samples.files:
        profile = load_source(f.source)
        lines.append(f"| `{f.relative_path}` | {profile.label} ({profile.department}) | "
                     f"{formats[f.fmt]} | {len(f.rows)} | {len(set(f.entity_ids))} |")
    return lines


def _dirt_tables(files: list[SourceFile]) -> list[str]:
    lines: list[str] = []
    for f in files:
        lines += ["", f"**`{f.relative_path}`** ({len(f.rows)} rows)", "",
                  "| dirt | rows | share |", "|---|---:|---:|"]
        for kind, count in sorted(f.dirt.items()):
            lines.append(f"| {describe(kind)} (`{kind}`) | {count} | "
                         f"{100 * count / len(f.rows):.1f} % |")
    return lines


def _groups(samples: Samples) -> list[str]:
    groups: dict[str, list[str]] = defaultdict(list)
    for p in samples.people:
        if p.group:
            groups[p.group].append(f"{p.entity_id} {p.name} ({p.birth.isoformat()})")
    lines = []
    for group, members in sorted(groups.items()):
        if group.startswith(("twins", "father_son")):
            lines.append(f"- `{group}`: " + "; ".join(members))
    counts = Counter(p.group for p in samples.people if p.group.startswith("common_name"))
    lines.append("- different people with the most common names: " + ", ".join(
        f"{g.split(':')[1]} × {n}" for g, n in sorted(counts.items())))
    return lines


def render_readme(samples: Samples) -> str:
    quarantine = samples.truth["quarantine.csv"][1]
    n_people, n_places = len(samples.people), len(samples.places)
    n_companies = len(samples.truth["legal_entity_entities.csv"][1])
    lines = [
        "# Sample data",
        "",
        "Synthetic, deliberately dirty department extracts for the four foundational databases.",
        "Every person, company, address and figure is made up (division codes and street names "
        "are real; indicator values are plausible, not official). **Generated — do not edit by "
        "hand**; regenerate with:",
        "",
        "```",
        "pip install -e '.[dev]'            # Faker is a development dependency",
        "python -m chutian_mdm.synth samples data/samples",
        "```",
        "",
        "Generation is deterministic (fixed seed, reference date 2026-11-01, no clock): a re-run "
        "gives identical bytes (with the same Faker, opencc and pyarrow versions). The code is "
        "in `chutian_mdm/synth/`. Layout: `<domain>/<source>.<ext>` — the folder names the "
        "domain, the file stem the source profile in `schemas/sources/`, whose Chinese headers "
        "the files use exactly.",
        "",
        "## Files",
        "",
        *_file_table(samples),
        "",
        f"True entities: {n_people} persons, {n_companies} legal entities, {n_places} places, "
        f"{len(samples.values)} indicator values.",
        "",
        "## What is in them",
        "",
        "**人口.** Each person is in 1–4 departments, sometimes twice in one. 公安 (police) is the "
        "cleanest: household address, ISO dates, 男/女. 民政 (GB18030) writes dates 1990年3月5日 "
        "or 19900305, gender 男/女 or 1/2, ethnicity 汉 or 汉族. 人社 (Excel) uses GB/T 2261 "
        "gender codes 1/2, ethnicity codes 01 or 1, often the city-level 参保地 (420100). 卫健 "
        "(JSON Lines) has the most dirt: M/F, 1990.3.5, current rather than household address. "
        "Citizen IDs use the district's code, or for people born before a district existed the "
        "retired county code they were issued (420122 武昌县 for 江夏区 …). Hard negatives "
        "that must NOT be merged:",
        "",
        *_groups(samples),
        "- Uyghur names with a middle dot (阿卜杜·热合曼 …, group `middle_dot_name`).",
        "",
        "**法人.** Legal representatives are persons of the population samples (same citizen "
        "ID; `legal_representative_entity_id` in the truth). Branches (…有限公司宜昌分公司) "
        "are entities of their own (`parent_entity_id`); the same trade name in different "
        "cities (武汉安瑞物流… / 宜昌安瑞物流…) is different companies. Statuses use the "
        "departments' own words (存续（在营、开业、在册）, 在营（开业）, 吊销，未注销; tax: 正常, "
        "非正常, 已迁出); entity types the departments' own classifications. Tax's 纳税人识别号 is "
        "the USCC, the pre-2015 15-character number, or the USCC + 01 for a second registration.",
        "",
        "**空间地理.** Standard addresses in 武汉, 宜昌 and 襄阳; a place registered again has "
        "slightly different text and coordinates a few metres apart. Coordinates are WGS84, "
        "CGCS2000 (same numbers to within centimetres) or GCJ-02 (the public WGS84→GCJ-02 "
        "formula, ~500 m off) — the 坐标系 column says which. About a third of the places are "
        "where persons of the population samples live (their flat, or its building) and where "
        "companies of the legal-entity samples are registered: the links across the databases "
        "(`truth/links.csv`).",
        "",
        "**宏观经济.** Indicators A01 地区生产总值 (亿元), A02 社会消费品零售总额 (亿元), A03 常住人口 "
        "(万人), A04 一般公共预算收入 (亿元), A05 城镇居民人均可支配收入 (元), A06 地区生产总值增长率 "
        "(%), T01 税收收入 (亿元, tax only), for 420000, 420100, 420500, 420600 and some districts; "
        "periods 2022–2024, 2024Q1–Q3 (cumulative), 2024-03/06/09 (cumulative) and 2024-07/08/09 "
        "(single months, 社零). Tax reports in 万元 and overlaps statistics on A02 and A04.",
        "",
        "## Injected dirt",
        "",
        "Counts are of rows (a row can carry several kinds). Formats that are simply a "
        "department's habit (e.g. every 人社 date as 19900305) are counted too.",
        *_dirt_tables(samples.files),
        "",
        "## Rows ingest must quarantine",
        "",
        "Listed in `truth/quarantine.csv` (row numbers as the readers count them: header = row 1 "
        "in CSV and Excel, line number in JSON Lines). Everything else must be accepted "
        "(possibly with warnings) — including forms a strict parser might refuse: periods "
        "written 2024年 or 2024年7月, 12-digit statistical division codes (420106000000), "
        "dates 1990.3.5 / 1990/3/5 / 1990年3月5日 / 19900305, timestamps 20240501083000 or a bare "
        "date, full-width digits, 15-digit IDs. Apart from these rows every file is "
        "well-formed.",
        "",
        "| file | row | record | field | rule | why |", "|---|---:|---|---|---|---|",
        *[f"| `{r[2]}` | {r[3]} | {r[4]} | {r[5]} | `{r[6]}` | {r[7]} |" for r in quarantine],
        "",
        "## Truth",
        "",
        "- `truth/<domain>.csv` — `source,source_record_id,entity_id`: every record of every "
        "file exactly once (quarantine bait included); records with the same `entity_id` are "
        "the same real-world entity. Macro-economic entity IDs are `indicator|division|period`.",
        "- `truth/macroeconomic_values.csv` — the true value of each triple in the canonical "
        "unit (`indicator_code,division_code,period,value,unit,indicator_name,entity_id`).",
        "- `truth/population_entities.csv`, `truth/legal_entity_entities.csv`, "
        "`truth/geospatial_entities.csv` — the true attributes of each entity (and the "
        "hard-negative `group` of persons; WGS84 coordinates of places).",
        "- `truth/links.csv` — `link,from_entity_id,to_entity_id,method`: each company's legal "
        "representative (`legal_representative`, a person), the places companies are registered "
        "at (`registered_address`) and persons live at (`address`, home or current residence), "
        "with how the place relates to the address: the address itself, its building or its "
        "door (`address`, `building`, `door`).",
        "- `truth/quarantine.csv` — the rows above.",
        "",
        "## Bigger data for benchmarks",
        "",
        "```python",
        "from chutian_mdm.synth.population import generate_rows, generate_table, write_police_csv",
        "write_police_csv('bench/police_1m.csv', 1_000_000, seed=0)  # police headers, UTF-8",
        "```",
        "",
        "or `python -m chutian_mdm.synth police-csv bench/police_1m.csv --rows 1000000`. Rows "
        "carry the same kinds of dirt at similar rates (≈6 % duplicates of earlier persons, "
        "twins, ≈0.1 % quarantine bait); `with_entity_id=True` adds the true person.",
        "",
    ]
    return "\n".join(lines)
