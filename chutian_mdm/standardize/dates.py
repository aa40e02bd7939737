"""Dates and date-times in the forms Chinese departments write them."""

from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata

from . import Issue, Standardized

CHINA = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
EXPECTED = "expected YYYY-MM-DD, YYYYMMDD, 1990/3/5, 1990.3.5 or 1990年3月5日"

_DATE = re.compile(
    r"(?P<y>\d{4})\s*(?:[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"|(?P<m8>\d{2})(?P<d8>\d{2}))"
)
_TIME = re.compile(r"(?P<H>\d{1,2})[:时](?P<M>\d{1,2})(?:[:分](?P<S>\d{1,2})(?:\.(?P<f>\d{1,6}))?秒?)?")
_COMPACT_DATETIME = re.compile(r"(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?")
_TZ = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")


_today: tuple[float, dt.date] = (0.0, dt.date.min)


def today() -> dt.date:
    """Today in China (looked up at most once a second: this is on the hot path of ingest)."""
    global _today
    now = time.monotonic()
    if now - _today[0] > 1.0:
        _today = (now, dt.datetime.now(CHINA).date())
    return _today[1]


def _clean(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def _split_date(text: str) -> tuple[int, int, int, str] | None:
    """(year, month, day, rest of the text) if ``text`` starts with a date form."""
    match = _DATE.match(text)
    if not match:
        return None
    if match.group("m") is not None:
        month, day = int(match.group("m")), int(match.group("d"))
    else:
        month, day = int(match.group("m8")), int(match.group("d8"))
    return int(match.group("y")), month, day, text[match.end():]


def _why_not(year: int, month: int, day: int) -> str:
    if not 1 <= month <= 12:
        return f"there is no month {month}"
    try:
        dt.date(year, month, 1)
    except ValueError:
        return f"year {year} is out of range"
    return f"{year}-{month:02d} has no day {day}"


def parse_date(value: str, not_before: dt.date = dt.date(1850, 1, 1)) -> Standardized:
    """A calendar date; a time part after it (``1990-03-05 00:00:00``) is ignored."""
    text = _clean(value)
    parts = _split_date(text)
    if parts is None or (parts[3].strip() and not _TIME.fullmatch(parts[3].strip(" T"))):
        return Standardized(None, {}, (Issue("date_invalid", f"{value!r} is not a date ({EXPECTED})"),))
    year, month, day, _ = parts
    try:
        date = dt.date(year, month, day)
    except ValueError:
        return Standardized(None, {}, (Issue(
            "date_invalid", f"{value!r} is not a date: {_why_not(year, month, day)} ({EXPECTED})"),))
    if date > today():
        return Standardized(None, {}, (Issue("date_in_future", f"{value!r} lies in the future"),))
    if date < not_before:
        return Standardized(None, {}, (Issue(
            "date_too_early", f"{value!r} lies before {not_before.isoformat()}"),))
    return Standardized(date)


def parse_datetime(value: str) -> Standardized:
    """A point in time. Without a time zone, China Standard Time (UTC+8) is assumed."""
    text = _clean(value)
    problem = Issue("datetime_invalid", f"{value!r} is not a date-time (expected e.g. 2024-05-01 08:30:00, "
                    "2024-05-01T08:30:00+08:00, 20240501083000 or a date)")
    tz: dt.tzinfo = CHINA
    zone = _TZ.search(text)
    if zone and len(text) > 10:
        mark = zone.group(1)
        if mark == "Z":
            tz = dt.UTC
        else:
            sign = 1 if mark[0] == "+" else -1
            digits = mark[1:].replace(":", "")
            tz = dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        text = text[: zone.start()]
    compact = _COMPACT_DATETIME.fullmatch(text)
    try:
        if compact:
            y, mo, d, h, mi, s = compact.groups()
            moment = dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), tzinfo=tz)
        else:
            parts = _split_date(text)
            if parts is None:
                return Standardized(None, {}, (problem,))
            year, month, day, rest = parts
            rest = rest.strip().lstrip("T").strip()
            hour = minute = second = micro = 0
            if rest:
                time = _TIME.fullmatch(rest)
                if not time:
                    return Standardized(None, {}, (problem,))
                hour, minute = int(time.group("H")), int(time.group("M"))
                second = int(time.group("S") or 0)
                micro = int((time.group("f") or "0").ljust(6, "0"))
            moment = dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
    except ValueError as exc:
        return Standardized(None, {}, (Issue("datetime_invalid", f"{value!r} is not a date-time: {exc}"),))
    if moment.date() > today() + dt.timedelta(days=1):
        return Standardized(None, {}, (Issue("date_in_future", f"{value!r} lies in the future"),))
    return Standardized(moment)
