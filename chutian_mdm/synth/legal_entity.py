"""法人 samples: the same ~300 legal entities in market regulation, tax and statistics files."""

from __future__ import annotations

import random
from collections.abc import Callable

from .companies import (
    Company,
    address_text,
    capital_text,
    established_text,
    make_companies,
    moved,
    name_variant,
    phone_text,
    representative,
    updated_at,
    uscc_variant,
)
from .dirt import Dirt
from .ids import taxpayer_number_15
from .output import Draft, Record, SourceFile
from .people import Person

__all__ = ["generate_legal_entities"]

_SHARES = {"market_regulation": 0.72, "tax": 0.68, "statistics": 0.46}
_DUPLICATE = {"market_regulation": 0.02, "tax": 0.05, "statistics": 0.04}
_FORMATS = {"market_regulation": "csv", "tax": "parquet", "statistics": "csv"}

_MR_STATUS = {"存续": ("存续（在营、开业、在册）", "存续（在营、开业、在册）", "在营（开业）", "存续"),
              "在业": ("在业",), "注销": ("注销",), "吊销": ("吊销，未注销", "吊销"), "迁出": ("迁出",)}
_TAX_STATUS = {"存续": ("正常",), "在业": ("正常",), "注销": ("注销", "已注销"), "吊销": ("非正常",),
               "迁出": ("已迁出",)}


def generate_legal_entities(seed: int, people: list[Person], count: int = 300, **scale: int
                            ) -> tuple[list[Company], list[SourceFile]]:
    """The true legal entities and the three departments' files; ``count`` and ``scale`` (see
    :func:`make_companies`) size it up for benchmarks."""
    rng = random.Random(f"legal_entity/{seed}")
    companies = make_companies(rng, people, count, **scale)
    membership = {c.entity_id: _sources_of(c, rng) for c in companies}
    builders: dict[str, Callable[[Company, Dirt, bool], Record]] = {
        "market_regulation": _market_regulation, "tax": _tax, "statistics": _statistics}
    files = []
    for source, build in builders.items():
        dirt = Dirt(random.Random(f"legal_entity/{seed}/{source}"))
        drafts = []
        for company in companies:
            if source not in membership[company.entity_id]:
                continue
            drafts.append(Draft(build(company, dirt, False), company.entity_id))
            if dirt.roll(_DUPLICATE[source]):
                twin = moved(company, dirt.rng) if dirt.roll(0.5) else company
                drafts.append(Draft(build(twin, dirt, True), company.entity_id))
                dirt.mark("duplicate_in_file")
        drafts += _bait(source, companies, membership, build, dirt)
        files.append(_assemble(source, drafts, dirt))
    return companies, files


def _sources_of(company: Company, rng: random.Random) -> set[str]:
    if company.kind in ("institution", "social_organisation"):
        return {"statistics"} | ({"tax"} if rng.random() < 0.4 else set())
    sources = {s for s, share in _SHARES.items() if rng.random() < share}
    return sources or {"market_regulation"}


def _assemble(source: str, drafts: list[Draft], dirt: Dirt) -> SourceFile:
    dirt.rng.shuffle(drafts)
    file = SourceFile("legal_entity", source, _FORMATS[source], dirt=dirt.counts)
    seen: set[str] = set()
    number = 0
    for draft in drafts:
        number += dirt.rng.randint(1, 5)
        record_id = draft.record.pop("source_record_id", None) or (
            f"ML{number:010d}" if source == "statistics" else f"4200{number:011d}")
        if record_id in seen:
            raise AssertionError(f"{source}: duplicate record id {record_id}")
        seen.add(record_id)
        file.add(draft, record_id)
    return file


def _missing(dirt: Dirt, field: str, rate: float) -> bool:
    if dirt.roll(rate):
        dirt.mark(f"{field}_missing")
        return True
    return False


def _market_regulation(company: Company, dirt: Dirt, again: bool) -> Record:
    rng = dirt.rng
    if company.kind == "branch":
        entity_type = "有限责任公司分公司(自然人投资或控股)"
    elif "股份" in company.name:
        entity_type = rng.choice(("股份有限公司", "股份有限公司(非上市、自然人投资或控股)"))
    else:
        entity_type = rng.choice(("有限责任公司", "有限责任公司", "有限责任公司(自然人投资或控股)",
                                  "有限责任公司（自然人独资）"))
    city = company.district.city
    authority = (f"{city.name}{company.district.name}市场监督管理局" if rng.random() < 0.7
                 else f"{city.name}市场监督管理局")
    return {
        "uscc": uscc_variant(company, dirt, 0.6),
        "name": name_variant(company, dirt, 0.5),
        "entity_type": entity_type,
        **representative(company, dirt, 0.5, with_id=True),
        "registered_address": address_text(company, dirt, 0.5, keep_province=0.8),
        "division_code": company.district.code,
        "industry_code": company.industry,
        "established_date": established_text(company, dirt, ("iso",) * 9 + ("compact",)),
        "registered_capital": capital_text(company.capital_wan, "wan", dirt),
        "status": rng.choice(_MR_STATUS[company.status]),
        "registration_authority": authority,
        "phone": None if _missing(dirt, "phone", 0.1) else phone_text(company.phone, dirt),
        "updated_at": updated_at(company, dirt, "space"),
    }


