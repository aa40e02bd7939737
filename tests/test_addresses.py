"""Address parsing, completion and the standard form; the division helpers behind them."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from chutian_mdm.standardize import addresses, divisions

# text -> (standard form, division code, parts that must be recognised)
CASES = [
    ("武汉市洪山区卓刀泉路303号", "湖北省武汉市洪山区卓刀泉路303号", "420111",
     {"road": "卓刀泉路", "door_number": "303号"}),
    ("湖北省武汉市武昌区中山路九百六十三号", "湖北省武汉市武昌区中山路963号", "420106", {"door_number": "963号"}),
    ("武汉市江夏区文化大道一百零三号", "湖北省武汉市江夏区文化大道103号", "420115", {"door_number": "103号"}),
    ("湖北省武汉市江岸区解放大道十二号", "湖北省武汉市江岸区解放大道12号", "420102", {"door_number": "12号"}),
    ("洪山区珞喻路22-1-2504", "湖北省武汉市洪山区珞喻路22栋1单元2504室", "420111",
     {"building": "22栋", "unit": "1单元", "room": "2504室"}),
    ("湖北省武汉市洪山区珞喻路129号22-1-2504", "湖北省武汉市洪山区珞喻路129号22栋1单元2504室", "420111",
     {"door_number": "129号", "building": "22栋", "unit": "1单元", "room": "2504室"}),
    ("武漢市洪山區雄楚大道４９８號", "湖北省武汉市洪山区雄楚大道498号", "420111", {"road": "雄楚大道"}),
    ("湖北省 武汉市 硚口区 沿河大道 30号 4栋", "湖北省武汉市硚口区沿河大道30号4栋", "420104", {"building": "4栋"}),
    ("樊城区中原路53号", "湖北省襄阳市樊城区中原路53号", "420606", {"province": "湖北省", "city": "襄阳市"}),
    ("襄阳市襄城区古城街道桂园社区荆州街254号30栋", "湖北省襄阳市襄城区荆州街254号30栋", "420602",
     {"township": "古城街道", "community": "桂园社区", "road": "荆州街"}),
    ("湖北省宜昌市伍家岗区伍家乡夷陵大道303號", "湖北省宜昌市伍家岗区夷陵大道303号", "420503", {"township": "伍家乡"}),
    ("湖北省宜昌市宜都市陆城街道百花社区长江大道57号16幢1单元2704户", "湖北省宜昌市宜都市长江大道57号16栋1单元2704室",
     "420581", {"county": "宜都市", "township": "陆城街道", "community": "百花社区"}),
    ("湖北省武汉市武昌区首义路街道彭刘杨路297号8栋", "湖北省武汉市武昌区彭刘杨路297号8栋", "420106",
     {"township": "首义路街道", "road": "彭刘杨路"}),
    ("湖北武汉洪山区珞喻路1号", "湖北省武汉市洪山区珞喻路1号", "420111", {"province": "湖北省", "city": "武汉市"}),
    ("仙桃市钱沟路8号", "湖北省仙桃市钱沟路8号", "429004", {"city": None, "county": "仙桃市"}),
    ("北京市东城区东华门街道1号", "北京市东城区东华门街道1号", "110101", {"province": "北京市", "county": "东城区"}),
    ("武汉市汉　阳区龙阳大道104号", "湖北省武汉市汉阳区龙阳大道104号", "420105", {}),
]


@pytest.mark.parametrize(("text", "standard", "code", "parts"), CASES, ids=[c[0] for c in CASES])
def test_addresses_parse_into_parts_and_a_complete_standard_form(text: str, standard: str, code: str,
                                                                  parts: dict[str, str | None]) -> None:
    parsed = addresses.parse(text)
    assert parsed.standard() == standard
    assert parsed.division_code == code
    for name, value in parts.items():
        assert parsed.part(name) == value, name
    assert parsed.key() == f"{code}|{standard.split(divisions.region(code).full_name, 1)[1]}"  # type: ignore[union-attr]


def test_missing_province_and_city_are_completed_from_the_county() -> None:
    parsed = addresses.parse("江岸区一元街道胜利街56号")
    assert (parsed.province, parsed.city, parsed.county) == ("湖北省", "武汉市", "江岸区")
    assert set(parsed.completed) == {"province", "city"}


def test_a_township_ending_in_xiangzhen_is_not_cut_at_its_xiang() -> None:
    """分乡镇 is a 镇 whose name holds 乡: the road after it keeps its own name."""
    parsed = addresses.parse("湖北省宜昌市夷陵区分乡镇夷兴大道677号22栋4单元2103室")
    assert (parsed.township, parsed.road) == ("分乡镇", "夷兴大道")
    assert parsed.key() == "420506|夷兴大道677号22栋4单元2103室"
    assert addresses.parse("宜昌市伍家岗区伍家乡夷陵大道303号").township == "伍家乡"


def test_a_road_named_after_a_city_is_not_taken_for_the_city() -> None:
    parsed = addresses.parse("襄阳路12号")
    assert parsed.city is None and parsed.division_code is None
    assert (parsed.road, parsed.door_number) == ("襄阳路", "12号")
    assert parsed.key() is None  # nothing to block on without a division


def test_an_address_without_a_county_is_completed_from_a_division_code_beside_it() -> None:
    parsed = addresses.parse("友谊大道166号15栋")
    completed = addresses.complete_with(parsed, "420107")
    assert completed.standard() == "湖北省武汉市青山区友谊大道166号15栋"
    # 青山区 exists in 武汉 and 包头: the text alone cannot say which, the code can
    ambiguous = addresses.parse("青山区建设一路7号")
    assert ambiguous.county == "青山区" and ambiguous.division_code is None
    assert addresses.complete_with(ambiguous, "420107").standard() == "湖北省武汉市青山区建设一路7号"
    # a code elsewhere never overrides what the text says
    assert addresses.complete_with(addresses.parse("洪山区珞喻路1号"), "420502").division_code == "420111"


@pytest.mark.parametrize(("numeral", "number"), [
    ("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("四十一", 41), ("一百零三", 103), ("九百六十三", 963),
    ("一千零五", 1005), ("两千三百", 2300), ("一零三", 103), ("二三十", None), ("十百", None),
])
def test_chinese_numerals_in_door_numbers(numeral: str, number: int | None) -> None:
    assert addresses.chinese_numeral(numeral) == number


@pytest.mark.parametrize(("part", "given", "normal"), [
    ("door_number", "206", "206号"), ("door_number", "２０６号", "206号"), ("building", "20幢", "20栋"),
    ("building", "18", "18栋"), ("building", "3号楼", "3栋"), ("unit", "1", "1单元"), ("room", "2704", "2704室"),
    ("room", "1202室", "1202室"), ("city", "武汉", "武汉市"), ("province", "湖北", "湖北省"),
    ("county", "洪山区", "洪山区"),
])
def test_components_given_in_their_own_columns_are_written_the_standard_way(part: str, given: str,
                                                                            normal: str) -> None:
    assert addresses.normalize_component(part, given) == normal


def test_address_field_keeps_the_text_and_derives_standard_form_and_division() -> None:
    result = addresses.address(" 武汉市 洪山区卓刀泉路三百零三号 ")
    assert result.value == "武汉市洪山区卓刀泉路三百零三号"
    assert result.derived == {"standard": "湖北省武汉市洪山区卓刀泉路303号", "division": "420111"}


def test_division_helpers_give_the_hierarchy_of_any_code_and_codes_of_names() -> None:
    region = divisions.region("420111")
    assert region is not None
    assert (region.province_code, region.province, region.city_code, region.city, region.county) == \
        ("420000", "湖北省", "420100", "武汉市", "洪山区")
    assert region.full_name == "湖北省武汉市洪山区" and region.level == "county"
    direct = divisions.region("429004")  # governed directly by the province
    assert direct is not None and direct.city is None and direct.full_name == "湖北省仙桃市"
    assert divisions.name_of("429004") == "湖北省仙桃市"
    assert divisions.region("999999") is None
    assert divisions.find_codes("武汉") == ["420100"]
    assert divisions.find_codes("洪山区") == ["420111"]
    assert set(divisions.find_codes("青山区")) == {"420107", "150204"}
    assert divisions.find_codes("青山区", within="420000") == ["420107"]
    assert divisions.find_codes("恩施") == ["422800"]
    assert divisions.short_name("恩施土家族苗族自治州") == "恩施"
    assert divisions.short_name("广西壮族自治区") == "广西"


_address_text = st.text(
    alphabet="湖北省武汉市洪山区江岸襄阳路街道社区村号栋幢单元室户一二十百零0123456789-－ 　號", max_size=40)


@settings(max_examples=300, deadline=None)
@given(_address_text)
@example("一村一村0街")  # a road that begins like a community after a community
def test_address_parsing_never_raises_and_the_standard_form_is_a_fixed_point(value: str) -> None:
    parsed = addresses.parse(value)
    standard = parsed.standard()
    if standard is not None:
        again = addresses.parse(standard)
        assert again.standard() == standard
        assert again.division_code == parsed.division_code
    result = addresses.address(value)
    if result.value is not None:
        assert addresses.address(result.value).value == result.value


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["door_number", "building", "unit", "room", "province", "city", "county", "road"]),
       st.text(alphabet="0123456789号栋幢单元室户武汉市湖北省洪山区１２", max_size=12))
def test_component_normalisation_is_idempotent(part: str, value: str) -> None:
    once = addresses.normalize_component(part, value)
    if once is not None:
        assert addresses.normalize_component(part, once) == once
