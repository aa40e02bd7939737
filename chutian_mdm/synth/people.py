"""The true persons behind the population samples, including the hard negatives a matcher must
keep apart: twins, a father and son with the same name at the same address, and many different
people called 张伟, 王芳 or 李娜."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from functools import cache

from ..domains.schema import load_domain
from .addresses import Address, random_address
from .ids import citizen_id, sequence_for
from .output import REFERENCE_DATE
from .pools import MIDDLE_DOT_NAMES, NamePools, mobile_number
from .regions import id_region

COMMON_NAMES: tuple[tuple[str, bool, int], ...] = (("张伟", True, 8), ("王芳", False, 6),
                                                   ("李娜", False, 5))


@dataclass
class Person:
    entity_id: str
    name: str
    male: bool
    birth: dt.date
    ethnicity: str  # GB 3304 code
    citizen_id: str
    mobile: str | None
    landline: str | None
    home: Address  # 户籍地址
    residence: Address  # 现住址 (the same as home for most people)
    group: str = ""  # hard-negative group, e.g. "twins:2"

    @property
    def gender(self) -> str:
        """GB/T 2261.1 code."""
        return "1" if self.male else "2"


@cache
def ethnicity_names() -> dict[str, tuple[str, str]]:
    """GB 3304 code -> (name, short name), from schemas/codes/ethnicity.yaml."""
    entries = load_domain("population").code_lists["ethnicity"]
    return {e["code"]: (e["label"], (e.get("synonyms") or [e["label"]])[0]) for e in entries}


def random_birth(rng: random.Random) -> dt.date:
    age_days = int(rng.betavariate(2.0, 2.4) * 92 * 365.25) + 30
    return REFERENCE_DATE - dt.timedelta(days=age_days)


def _ethnicity(rng: random.Random, home: Address) -> str:
    if home.district.code.startswith("4205") and rng.random() < 0.12:
        return "15"  # 土家族: 长阳 and 五峰 are 土家族 autonomous counties of 宜昌
    roll = rng.random()
    for code, share in (("03", 0.015), ("11", 0.008), ("06", 0.006), ("02", 0.004)):
        if roll < share:
            return code
        roll -= share
    return "01"


def _landline(rng: random.Random, address: Address) -> str:
    city = address.district.city
    local = rng.choice(city.local_first) + "".join(rng.choice("0123456789")
                                                   for _ in range(city.local_digits - 1))
    return f"{city.area_code}-{local}"


def _contact(rng: random.Random, birth: dt.date, home: Address) -> tuple[str | None, str | None]:
    age = (REFERENCE_DATE - birth).days // 365
    if age < 12:
        return mobile_number(rng), None  # a guardian's mobile
    if age > 75 and rng.random() < 0.5:
        return None, _landline(rng, home)
    return mobile_number(rng), (_landline(rng, home) if rng.random() < 0.1 else None)


class PersonFactory:
    def __init__(self, rng: random.Random, pools: NamePools) -> None:
        self.rng = rng
        self.pools = pools
        self.people: list[Person] = []
        self.used_ids: set[str] = set()

    def _id(self, home: Address, birth: dt.date, male: bool, sequence: int | None = None) -> str:
        region = id_region(home.district, birth.year)
        while True:
            number = citizen_id(region, birth, sequence or sequence_for(self.rng, male))
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number
            sequence = None

    def add(self, *, name: str | None = None, male: bool | None = None,
            birth: dt.date | None = None, home: Address | None = None, ethnicity: str | None = None,
            group: str = "", sequence: int | None = None, mobile: str | None = None,
            residence: Address | None = None) -> Person:
        rng = self.rng
        male = rng.random() < 0.5 if male is None else male
        birth = birth or random_birth(rng)
        home = home or random_address(rng).with_home(rng)
        if residence is None:
            residence = home if rng.random() < 0.7 else random_address(rng).with_home(rng)
        own_mobile, landline = _contact(rng, birth, home)
        person = Person(
            entity_id=f"P{len(self.people) + 1:05d}",
            name=name or self.pools.full_name(rng, male, birth.year),
            male=male,
            birth=birth,
            ethnicity=ethnicity or _ethnicity(rng, home),
            citizen_id=self._id(home, birth, male, sequence),
            mobile=mobile or own_mobile,
            landline=landline,
            home=home,
            residence=residence,
            group=group,
        )
        self.people.append(person)
        return person


def make_people(rng: random.Random, pools: NamePools, count: int = 600, *,
                common_names: tuple[tuple[str, bool, int], ...] = COMMON_NAMES, twins: int = 4,
                father_son: int = 3) -> list[Person]:
    """``count`` true persons; the hard-negative groups are spread among ordinary people. The
    defaults are the samples'; benchmarks scale the groups up."""
    factory = PersonFactory(rng, pools)
    plans: list[tuple[str, int]] = [("common", i) for i in range(sum(n for *_, n in common_names))]
    plans += [("twins", i) for i in range(twins)] + [("father_son", i) for i in range(father_son)]
    plans += [("middle_dot", i) for i in range(len(MIDDLE_DOT_NAMES))]
    special_people = len(plans) + twins + father_son  # twins and father/son plans add two persons each
    plans += [("ordinary", 0)] * (count - special_people)
    rng.shuffle(plans)
    common = [(name, male) for name, male, n in common_names for _ in range(n)]
    for kind, i in plans:
        if kind == "common":
            name, male = common[i]
            factory.add(name=name, male=male, group=f"common_name:{name}")
        elif kind == "twins":
            _add_twins(factory, i)
        elif kind == "father_son":
            _add_father_and_son(factory, i)
        elif kind == "middle_dot":
            name, male = MIDDLE_DOT_NAMES[i]
            factory.add(name=name, male=male, ethnicity="05", group="middle_dot_name")
        else:
            factory.add()
    return factory.people


