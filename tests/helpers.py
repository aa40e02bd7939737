"""Small builders for test input files in the departments' own formats."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path

from stdnum.cn import ric

POLICE_HEADERS = [
    "人员编号", "公民身份号码", "姓名", "性别", "出生日期", "民族", "联系电话", "户籍地址",
    "户籍地行政区划", "更新时间",
]


def citizen_id(region: str = "420106", birth: str = "19900305", sequence: str = "123") -> str:
    """A citizen ID with a correct GB 11643 check digit (odd sequence = male)."""
    body = region + birth + sequence
    return body + ric.calc_check_digit(body + "0")  # stdnum wants a placeholder


def with_wrong_check_digit(number: str) -> str:
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong


def legacy_15(number18: str) -> str:
    """The legacy 15-digit form of an 18-digit ID born in the 1900s."""
    return number18[:6] + number18[8:17]


def person(record_id: str, name: str = "张伟", **overrides: str) -> dict[str, str]:
    row = {
        "人员编号": record_id,
        "公民身份号码": citizen_id(),
        "姓名": name,
        "性别": "男",
        "出生日期": "1990-03-05",
        "民族": "汉族",
        "联系电话": "13812345678",
        "户籍地址": "湖北省武汉市武昌区中北路1号",
        "户籍地行政区划": "420106",
        "更新时间": "2024-05-01 08:30:00",
    }
    row.update(overrides)
    return row


def write_csv(
    path: Path, rows: Sequence[dict[str, str]], encoding: str = "utf-8",
    headers: Sequence[str] = POLICE_HEADERS,
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(headers))
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, rows: Sequence[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path
