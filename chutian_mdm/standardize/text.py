"""Chinese text: NFKC, whitespace, middle dots, traditional → simplified, pinyin of names."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from pypinyin import lazy_pinyin

from . import Issue, Standardized

# Middle dots used between the parts of transliterated (e.g. Uyghur) names; all become U+00B7.
_MIDDLE_DOTS = "·•‧・･∙⋅●▪.．"
_MIDDLE_DOT_RE = re.compile(rf"(?:\s*[{re.escape(_MIDDLE_DOTS)}]\s*)+")
_SPACES = re.compile(r"\s+")
_NEEDS_SPACE_FIX = re.compile(r"\s\s|[^\S ]")
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_NAME_BAD_CHARS = re.compile(rf"[^{_CJK}A-Za-z·\s]")
_HAS_CJK = re.compile(rf"[{_CJK}]")


@cache
def _t2s() -> object:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(value: str) -> str:
    """Traditional → simplified Chinese (OpenCC ``t2s``); other text passes through."""
    if not _HAS_CJK.search(value):
        return value
    return _t2s().convert(value)  # type: ignore[attr-defined, no-any-return]


def normalize_text(value: str) -> str:
    """NFKC (full-width → half-width), control characters dropped, runs of whitespace collapsed."""
    text = unicodedata.normalize("NFKC", value)
    if not text.isprintable():
        text = "".join(ch for ch in text if ch.isprintable() or ch.isspace())
    if _NEEDS_SPACE_FIX.search(text):
        text = _SPACES.sub(" ", text)
    return text.strip()


def normalize_chinese(value: str) -> str:
    """:func:`normalize_text`, then simplified characters and no spaces between Chinese ones."""
    return _SPACE_BETWEEN_CJK.sub("", to_simplified(normalize_text(value)))


@cache
def _char_pinyin(char: str) -> str:
    syllables = lazy_pinyin(char, errors="ignore")
    return syllables[0].strip().lower() if syllables else ""


def name_pinyin(name: str) -> str:
    """Tone-less pinyin syllables separated by spaces: 张伟 and 张玮 both give ``zhang wei``.

    Character by character (cached), so a character always reads the same way in every name:
    what matters for matching is that two spellings of one name agree."""
    return " ".join(filter(None, (_char_pinyin(ch) for ch in name if not ch.isspace() and ch != "·")))


def person_name(value: str) -> Standardized:
    """A person's name: simplified, no inner spaces, one kind of middle dot; pinyin derived."""
    text = normalize_chinese(value)
    if _HAS_CJK.search(text):
        text = _MIDDLE_DOT_RE.sub("·", text).strip("·")
        text = _SPACES.sub("", text)
    if not text:
        return Standardized(None)
    issues: tuple[Issue, ...] = ()
    if _NAME_BAD_CHARS.search(text):
        issues = (Issue("name_invalid_chars", f"name {value!r} holds digits or symbols"),)
    return Standardized(text, {"pinyin": name_pinyin(text) or None}, issues)


def address_text(value: str) -> Standardized:
    """A free-text address: simplified, half-width digits, no spaces between Chinese characters."""
    text = normalize_chinese(value)
    if _HAS_CJK.search(text):
        text = _SPACES.sub("", text)
    return Standardized(text or None)