def _add_twins(factory: PersonFactory, i: int) -> None:
    """Same birth date, same flat, consecutive sequence numbers; similar or different names.
    Young twins share their guardian's mobile."""
    rng, pools = factory.rng, factory.pools
    kind = i % 4  # the samples have one pair of each kind; benchmarks repeat them
    year = rng.randint(2008, 2019) if kind < 2 else rng.randint(1975, 1998)
    birth = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
    home = random_address(rng).with_home(rng)
    surname = rng.choice(pools.surnames)
    first_male = rng.random() < 0.5
    second_male = first_male if i % 2 == 0 else not first_male
    shared = rng.choice(pools.male_given if first_male else pools.female_given)[0]
    names = [surname + shared + rng.choice(pools.male_given if m else pools.female_given)[-1]
             for m in (first_male, second_male)]
    if kind == 3:  # different given names altogether
        names[1] = surname + pools.given_name(rng, second_male, year)
    pool = pools.male_given if second_male else pools.female_given
    while names[0] == names[1] or names[1][-1] == names[1][-2]:
        names[1] = names[1][:-1] + rng.choice(pool)[-1]
    sequence = sequence_for(rng, first_male)
    first = factory.add(name=names[0], male=first_male, birth=birth, home=home,
                        group=f"twins:{i}", sequence=sequence)
    factory.add(name=names[1], male=second_male, birth=birth, home=home, group=f"twins:{i}",
                sequence=sequence + (2 if second_male == first_male else 1),
                mobile=first.mobile if kind < 2 else None, residence=first.residence)


def _add_father_and_son(factory: PersonFactory, i: int) -> None:
    """A father and his son, both 男, same name, same flat; different birth dates and IDs."""
    rng, pools = factory.rng, factory.pools
    father_birth = dt.date(rng.randint(1948, 1970), rng.randint(1, 12), rng.randint(1, 28))
    son_birth = dt.date(father_birth.year + rng.randint(24, 32), rng.randint(1, 12),
                        rng.randint(1, 28))
    name = pools.full_name(rng, True, father_birth.year)
    home = random_address(rng).with_home(rng)
    father = factory.add(name=name, male=True, birth=father_birth, home=home,
                         group=f"father_son:{i}")
    factory.add(name=name, male=True, birth=son_birth, home=home, group=f"father_son:{i}",
                residence=father.residence)
