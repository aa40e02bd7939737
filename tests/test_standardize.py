"""The pure standardisers: Chinese IDs, codes, dates, phones, names, units, divisions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chutian_mdm.ingest.fieldtypes import FIELD_TYPES
from chutian_mdm.standardize import codes, dates, divisions, geo, ids, orgs, phones, text, units

from .helpers import citizen_id, legacy_15, with_wrong_check_digit


def issue_codes(result) -> set[str]:
    return {issue.code for issue in result.issues}


def test_citizen_id_check_digit_follows_gb11643() -> None:
    assert ids.citizen_id("11010519491231002X").value == "11010519491231002X"  # the standard's example
    bad = ids.citizen_id("110105194912310021")
    assert bad.value is None and bad.derived["raw"] == "110105194912310021"
    assert issue_codes(bad) == {"citizen_id_checksum"}


def test_citizen_id_derives_birth_gender_and_region() -> None:
    result = ids.citizen_id(citizen_id(region="420106", birth="19900305", sequence="124"))
    assert result.derived["birth_date"] == dt.date(1990, 3, 5)
    assert result.derived["gender"] == "2"
    assert result.derived["region"] == "湖北省武汉市武昌区"


def test_fifteen_digit_id_is_upgraded_with_a_note() -> None:
    full = citizen_id(birth="19650712", sequence="031")
    result = ids.citizen_id(legacy_15(full))
    assert result.value == full
    assert "citizen_id_upgraded" in issue_codes(result)


def test_region_created_after_birth_is_a_note_not_an_error() -> None:
    result = ids.citizen_id(citizen_id(region="420115", birth="19800101"))  # 江夏区, from 1995
    assert result.value is not None
    assert issue_codes(result) == {"citizen_id_region_newer"}


@pytest.mark.parametrize("raw, code", [
    ("12345", "citizen_id_format"),
    ("42010619901345123A", "citizen_id_format"),
    ("420106199013451230", "citizen_id_birth_date"),
])
def test_unusable_ids_are_flagged_and_not_identifiers(raw: str, code: str) -> None:
    if code == "citizen_id_birth_date":
        raw = raw[:17] + ids.check_digit(raw)
    result = ids.citizen_id(raw)
    assert result.value is None
    assert code in issue_codes(result)


def test_wrong_check_digit_from_helpers_is_caught() -> None:
    assert ids.citizen_id(with_wrong_check_digit(citizen_id())).value is None


def test_uscc_check_character_follows_gb32100() -> None:
    good = ids.uscc("91420100MA43311E7P")
    assert good.value == "91420100MA43311E7P" and good.derived["division"] == "420100"
    assert issue_codes(ids.uscc("91420100MA43311E7Q")) == {"uscc_checksum"}
    assert issue_codes(ids.uscc("9142010686674166X999")) == {"uscc_format"}
    assert ids.uscc(" 91420100ma43311e7p ").value == "91420100MA43311E7P"


@pytest.mark.parametrize("raw", ["1990-03-05", "19900305", "1990/3/5", "1990.3.5", "1990年3月5日",
                                 "１９９０－０３－０５", "1990-03-05 00:00:00"])
def test_common_chinese_date_forms(raw: str) -> None:
    assert dates.parse_date(raw).value == dt.date(1990, 3, 5)


@pytest.mark.parametrize("raw, why", [("1990-13-45", "no month 13"), ("2019-02-29", "no day 29"),
                                      ("yesterday", "not a date")])
def test_impossible_dates_say_why(raw: str, why: str) -> None:
    result = dates.parse_date(raw)
    assert result.value is None and why in result.issues[0].message and raw in result.issues[0].message


def test_future_and_too_early_dates() -> None:
    assert issue_codes(dates.parse_date("2999-01-01")) == {"date_in_future"}
    assert issue_codes(dates.parse_date("1800-01-01")) == {"date_too_early"}


def test_datetimes_assume_china_time_unless_told() -> None:
    moment = dates.parse_datetime("2024-05-01 08:30:00").value
    assert moment == dt.datetime(2024, 5, 1, 0, 30, tzinfo=dt.UTC)
    assert dates.parse_datetime("2024-05-01T00:30:00Z").value == moment
    assert dates.parse_datetime("20240501083000").value == moment
    assert issue_codes(dates.parse_datetime("2019-02-29 10:00:00")) == {"datetime_invalid"}


@pytest.mark.parametrize("raw, expected", [
    ("13812345678", "13812345678"), ("+86 138-1234-5678", "13812345678"),
    ("＋８６ １３８１２３４５６７８", "13812345678"), ("0086-13812345678", "13812345678"),
    ("(027)87654321", "027-87654321"), ("027-87654321", "027-87654321"),
    ("0717-6543210", "0717-6543210"), ("027-87654321转123", "027-87654321"),
])
def test_mobile_and_landline_numbers(raw: str, expected: str) -> None:
    assert phones.phone(raw).value == expected


def test_invalid_phone_is_kept_raw_and_flagged() -> None:
    result = phones.phone("12345")
    assert result.value is None and result.derived["raw"] == "12345"
    assert issue_codes(result) == {"phone_invalid"}


def test_names_are_simplified_without_spaces_and_get_pinyin() -> None:
    assert text.person_name("張偉").value == "张伟"
    assert text.person_name("殷  建国").value == "殷建国"
    assert text.person_name("张玮").derived["pinyin"] == text.person_name("张伟").derived["pinyin"] == "zhang wei"
    assert text.person_name("阿卜杜 • 热合曼").value == "阿卜杜·热合曼"
    assert issue_codes(text.person_name("张伟2")) == {"name_invalid_chars"}


def test_addresses_lose_fullwidth_digits_and_traditional_characters() -> None:
    assert text.address_text("武漢市洪山區雄楚大道４９８號").value == "武汉市洪山区雄楚大道498号"


def test_company_names_normalise_but_keep_branches_apart() -> None:
    parent = orgs.org_name("湖北锦联医药有限责任公司")
    branch = orgs.org_name("湖北锦联医药有限责任公司宜昌分公司")
    assert parent.derived == {"normalized": "锦联医药", "is_branch": False, "org_form": "有限责任公司",
                              "region": "湖北省", "pinyin": "jin lian yi yao"}
    assert branch.derived["is_branch"] and branch.derived["normalized"] != parent.derived["normalized"]
    same = orgs.org_name("隆潤(武漢)商貿有限公司")
    assert same.value == "隆润（武汉）商贸有限公司"
    assert same.derived["normalized"] == orgs.org_name("武汉市隆润商贸有限公司").derived["normalized"]
    assert orgs.org_name("武汉大学").derived["normalized"] == "武汉大学"


def test_code_lists_accept_codes_labels_synonyms_and_bracketed_variants() -> None:
    ethnicity = codes.CodeList.from_entries("ethnicity", [{"code": "01", "label": "汉族", "synonyms": ["汉"]}])
    assert {ethnicity.find(v) for v in ("01", "1", "汉族", "汉")} == {"01"}
    status = codes.CodeList.from_entries("s", [{"code": "存续", "label": "存续", "synonyms": ["在营"]}])
    assert codes.code_value("在营（开业）", status).value == "存续"
    assert issue_codes(codes.code_value("歇业", status)) == {"code_unknown"}


@pytest.mark.parametrize("raw, expected", [("男", "1"), ("M", "1"), ("1", "1"), ("女", "2"), ("F", "2"),
                                           ("female", "2"), ("未说明", "9")])
def test_gender_codes(raw: str, expected: str) -> None:
    assert codes.gender(raw).value == expected


def test_units_money_and_periods() -> None:
    assert units.unit("亿元").derived == {"base": "元", "factor": Decimal(100_000_000)}
    assert units.unit("万人").derived["base"] == "人"
    assert issue_codes(units.unit("斤两")) == {"unit_unknown"}
    assert units.amount_wan("1000万元人民币").value == Decimal(1000)
    assert units.amount_wan("2亿元").value == Decimal(20000)
    assert units.amount_wan("50000元").value == Decimal(5)
    assert issue_codes(units.amount_wan("100万美元")) == {"amount_invalid"}
    assert [units.period(p).value for p in ("2024年", "2024年第三季度", "2024Q3", "2024年7月", "2024-07")] == [
        "2024", "2024Q3", "2024Q3", "2024-07", "2024-07"]
    assert "quarter 5" in units.period("2024Q5").issues[0].message
    assert issue_codes(units.number("—")) == {"number_invalid"}
    assert units.number("1,234.5").value == Decimal("1234.5")


def test_division_codes_come_from_gbt2260_with_history() -> None:
    assert divisions.division_code("420106").derived["name"] == "湖北省武汉市武昌区"
    assert divisions.division_code("420602000000").value == "420602"  # 12-digit statistical code
    assert issue_codes(divisions.division_code("4201")) == {"division_code_format"}
    assert issue_codes(divisions.division_code("429999")) == {"division_code_unknown"}
    assert issue_codes(divisions.division_code("420122")) == {"division_code_retired"}  # 武昌县
    assert divisions.lookup("420600").name == "襄阳市"  # renamed from 襄樊市 in 2010
    assert "stdnum" in divisions.TABLE_SOURCE


def test_coordinates_outside_china_are_flagged() -> None:
    assert geo.longitude("114.3").value == pytest.approx(114.3)
    assert issue_codes(geo.latitude("111.3")) == {"coordinate_invalid"}


_any_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)


@settings(max_examples=300, deadline=None)
@given(_any_text)
def test_no_standardiser_raises_on_any_text(value: str) -> None:
    from chutian_mdm.domains import load_domain

    schema = load_domain("legal_entity")
    spec = schema.fields["status"]
    for ftype in FIELD_TYPES.values():
        ftype.standardize(value, spec, schema)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="張偉张伟 ·•．１２ab\u3000\t", max_size=20))
def test_name_and_text_normalisers_are_idempotent(value: str) -> None:
    once = text.person_name(value).value
    if once is not None:
        assert text.person_name(once).value == once
    cleaned = text.normalize_text(value)
    assert text.normalize_text(cleaned) == cleaned
    address = text.address_text(value).value
    if address is not None:
        assert text.address_text(address).value == address
