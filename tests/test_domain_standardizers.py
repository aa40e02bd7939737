"""Coordinates, company names and taxpayer numbers, indicators: the pure parts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chutian_mdm.domains.indicators import catalog
from chutian_mdm.standardize import geo, ids, orgs

# The public reference pair of the GCJ-02 formula (published with the coordtransform /
# eviltransform implementations): WGS-84 (116.404, 39.915) -> GCJ-02 (116.41024449916938, 39.91640428150164);
# GCJ-02 (116.404, 39.915) -> BD-09 (116.41036949371029, 39.92133699351021).
BEIJING_WGS84 = (116.404, 39.915)
BEIJING_GCJ02 = (116.41024449916938, 39.91640428150164)
GCJ02_POINT, ITS_BD09 = (116.404, 39.915), (116.41036949371029, 39.92133699351021)


def test_gcj02_converts_back_to_the_published_wgs84_point() -> None:
    lon, lat = geo.gcj02_to_wgs84(*BEIJING_GCJ02)
    assert lon == pytest.approx(BEIJING_WGS84[0], abs=1e-9)
    assert lat == pytest.approx(BEIJING_WGS84[1], abs=1e-9)


def test_bd09_converts_to_wgs84_through_the_published_gcj02_point() -> None:
    assert geo.bd09_to_wgs84(*ITS_BD09) == pytest.approx(geo.gcj02_to_wgs84(*GCJ02_POINT), abs=1e-9)


@pytest.mark.parametrize("point", [(114.305, 30.593), (111.286, 30.692), (112.122, 32.009), (87.6, 43.8)])
def test_gcj02_inverse_is_exact_to_well_under_a_metre(point: tuple[float, float]) -> None:
    from chutian_mdm.synth.addresses import wgs84_to_gcj02

    shifted = wgs84_to_gcj02(*point)
    assert abs(shifted[0] - point[0]) + abs(shifted[1] - point[1]) > 0.001  # hundreds of metres off
    assert geo.to_wgs84(*shifted, "GCJ02") == pytest.approx(point, abs=1e-8)  # ~1 mm


def test_wgs84_and_cgcs2000_coordinates_are_taken_as_they_are() -> None:
    assert geo.to_wgs84(114.3, 30.5, "WGS84") == (114.3, 30.5)
    assert geo.to_wgs84(114.3, 30.5, "CGCS2000") == (114.3, 30.5)
    assert geo.to_wgs84(114.3, 30.5, None) is None


def test_swapped_longitude_and_latitude_are_swapped_back_with_a_note() -> None:
    lon, lat, issues = geo.check_pair(30.609931, 114.365075)
    assert (lon, lat) == (114.365075, 30.609931)
    assert [i.code for i in issues] == ["coordinates_swapped"]
    assert geo.check_pair(114.3, 30.5) == (114.3, 30.5, ())
    lon, lat, issues = geo.check_pair(114.3, 60.0)
    assert (lon, lat) == (None, None) and [i.code for i in issues] == ["coordinate_invalid"]
    assert "latitude 60.0" in issues[0].message
    assert [i.code for i in geo.check_pair(114.3, None)[2]] == ["coordinate_invalid"]


def test_a_branch_never_shares_its_parents_key() -> None:
    parent = orgs.org_name("武汉恒智建设工程有限公司")
    branch = orgs.org_name("武汉恒智建设工程有限公司襄阳分公司")
    assert branch.derived["is_branch"] and not parent.derived["is_branch"]
    assert branch.derived["normalized"] != parent.derived["normalized"]
    assert branch.derived["normalized"] == "恒智建设工程襄阳分公司"


def test_the_same_trade_name_in_two_cities_keeps_its_city_apart() -> None:
    wuhan, yichang = orgs.org_name("武汉安瑞物流有限公司"), orgs.org_name("宜昌安瑞物流有限公司")
    assert wuhan.derived["normalized"] == yichang.derived["normalized"] == "安瑞物流"
    assert (wuhan.derived["region"], yichang.derived["region"]) == ("武汉市", "宜昌市")
    # one company written three ways has one key and one region
    variants = ["武汉安瑞物流有限公司", "武汉市安瑞物流有限责任公司", "安瑞物流（武汉）有限公司",
                "安瑞物流(武漢)有限公司"]
    assert {(orgs.org_name(v).derived["normalized"], orgs.org_name(v).derived["region"]) for v in variants} == \
        {("安瑞物流", "武汉市")}
    assert wuhan.derived["pinyin"] == "an rui wu liu"
    assert orgs.org_name("武汉大学").derived["region"] is None  # not a company: 武汉 is part of its name


def test_a_trade_name_that_is_also_a_city_stays_in_the_key_after_the_city_prefix() -> None:
    """宜昌市安康超市: 安康 is the trade name (安康市 lies in 陕西, not inside 宜昌市)."""
    variants = ["宜昌市安康超市有限公司", "宜昌安康超市有限公司", "（宜昌）安康超市有限公司",
                "湖北省宜昌市安康超市有限公司"]
    assert {(orgs.org_name(v).derived["normalized"], orgs.org_name(v).derived["region"]) for v in variants} == \
        {("安康超市", "宜昌市")}
    assert orgs.org_name("湖北省武汉市安瑞物流有限公司").derived["region"] == "武汉市"  # nested prefixes still go


@pytest.mark.parametrize(("number", "kind", "uscc", "org_code", "code"), [
    ("91420100MA4B58QRXG", "uscc", "91420100MA4B58QRXG", "MA4B58QRX", None),
    ("420100493692091", "legacy_15", None, "493692091", "taxpayer_id_legacy"),
    ("42010692919668X", "legacy_15", None, "92919668X", "taxpayer_id_legacy"),
    ("91420100MA4D26345Q01", "uscc_suffixed", "91420100MA4D26345Q", "MA4D26345", "taxpayer_id_suffixed"),
    ("91420100MA4B58QRX1", "other", None, None, "taxpayer_id_format"),
    ("12345", "other", None, None, "taxpayer_id_format"),
])
def test_taxpayer_numbers_are_recognised_not_garbage(number: str, kind: str, uscc: str | None, org_code: str | None,
                                                     code: str | None) -> None:
    result = ids.taxpayer_id(number)
    assert result.value == number
    assert result.derived == {"kind": kind, "uscc": uscc, "org_code": org_code}
    assert [i.code for i in result.issues] == ([code] if code else [])


def test_indicators_are_found_by_code_name_or_synonym() -> None:
    known = catalog()
    assert known.resolve("a01") is known.indicators["A01"]
    for name, code in [("GDP", "A01"), ("地区生产总值（GDP）", "A01"), ("地区生产总值(GDP)", "A01"),
                       ("社零总额", "A02"),
                       ("年末常住人口", "A03"), ("地方一般公共预算收入", "A04"), ("城镇常住居民人均可支配收入", "A05"),
                       ("GDP增速", "A06"), ("稅收收入", "T01")]:
        found = known.find(name)
        assert found is not None and found.code == code, name
    assert known.find("不存在的指标") is None
    a02 = known.indicators["A02"]
    assert (a02.unit, a02.unit_base, a02.unit_factor) == ("亿元", "元", Decimal(100_000_000))
    assert a02.is_cumulative("month") is False and a02.is_cumulative("quarter") is True
    assert known.indicators["A04"].is_cumulative("month") is True


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789ABCDMQXYZ-  ９１abc", max_size=24))
def test_taxpayer_numbers_never_raise_and_are_idempotent(value: str) -> None:
    once = ids.taxpayer_id(value)
    if once.value:
        assert ids.taxpayer_id(once.value).value == once.value


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="湖北省武汉市宜昌(武漢)（）安瑞物流有限责任公司分公司 　", max_size=30))
def test_company_name_normalisation_is_idempotent(value: str) -> None:
    once = orgs.org_name(value)
    if once.value is not None:
        again = orgs.org_name(once.value)
        assert again.value == once.value
        assert again.derived == once.derived