def _tax(company: Company, dirt: Dirt, again: bool) -> Record:
    rng = dirt.rng
    if again:  # a second, temporary registration of the same taxpayer
        record_id = company.uscc + "01"
    elif company.established.year < 2015 and rng.random() < 0.3:
        record_id = taxpayer_number_15(company.uscc[2:8], company.org_code)  # pre-2015 number
    else:
        record_id = company.uscc
    if company.kind == "institution":
        entity_type = "事业单位"
    elif company.kind == "social_organisation":
        entity_type = "社会团体"
    else:
        entity_type = rng.choice(("有限责任公司", "私营有限责任公司", "其他有限责任公司")
                                 if "股份" not in company.name else ("股份有限公司", "私营股份有限公司"))
    industry = company.industry
    if dirt.roll(0.15):
        industry = industry[1:]
        dirt.mark("industry_code_without_section")
    division = company.district.code
    if dirt.roll(0.3):
        division = division[:4] + "00"
        dirt.mark("division_city_level")
    operating = moved(company, rng) if rng.random() < 0.15 else company
    capital_style = rng.choices(("wan", "yuan", "plain"), (50, 30, 20))[0]
    return {
        "source_record_id": record_id,
        "uscc": None if _missing(dirt, "uscc", 0.01) else uscc_variant(company, dirt, 1.0),
        "name": name_variant(company, dirt, 1.0),
        "entity_type": entity_type,
        **representative(company, dirt, 1.0, with_id=True),
        "registered_address": address_text(operating, dirt, 1.0, keep_province=0.5),
        "division_code": division,
        "industry_code": industry,
        "established_date": established_text(company, dirt, ("compact", "iso", "iso", "slash")),
        "registered_capital": capital_text(company.capital_wan, capital_style, dirt),
        "status": rng.choice(_TAX_STATUS[company.status]),
        "phone": None if _missing(dirt, "phone", 0.05) else phone_text(company.phone, dirt),
        "updated_at": updated_at(company, dirt, rng.choice(("compact", "space"))),
    }


def _statistics(company: Company, dirt: Dirt, again: bool) -> Record:
    entity_type = {"company": "企业法人", "branch": "产业活动单位", "institution": "事业法人",
                   "social_organisation": "社会团体"}[company.kind]
    division = company.district.code
    if dirt.roll(0.3):
        division += "000000"
        dirt.mark("division_code_12_digits")
    industry = company.industry
    if dirt.roll(0.2):
        industry = industry[:3]
        dirt.mark("industry_code_coarse")
    return {
        "uscc": None if _missing(dirt, "uscc", 0.06) else uscc_variant(company, dirt, 1.0),
        "name": name_variant(company, dirt, 1.2),
        "entity_type": entity_type,
        **representative(company, dirt, 1.0, with_id=False),
        "registered_address": address_text(company, dirt, 1.0, keep_province=0.5),
        "division_code": division,
        "industry_code": industry,
        "established_date": established_text(company, dirt, ("chinese", "iso", "dotted")),
        "phone": None if _missing(dirt, "phone", 0.15) else phone_text(company.phone, dirt),
        "updated_at": updated_at(company, dirt, "date"),
    }


def _bait(source: str, companies: list[Company], membership: dict[str, set[str]],
          build: Callable[[Company, Dirt, bool], Record], dirt: Dirt) -> list[Draft]:
    """One record per file that ingest must quarantine (an extra record of a listed entity)."""
    candidates = [c for c in companies if source in membership[c.entity_id] and c.kind == "company"]
    company = dirt.rng.choice(candidates)
    record = build(company, dirt, True)
    record.pop("source_record_id", None)
    year = company.established.year
    if source == "market_regulation":
        record["name"] = ""
        bait = ("name", "required_missing", "empty 企业名称")
    elif source == "tax":
        record["source_record_id"] = company.uscc + "99"
        record["established_date"] = f"{year}-02-30"
        bait = ("established_date", "date_invalid", "30 February")
    else:
        record["established_date"] = f"{year}年13月1日"
        bait = ("established_date", "date_invalid", "month 13")
    dirt.mark("quarantine_bait")
    return [Draft(record, company.entity_id, bait)]
