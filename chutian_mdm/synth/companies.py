"""The true legal entities behind the 法人 samples, and how departments write their fields.

Branches (…有限公司宜昌分公司) are entities of their own, distinct from their parent; the same
trade name registered in different cities is different companies. Legal representatives are
persons of the population samples (same citizen ID), so cross-domain links exist.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace

from .addresses import Address, address_variant, random_address
from .dirt import (
    Dirt,
    dirty_person_name,
    format_date,
    format_datetime,
    format_landline,
    format_mobile,
    fullwidth,
    homophone,
    random_datetime,
    spaced,
    traditional,
)
from .ids import dirty_citizen_id, organisation_code, unified_social_credit_code, with_wrong_check
from .output import REFERENCE_DATE
from .people import Person
from .pools import mobile_number
from .regions import CITIES, DISTRICTS, District

TRADE_CHARS = "鸿瑞泰华鑫恒楚汉荆博远达通盛源宏诚信嘉和安康宇天锦峰辰佳润昌隆兴旺星晨智联创德福丰益航骏凯卓越云帆睿"
# (industry word, GB/T 4754-2017 code)
INDUSTRIES = (
    ("科技", "I6513"), ("信息技术", "I6531"), ("商贸", "F5199"), ("建设工程", "E4790"),
    ("餐饮管理", "H6210"), ("物流", "G5821"), ("置业", "K7010"), ("医药", "F5151"),
    ("汽车零部件", "C3670"), ("光电", "C3976"), ("旅游", "L7271"), ("化工", "C2614"),
    ("装饰工程", "E5011"), ("酒店管理", "H6110"), ("超市", "F5212"),
)
# (name, GB/T 4754-2017 code)
INSTITUTIONS = (("社区卫生服务中心", "Q8421"), ("疾病预防控制中心", "Q8431"),
                ("综合文化服务中心", "R8870"), ("不动产登记中心", "S922"), ("劳动就业服务中心", "S922"),
                ("政务服务中心", "S922"), ("机关事务服务中心", "S922"))
SOCIAL_ORGS = (("餐饮行业协会", "S9522"), ("个体劳动者协会", "S9522"), ("物流行业协会", "S9522"),
               ("书法家协会", "S9521"), ("老年体育协会", "S9521"))
STATUSES = (("存续", 70), ("在业", 10), ("注销", 10), ("吊销", 5), ("迁出", 5))


@dataclass
class Company:
    entity_id: str
    name: str
    kind: str  # company | branch | institution | social_organisation
    uscc: str
    org_code: str
    district: District
    address: Address
    established: dt.date
    capital_wan: int | None
    status: str
    industry: str
    representative: Person
    phone: str
    parent: str = ""  # entity_id of the parent company, for branches
    city_form: str = ""  # "city", "bracket" or "province": how the place is in the name


# kind -> (registering authority and entity type, prefix of organisation codes issued since 2015)
_USCC_KINDS = {"company": ("91", "MA4"), "branch": ("91", "MA4"), "institution": ("12", "MB"),
               "social_organisation": ("51", "MJ")}


def _uscc(rng: random.Random, kind: str, division: str, modern: bool) -> tuple[str, str]:
    authority, org_prefix = _USCC_KINDS[kind]
    org = organisation_code(rng, modern, org_prefix)
    return unified_social_credit_code(authority, division, org), org


def make_companies(rng: random.Random, people: list[Person], count: int = 300, *, shared_trade_names: int = 8,
                   public_bodies: int = 30) -> list[Company]:
    """``count`` legal entities: companies (about 6 % with a branch in another city; the first
    ``shared_trade_names`` trade names used by companies in two or three cities), then
    ``public_bodies`` institutions and social organisations (their names are few: keep it small)."""
    adults = [p for p in people if p.birth.year <= 2000]
    companies: list[Company] = []
    used_names: set[str] = set()

    def new(kind: str, name: str, district: District, **extra: object) -> Company:
        established = REFERENCE_DATE - dt.timedelta(days=int(rng.betavariate(1.5, 3) * 12000) + 20)
        uscc, org = _uscc(rng, kind, district.city.code if rng.random() < 0.4 else district.code,
                          established.year >= 2015)
        address = random_address(rng, district)
        city = district.city
        phone = (f"{city.area_code}-{rng.choice(city.local_first)}"
                 f"{rng.randrange(10 ** (city.local_digits - 1)):0{city.local_digits - 1}d}"
                 if rng.random() < 0.6 else mobile_number(rng))
        status = rng.choices([s for s, _ in STATUSES], [w for _, w in STATUSES])[0]
        company = Company(
            entity_id=f"L{len(companies) + 1:04d}", name=name, kind=kind, uscc=uscc, org_code=org,
            district=district, address=address, established=established,
            capital_wan=rng.choice((10, 50, 100, 200, 300, 500, 1000, 2000, 5000)),
            status=status, industry="", representative=rng.choice(adults), phone=phone)
        for key, value in extra.items():
            setattr(company, key, value)
        companies.append(company)
        used_names.add(name)
        return company

    def trade_name() -> str:
        return "".join(rng.sample(TRADE_CHARS, 2))

    def company_name(trade: str, industry: str, district: District, form: str) -> str:
        org_form = rng.choices(("有限公司", "股份有限公司", "有限责任公司"), (75, 10, 15))[0]
        short = district.city.short
        if form == "bracket":
            return f"{trade}（{short}）{industry}{org_form}"
        return f"{'湖北' if form == 'province' else short}{trade}{industry}{org_form}"

    groups = shared_trade_names  # trade names used by companies in two or three cities
    while len(companies) < count - public_bodies:
        trade = trade_name()
        industry, code = rng.choice(INDUSTRIES)
        cities = rng.sample(list(CITIES), rng.choice((2, 3))) if groups > 0 else [None]
        groups -= 1
        for city in cities:
            district = _district_in(rng, city)
            form = "city" if city else rng.choices(("city", "bracket", "province"), (70, 20, 10))[0]
            name = company_name(trade, industry, district, form)
            if name in used_names:
                continue
            parent = new("company", name, district, industry=code, city_form=form)
            if rng.random() < 0.06 and len(companies) < count - public_bodies:
                branch_district = _district_in(rng, rng.choice([c for c in CITIES
                                                                 if c != district.city.code]))
                new("branch", f"{name}{branch_district.city.short}分公司", branch_district,
                    industry=code, parent=parent.entity_id, capital_wan=None,
                    status=rng.choice(("存续", "存续", "注销")))
    while len(companies) < count:
        district = _district_in(rng, None)
        kind = "institution" if len(companies) % 3 else "social_organisation"
        word, code = rng.choice(INSTITUTIONS if kind == "institution" else SOCIAL_ORGS)
        name = district.city.name + district.name + word
        if name not in used_names:
            new(kind, name, district, industry=code, capital_wan=None, status="存续")
    return companies


def _district_in(rng: random.Random, city: str | None) -> District:
    candidates = [d for d in DISTRICTS if city is None or d.city.code == city]
    return rng.choices(candidates, [d.weight for d in candidates])[0]


def name_variant(company: Company, dirt: Dirt, rate: float) -> str:
    """The company's name as one department writes it."""
    name = company.name
    if company.kind not in ("company", "branch"):
        return spaced(name, dirt.rng) if dirt.roll(0.02 * rate) else name
    if "股份有限公司" not in name and dirt.roll(0.12 * rate):
        swapped = (name.replace("有限责任公司", "有限公司", 1) if "有限责任公司" in name
                   else name.replace("有限公司", "有限责任公司", 1))
        if swapped != name:
            name = swapped
            dirt.mark("name_org_form_variant")
    short = company.district.city.short
    if company.city_form == "city" and name.startswith(short):
        if dirt.roll(0.08 * rate):
            name = f"{short}市{name[len(short):]}"
            dirt.mark("name_city_with_shi")
        elif dirt.roll(0.05 * rate):
            name = f"（{short}）{name[len(short):]}"
            dirt.mark("name_city_in_brackets")
    if "（" in name and dirt.roll(0.3):
        name = name.replace("（", "(").replace("）", ")")
        dirt.mark("name_halfwidth_brackets")
    if dirt.roll(0.02 * rate) and (typo := homophone(name, dirt.rng)):
        name = typo
        dirt.mark("name_homophone")
    if dirt.roll(0.03 * rate) and (trad := traditional(name)) != name:
        name = trad
        dirt.mark("name_traditional")
    if dirt.roll(0.02 * rate):
        name = spaced(name, dirt.rng)
        dirt.mark("name_spaces")
    return name


