"""Pools of names built once with Faker (an optional, development-only dependency).

Faker is only asked for a few thousand values per pool; rows then draw from the pools with the
generator's own ``random.Random``, which keeps generation fast and reproducible.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from typing import Any

_INSTALL_HINT = "pip install 'chutian-mdm[dev]'"

MOBILE_PREFIXES = tuple(
    str(p) for p in (*range(130, 140), 150, 151, 152, 153, 155, 156, 157, 158, 159, 166, 171, 173,
                     175, 176, 177, 178, *range(180, 190), 191, 193, 195, 198, 199) if p != 184)

# Uyghur names keep the middle dot between given name and father's name.
MIDDLE_DOT_NAMES: tuple[tuple[str, bool], ...] = (
    ("阿卜杜·热合曼", True), ("买买提·艾力", True), ("艾尔肯·努尔", True),
    ("努尔艾力·吐尔洪", True), ("古丽娜尔·吐尔逊", False), ("热依拉·阿不都", False),
    ("迪丽娜尔·阿布都热依木", False), ("阿依古丽·买买提", False),
)


def require_faker() -> Any:
    """The ``Faker`` class, or a clear error saying how to install it."""
    try:
        from faker import Faker
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError(
            "generating sample data needs Faker, a development dependency of chutian-mdm: "
            f"{_INSTALL_HINT}"
        ) from exc
    return Faker


@dataclass(frozen=True)
class NamePools:
    surnames: tuple[str, ...]  # drawn from Faker's frequency-weighted surnames: repeats = weight
    male_given: tuple[str, ...]
    female_given: tuple[str, ...]

    def given_name(self, rng: random.Random, male: bool, birth_year: int) -> str:
        """One or two characters; two-character names are more common among the young."""
        pool = self.male_given if male else self.female_given
        first = rng.choice(pool)
        two_chars = 0.35 if birth_year < 1970 else 0.6 if birth_year < 1995 else 0.8
        if len(first) == 1 and rng.random() < two_chars:
            second = rng.choice(pool)
            if len(second) == 1 and second != first:
                return first + second
        return first

    def full_name(self, rng: random.Random, male: bool, birth_year: int) -> str:
        return rng.choice(self.surnames) + self.given_name(rng, male, birth_year)


@cache
def name_pools(seed: int = 0) -> NamePools:
    """Name pools from Faker's ``zh_CN`` locale, seeded so that they never change."""
    faker = require_faker()("zh_CN")
    faker.seed_instance(seed)
    surnames = tuple(faker.last_name() for _ in range(4000))
    male = tuple(sorted({faker.first_name_male() for _ in range(2000)}))
    female = tuple(sorted({faker.first_name_female() for _ in range(2000)}))
    return NamePools(surnames, male, female)


def mobile_number(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
