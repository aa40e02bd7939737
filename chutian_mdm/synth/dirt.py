"""The dirt departments put into their data, as small seeded functions.

Every generator rolls the dice through a :class:`Dirt`, which also counts what it injected so
that ``data/samples/README.md`` can state the real proportions.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from functools import cache

# Common homophone / near-homophone character swaps in names (the second and later characters
# sound the same or nearly so in Mandarin or in the Wuhan dialect, e.g. 黄/王).
HOMOPHONES: dict[str, tuple[str, ...]] = {
    "伟": ("玮", "炜", "维"), "芳": ("方", "放"), "娜": ("纳", "那"), "丽": ("莉", "立", "利"),
    "静": ("靖", "晶"), "敏": ("民", "闽"), "杰": ("洁", "捷"), "军": ("君", "均"),
    "磊": ("蕾", "垒"), "洋": ("阳", "扬"), "勇": ("永", "涌"), "艳": ("燕", "雁"),
    "涛": ("韬", "滔"), "明": ("铭", "鸣"), "超": ("潮",), "秀": ("绣",), "霞": ("侠", "夏"),
    "平": ("萍", "苹"), "刚": ("钢", "纲"), "桂": ("贵",), "华": ("桦", "骅"), "红": ("宏", "鸿"),
    "玲": ("琳", "龄"), "辉": ("晖", "徽"), "俊": ("骏", "峻"), "斌": ("彬", "滨"),
    "峰": ("锋", "丰"), "婷": ("亭", "庭"), "建": ("剑", "健"), "文": ("雯", "闻"),
    "云": ("芸", "筠"), "鑫": ("欣", "新"), "欣": ("鑫", "馨"), "佳": ("嘉", "家"),
    "玉": ("钰", "煜"), "英": ("瑛", "莹"), "梅": ("玫", "媚"), "浩": ("皓", "昊"),
    "宇": ("雨", "羽"), "帆": ("凡", "繁"), "凯": ("恺", "铠"), "琴": ("芹", "勤"),
    "张": ("章",), "王": ("汪", "黄"), "李": ("黎", "理"), "刘": ("柳",), "陈": ("程",),
    "杨": ("扬", "阳"), "黄": ("王", "皇"), "徐": ("许",), "吴": ("伍", "武"), "周": ("邹",),
    "肖": ("萧",), "付": ("傅",), "余": ("于", "俞"), "彭": ("鹏",), "林": ("琳",),
    "胡": ("扈",), "郑": ("正",), "罗": ("骆",), "高": ("郜",), "何": ("贺",),
}

# ASCII → full-width forms (U+FF01…U+FF5E are ASCII + 0xFEE0)
_FULLWIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-()"}
_CN_DIGITS = "零一二三四五六七八九"

MIDDLE_DOTS = ("·", "·", "•", "・", "．", "", " ")

DATE_STYLES = ("iso", "compact", "slash", "chinese", "dotted")
DATETIME_STYLES = ("space", "iso_t", "compact", "date")


class Dirt:
    """A seeded random source plus a tally of the dirt injected with it."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.counts: Counter[str] = Counter()

    def roll(self, rate: float) -> bool:
        return self.rng.random() < rate

    def mark(self, kind: str) -> None:
        self.counts[kind] += 1


def homophone(name: str, rng: random.Random) -> str | None:
    """``name`` with one character swapped for a homophone; None if none is known."""
    positions = [i for i, ch in enumerate(name) if ch in HOMOPHONES]
    if not positions:
        return None
    # Typists mistake given names far more often than surnames.
    given = [i for i in positions if i > 0]
    i = rng.choice(given or positions)
    return name[:i] + rng.choice(HOMOPHONES[name[i]]) + name[i + 1:]


@cache
def _s2t() -> object:
    import opencc

    return opencc.OpenCC("s2t")


def traditional(text: str) -> str:
    """Simplified → traditional characters (張偉, 劉, 陳, 黃, 號)."""
    converter = _s2t()
    return str(converter.convert(text))  # type: ignore[attr-defined]


def fullwidth(text: str) -> str:
    """ASCII digits, capitals, hyphen and brackets as full-width characters (１２３)."""
    return text.translate(_FULLWIDTH)


def chinese_number(n: int) -> str:
    """1–9999 in Chinese numerals as written in door numbers: 12 → 十二, 105 → 一百零五."""
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    out = ""
    zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            out += ("零" if zero else "") + _CN_DIGITS[digit] + unit
            zero = False
        elif out:
            zero = True
    return out


def format_date(d: dt.date, style: str) -> str:
    if style == "iso":
        return d.isoformat()
    if style == "compact":
        return f"{d:%Y%m%d}"
    if style == "slash":
        return f"{d.year}/{d.month}/{d.day}"
    if style == "chinese":
        return f"{d.year}年{d.month}月{d.day}日"
    if style == "dotted":
        return f"{d.year}.{d.month}.{d.day}"
    raise ValueError(style)


def format_datetime(ts: dt.datetime, style: str) -> str:
    if style == "space":
        return f"{ts:%Y-%m-%d %H:%M:%S}"
    if style == "iso_t":
        return f"{ts:%Y-%m-%dT%H:%M:%S}"
    if style == "compact":
        return f"{ts:%Y%m%d%H%M%S}"
    if style == "date":
        return ts.date().isoformat()
    raise ValueError(style)


def random_datetime(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    seconds = int((end - start).total_seconds())
    return start + dt.timedelta(seconds=rng.randrange(max(seconds, 1)))


def format_mobile(mobile: str, rng: random.Random) -> tuple[str, str | None]:
    """A mobile number the way people write it; returns (text, dirt kind or None)."""
    roll = rng.random()
    if roll < 0.70:
        return mobile, None
    if roll < 0.78:
        return f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}", "phone_separators"
    if roll < 0.84:
        return f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}", "phone_separators"
    if roll < 0.90:
        return f"+86 {mobile[:3]}-{mobile[3:7]}-{mobile[7:]}", "phone_country_code"
    if roll < 0.94:
        return f"0086{mobile}", "phone_country_code"
    if roll < 0.97:
        return f"+86{mobile}", "phone_country_code"
    return fullwidth(mobile), "phone_fullwidth"


def format_landline(area: str, local: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.5:
        return f"{area}-{local}"
    if roll < 0.75:
        return f"({area}){local}"
    if roll < 0.9:
        return f"{area}{local}"
    return f"（{area}）{local}"


def spaced(text: str, rng: random.Random) -> str:
    """Stray whitespace: around the value, or between two characters."""
    roll = rng.random()
    if roll < 0.4 or len(text) < 2:
        return f" {text} " if roll < 0.2 else f"{text}  "
    i = rng.randrange(1, len(text))
    return text[:i] + rng.choice((" ", "  ", "\u3000")) + text[i:]


def dirty_person_name(name: str, dirt: Dirt, rate: float) -> str:
    """A person's name as a department may hold it."""
    rng = dirt.rng
    if "·" in name and dirt.roll(0.5):
        name = name.replace("·", rng.choice(MIDDLE_DOTS[2:]))
        dirt.mark("name_middle_dot_variant")
    if dirt.roll(0.03 * rate) and (typo := homophone(name, rng)):
        name = typo
        dirt.mark("name_homophone")
    if dirt.roll(0.02 * rate) and (trad := traditional(name)) != name:
        name = trad
        dirt.mark("name_traditional")
    if dirt.roll(0.02 * rate):
        name = spaced(name, rng)
        dirt.mark("name_spaces")
    return name