def uscc_variant(company: Company, dirt: Dirt, rate: float) -> str:
    code = company.uscc
    if dirt.roll(0.03 * rate):
        code = with_wrong_check(code, dirt.rng)
        dirt.mark("uscc_bad_check_char")
    if dirt.roll(0.01 * rate) and code != code.lower():
        code = code.lower()
        dirt.mark("uscc_lowercase")
    elif dirt.roll(0.01 * rate):
        code = fullwidth(code)
        dirt.mark("uscc_fullwidth")
    elif dirt.roll(0.01 * rate):
        code = f"{code[:2]} {code[2:8]} {code[8:17]} {code[17]}"
        dirt.mark("uscc_spaces")
    return code


def capital_text(capital_wan: int | None, style: str, dirt: Dirt) -> str | None:
    if capital_wan is None:
        return None
    if style == "wan":
        return dirt.rng.choice((f"{capital_wan}万元", f"{capital_wan}万人民币", f"{capital_wan}万元人民币"))
    if style == "yuan":
        dirt.mark("capital_in_yuan")
        return f"{capital_wan * 10000}元"
    dirt.mark("capital_without_unit")
    return dirt.rng.choice((str(capital_wan), f"{capital_wan}.00"))


def phone_text(phone: str, dirt: Dirt) -> str:
    if "-" in phone:
        area, local = phone.split("-")
        return format_landline(area, local, dirt.rng)
    text, kind = format_mobile(phone, dirt.rng)
    if kind:
        dirt.mark(kind)
    return text


