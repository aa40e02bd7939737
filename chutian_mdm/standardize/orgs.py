"""Organisation names: display form, a normalised matching key, branch and organisation form.

``湖北锦联医药有限责任公司宜昌分公司`` → key ``锦联医药宜昌分公司``, branch, form 有限责任公司;
``隆潤(武漢)商貿有限公司`` → ``隆润(武汉)商贸有限公司``, key ``隆润商贸``. Region prefixes (湖北省,
武汉市, 武汉) and bracketed regions are dropped from the key because departments write them
inconsistently; the branch part is kept, so a branch never has its parent's key.
"""

from __future__ import annotations

import re
from functools import cache

from . import Standardized, divisions
from .text import normalize_chinese

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


def _strip_regions(core: str) -> str:
    changed = True
    while changed:
        changed = False
        for name in _region_names():
            if core.startswith(name) and len(core) > len(name) + 1:
                core = core[len(name):]
                changed = True
                break
    regions = set(_region_names())
    return _BRACKETS.sub(lambda m: "" if m.group(1) in regions else m.group(0), core)


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
    key = (_strip_regions(core) if form else core) + _BRACKETS.sub("", branch)
    display = text.replace("(", "（").replace(")", "）") if re.search(r"[\u4e00-\u9fff]", text) else text
    return Standardized(
        display,
        {"normalized": key or text, "is_branch": bool(branch) or text.endswith(BRANCH_SUFFIXES),
         "org_form": form},
    )
