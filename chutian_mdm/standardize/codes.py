"""Code lists (schemas/codes, code_lists in a domain schema), gender and industry codes."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import Issue, Standardized

_BRACKETED = re.compile(r"[(（\[【].*?[)）\]】]")


def _key(value: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", value)).lower()


@dataclass(frozen=True)
class CodeList:
    """A code list: code, label and synonyms all map to the code."""

    name: str
    lookup: Mapping[str, str]
    labels: Mapping[str, str]

    @classmethod
    def from_entries(cls, name: str, entries: Iterable[Mapping[str, Any]]) -> CodeList:
        lookup: dict[str, str] = {}
        labels: dict[str, str] = {}
        for entry in entries:
            code = str(entry["code"])
            labels[code] = str(entry.get("label", code))
            for alias in (code, entry.get("label"), *(entry.get("synonyms") or ())):
                if alias is not None:
                    lookup.setdefault(_key(str(alias)), code)
            if code.isdigit() and code.startswith("0"):
                lookup.setdefault(code.lstrip("0") or "0", code)  # 1 for 01
        return cls(name, lookup, labels)

    def find(self, value: str) -> str | None:
        key = _key(value)
        found = self.lookup.get(key)
        if found is None:
            # 存续（在营、开业、在册）, 有限责任公司(自然人投资或控股): the words before the bracket
            bare = _BRACKETED.sub("", key)
            found = self.lookup.get(bare)
            if found is None and bare != key:
                found = self.lookup.get(_key(re.split(r"[(（]", value)[0]))
        return found


def code_value(value: str, code_list: CodeList) -> Standardized:
    code = code_list.find(value)
    if code is None:
        known = ", ".join(f"{c} {label}" if c != label else c for c, label in list(code_list.labels.items())[:8])
        more = " …" if len(code_list.labels) > 8 else ""
        return Standardized(None, {}, (Issue(
            "code_unknown", f"{value!r} is not in the code list {code_list.name} ({known}{more})"),))
    return Standardized(code)


# GB/T 2261.1-2003 人的性别代码
_GENDER = {
    "0": "0", "未知": "0", "未知的性别": "0", "unknown": "0", "u": "0",
    "1": "1", "男": "1", "男性": "1", "m": "1", "male": "1",
    "2": "2", "女": "2", "女性": "2", "f": "2", "female": "2",
    "9": "9", "未说明": "9", "未说明的性别": "9",
}


def gender(value: str) -> Standardized:
    code = _GENDER.get(_key(value))
    if code is None:
        return Standardized(None, {}, (Issue(
            "gender_unknown", f"{value!r} is not a gender (GB/T 2261.1: 0 未知, 1 男, 2 女, 9 未说明)"),))
    return Standardized(code)


_INDUSTRY = re.compile(r"[A-T](\d{2}|\d{3}|\d{4})?|\d{2,4}")


def industry_code(value: str) -> Standardized:
    """GB/T 4754 国民经济行业分类: a section letter, optionally with 2–4 digits (F5212)."""
    text = _key(value).upper()
    if not _INDUSTRY.fullmatch(text):
        return Standardized(None, {}, (Issue(
            "industry_code_format", f"{value!r} is not a GB/T 4754 industry code (e.g. F5212)"),))
    return Standardized(text)