def representative(company: Company, dirt: Dirt, rate: float, with_id: bool) -> dict[str, str | None]:
    person = company.representative
    out: dict[str, str | None] = {"legal_representative": dirty_person_name(person.name, dirt, rate)}
    if with_id:
        if dirt.roll(0.05):
            dirt.mark("legal_representative_id_missing")
            out["legal_representative_id"] = None
        else:
            out["legal_representative_id"] = dirty_citizen_id(person.citizen_id, person.birth.year,
                                                               dirt, rate)
    return out


def address_text(company: Company, dirt: Dirt, rate: float, keep_province: float) -> str:
    return address_variant(company.address, dirt, keep_province=keep_province, keep_city=0.85,
                           with_township=0.15, rate=rate)


def updated_at(company: Company, dirt: Dirt, style: str) -> str:
    start = max(dt.datetime(2020, 1, 1), dt.datetime.combine(company.established, dt.time(9)))
    return format_datetime(random_datetime(dirt.rng, start, dt.datetime(2026, 10, 31, 18)), style)


def established_text(company: Company, dirt: Dirt, styles: tuple[str, ...]) -> str:
    style = dirt.rng.choice(styles)
    if style != "iso":
        dirt.mark(f"established_date_as_{style}")
    return format_date(company.established, style)


def moved(company: Company, rng: random.Random) -> Company:
    """The same company after moving house (for a second record in one department)."""
    return replace(company, address=random_address(rng, company.district))
