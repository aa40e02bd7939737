"""Organisation names: display form, a normalised matching key, branch and organisation form.

``湖北锦联医药有限责任公司宜昌分公司`` → key ``锦联医药宜昌分公司``, branch, form 有限责任公司,
region 湖北省; ``隆潤(武漢)商貿有限公司`` → ``隆润（武汉）商贸有限公司``, key ``隆润商贸``, region 武汉市.
Region prefixes (湖北省, 武汉市, 武汉) and bracketed regions are dropped from the key because
departments write them inconsistently (武汉…, 武汉市…, （武汉）…), but kept apart as the derived
``region`` (in its full name: 武汉 → 武汉市), so that 武汉安瑞物流 and 宜昌安瑞物流 — two companies
— share a key but not a region. The branch part is kept in the key, so a branch never has its
parent's key. ``pinyin`` is the key's pinyin (homophones: 锦联/金联).
"""

from __future__ import annotations

import re
from functools import cache

from . import Standardized, divisions
from .text import name_pinyin, normalize_chinese

ORG_FORMS = (
    "股份有限公司", "有限责任公司", "有限公司", "个人独资企业", "普通合伙企业", "有限合伙企业",
    "合伙企业", "(有限合伙)", "(普通合伙)", "专业合作社", "合作社", "公司",
)
BRANCH_SUFFIXES = ("分公司", "分店", "分厂", "分行", "支行", "营业部", "办事处", "分部", "分所", "分中心")
_BRACKETS = re.compile(r"\(([^()]*)\)")


@cache
def _region_names() -> tuple[str, ...]:
    """Province and city names with their short forms, longest first (湖北省, 湖北, 武汉市, 武汉)."""
    names: set[str] = set()
    for division in divisions.table().values():
        if division.level == "county" or division.retired:
            continue
        name = division.name
        names.add(name)
        short = re.sub(r"(省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区|地区|自治州)$", "", name)
        if len(short) >= 2:
            names.add(short)
    for division in divisions.table().values():  # county names only in full (江岸区), never short
        if division.level == "county" and not division.retired and len(division.name) >= 3:
            names.add(division.name)
    return tuple(sorted(names, key=len, reverse=True))


def _strip_regions(core: str) -> tuple[str, list[str]]:
    """The name without its region prefixes and bracketed regions, and the regions stripped.

    Prefixes nest (湖北省 武汉市 …): after a region, only a region inside it is a prefix too — in
    宜昌市安康超市 the 安康 after 宜昌市 is the trade name, not 安康市 in 陕西."""
    stripped: list[str] = []
    within: list[str] | None = None  # codes the next prefix must lie inside
    changed = True
    while changed:
        changed = False
        for name in _region_names():
            if core.startswith(name) and len(core) > len(name) + 1:
                codes = _region_codes(name)
                if within is not None:
                    codes = [c for c in codes if c not in within
                             and any(divisions.is_within(c, parent) for parent in within)]
                    if not codes:
                        continue
                core = core[len(name):]
                stripped.append(name)
                within = codes
                changed = True
                break
    regions = set(_region_names())

    def drop(match: re.Match[str]) -> str:
        if match.group(1) in regions:
            stripped.append(match.group(1))
            return ""
        return match.group(0)

    return _BRACKETS.sub(drop, core), stripped


@cache
def _region_codes(name: str) -> list[str]:
    """Current codes of a region name or short name (武汉 → 420100), any level."""
    return [c for c in divisions.find_codes(name) if not divisions.table()[c].retired]


@cache
def _full_region_name(name: str) -> str:
    """武汉 → 武汉市, 湖北 → 湖北省 (the division's own name), else the name as written."""
    for level in ("city", "province", "county"):
        codes = divisions.find_codes(name, level)
        if codes:
            return divisions.table()[codes[0]].name
    return name


def _region(stripped: list[str]) -> str | None:
    """The most specific region among those stripped (湖北省武汉市… → 武汉市)."""
    if not stripped:
        return None
    ranked = sorted(stripped, key=lambda n: ({"province": 0, "city": 1}.get(_level(n), 2)))
    return _full_region_name(ranked[-1])


@cache
def _level(name: str) -> str:
    for level in ("province", "city", "county"):
        if divisions.find_codes(name, level):
            return level
    return "county"


def split_name(name: str) -> tuple[str, str | None, str]:
    """(parent name, organisation form or None, branch part) of a normalised name."""
    branch = ""
    parent = name
    if name.endswith(BRANCH_SUFFIXES):
        for form in ORG_FORMS:
            position = name.rfind(form, 0, len(name) - 2)
            if position > 0:
                parent, branch = name[: position + len(form)], name[position + len(form):]
                break
    for form in ORG_FORMS:
        if parent.endswith(form) and len(parent) > len(form):
            return parent[: -len(form)], form.strip("()"), branch
    return parent, None, branch


def org_name(value: str) -> Standardized:
    text = normalize_chinese(value).replace("（", "(").replace("）", ")")
    text = re.sub(r"\s", "", text)
    if not text:
        return Standardized(None)
    core, form, branch = split_name(text)
    # Only companies carry a region prefix by convention; 武汉大学 keeps its 武汉.
    stripped: list[str] = []
    if form:
        core, stripped = _strip_regions(core)
    key = (core + _BRACKETS.sub("", branch)) or text
    display = text.replace("(", "（").replace(")", "）") if re.search(r"[\u4e00-\u9fff]", text) else text
    return Standardized(
        display,
        {"normalized": key, "is_branch": bool(branch) or text.endswith(BRANCH_SUFFIXES),
         "org_form": form, "region": _region(stripped), "pinyin": name_pinyin(key) or None},
    )
