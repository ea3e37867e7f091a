"""Masking personal data: names, mobiles, ID numbers, addresses, and numbers in free text."""

import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from banshishi import (
    InvalidTypeError,
    InvalidValueError,
    Person,
    mask_address,
    mask_id_number,
    mask_mobile,
    mask_name,
    mask_person,
    scrub_text,
)
from banshishi._model.people import personal_fields
from leaks import (
    DIGIT_SCRIPTS,
    ID_STYLES,
    MOBILE_STYLES,
    SPELT_DIGITS,
    id_numbers,
    leaks,
    located_texts,
    mobiles,
    planted_texts,
)

# -- names -------------------------------------------------------------------------------

NAMES = [
    ("张三", "张*"),
    ("王小明", "王**"),
    ("欧阳娜娜", "欧阳**"),
    ("司马光", "司马*"),
    ("诸葛亮", "诸葛*"),
    ("上官婉儿", "上官**"),
    ("慕容复", "慕容*"),
    ("司馬懿", "司馬*"),
    ("欧阳", "欧*"),  # two characters: surname 欧, given name 阳
    ("李", "*"),
    ("巴特尔", "巴**"),
    ("其木格", "其**"),
    ("乌日娜", "乌**"),
    ("扎西顿珠", "扎***"),
    ("阿卜杜·热合曼", "阿**·***"),
    ("买买提·艾力", "买**·**"),
    ("古丽娜尔・阿不都", "古***・***"),
    ("Zhang San", "Z**** ***"),
    ("Mary-Jane O'Neil", "M***-**** *'****"),
    ("  王芳 ", "王*"),
    ("", ""),
]


@pytest.mark.parametrize(("name", "masked"), NAMES)
def test_a_name_keeps_only_its_surname(name: str, masked: str) -> None:
    assert mask_name(name) == masked


NAME_SEPARATORS = " \t\u3000·•・‧．.-‐'’"
names = st.text(min_size=1, max_size=12) | st.builds(
    lambda surname, rest: surname + rest,
    st.sampled_from(["欧阳", "司马", "诸葛", "张", "王", "巴"]),
    st.text(alphabet="娜明光亮特尔·", max_size=6),
)


@given(names)
def test_masking_a_name_twice_changes_nothing_more(name: str) -> None:
    assert mask_name(mask_name(name)) == mask_name(name)


@given(names)
def test_a_masked_name_is_as_long_as_the_name_and_shows_at_most_two_characters(name: str) -> None:
    masked, text = mask_name(name), name.strip()
    assert len(masked) == len(text)
    if len(text) <= 1:
        assert masked in ("", "*")
    else:
        assert masked[0] == text[0]
        assert masked[1] in (text[1], "*")
        assert all(char == "*" or char in NAME_SEPARATORS for char in masked[2:])


def test_a_name_that_is_not_text_is_refused_with_the_value() -> None:
    with pytest.raises(InvalidTypeError) as caught:
        mask_name(42)  # type: ignore[arg-type]
    assert caught.value.field == "name"
    assert caught.value.value == 42


# -- mobiles -----------------------------------------------------------------------------

MOBILES = [
    ("13812345678", "138****5678"),
    ("138 1234 5678", "138****5678"),
    ("138-1234-5678", "138****5678"),
    ("+86 139-0471-2345", "139****2345"),
    ("0086 15004712345", "150****2345"),
    ("+8618647112233", "186****2233"),
    ("8618647112233", "186****2233"),
    ("１８８１２３４０９８７", "188****0987"),
    ("  13947100000 ", "139****0000"),
    ("138****5678", "138****5678"),
]


@pytest.mark.parametrize(("mobile", "masked"), MOBILES)
def test_a_mobile_keeps_its_first_three_and_last_four_digits(mobile: str, masked: str) -> None:
    assert mask_mobile(mobile) == masked


@pytest.mark.parametrize(
    "mobile",
    ["", "12345", "23812345678", "138123456789", "1381234567", "手机13812345678", "+1 415"],
)
def test_what_is_not_a_mobile_number_is_refused(mobile: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        mask_mobile(mobile)
    assert caught.value.field == "mobile"
    assert caught.value.value == mobile


@pytest.mark.parametrize("mobile", [13812345678, None, b"13812345678"])
def test_a_mobile_that_is_not_text_is_refused(mobile: object) -> None:
    with pytest.raises(InvalidTypeError):
        mask_mobile(mobile)  # type: ignore[arg-type]


@given(mobiles(), st.sampled_from(MOBILE_STYLES))
def test_any_way_of_writing_a_mobile_masks_to_the_same_eleven_characters(
    mobile: str, style: Callable[[str], str]
) -> None:
    masked = mask_mobile(style(mobile))
    assert masked == mobile[:3] + "****" + mobile[7:]
    assert mask_mobile(masked) == masked


# -- ID numbers --------------------------------------------------------------------------

ID_NUMBERS = [
    ("11010519491231002X", "110105********002X"),
    ("11010519491231002x", "110105********002X"),
    ("440524188001010014", "440524********0014"),
    ("150125 19900101 1235", "150125********1235"),
    ("650102-20011009-4417", "650102********4417"),
    ("１１０１０５１９４９１２３１００２Ｘ", "110105********002X"),
    ("110105********002X", "110105********002X"),
    ("110105194912310021", "110105********0021"),  # a wrong check digit is still masked
]


@pytest.mark.parametrize(("number", "masked"), ID_NUMBERS)
def test_an_id_number_hides_its_birth_date(number: str, masked: str) -> None:
    assert mask_id_number(number) == masked


@pytest.mark.parametrize(
    "number",
    ["", "11010519491231002", "1101051949123100211", "11010519491231002Y", "X1010519491231002"],
)
def test_what_is_not_an_id_number_is_refused(number: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        mask_id_number(number)
    assert caught.value.field == "id_number"


@given(id_numbers(), st.sampled_from(ID_STYLES))
def test_any_way_of_writing_an_id_number_keeps_the_first_six_and_last_four(
    number: str, style: Callable[[str], str]
) -> None:
    masked = mask_id_number(style(number))
    assert masked == number[:6] + "*" * 8 + number[14:]
    assert mask_id_number(masked) == masked


# -- addresses ---------------------------------------------------------------------------


@st.composite
def addresses_with_doors(draw: st.DrawFn) -> str:
    """An address with a door, a number or a bracketed note somewhere, and
    division markers on either side of it."""
    parts = st.sampled_from(["城关街道", "幸福社区", "新城区", "人民路", "巴音嘎查", "南湖镇"])
    door = st.sampled_from(["3号楼", "88号", "（近东四社区）", "101室", "5栋", "(旁)", "12"])
    before, after = draw(st.lists(parts, max_size=3)), draw(st.lists(parts, max_size=3))
    return "".join([*before, draw(door), *after])


ADDRESSES = [
    ("呼和浩特市新城区东风路街道幸福社区3号楼2单元501", "呼和浩特市新城区东风路街道幸福社区"),
    ("城关街道文化社区56号", "城关街道文化社区"),
    ("北河苏木巴音嘎查36号", "北河苏木巴音嘎查"),
    ("南湖镇南湖村34号", "南湖镇南湖村"),
    ("锡林郭勒盟正蓝旗上都镇敦达浩特嘎查7组", "锡林郭勒盟正蓝旗上都镇敦达浩特嘎查"),
    ("某县新村镇幸福村5号", "某县新村镇幸福村"),  # 新村镇 is a town, not a village
    ("江苏省镇江市京口区大市口街道某社区5号", "江苏省镇江市京口区大市口街道某社区"),
    ("镇平县城关镇建设路18号", "镇平县城关镇"),
    ("光明居委会12栋3室", "光明居委会"),
    ("幸福村民委员会3组", "幸福村"),
    ("某县南湖镇红旗路8号", "某县南湖镇"),
    ("新城区幸福小区5号楼", "新城区"),  # a housing estate is finer than a community
    ("某旗红旗嘎查", "某旗红旗嘎查"),
    ("东风路12号", ""),
    ("", ""),
    ("  城关街道文化社区 ", "城关街道文化社区"),
    ("13812345678幸福社区", ""),  # nothing from the first number on is kept
    ("北京市东城区东四十条3号楼101室（近东四社区）", "北京市东城区"),  # a marker after the door
    ("新城区人民路88号社区卫生服务站旁", "新城区"),
    ("城关街道第三社区5号", "城关街道第三社区"),  # numerals in a name are not a door
]


@given(addresses_with_doors())
def test_nothing_from_the_first_number_or_door_word_on_is_kept(address: str) -> None:
    masked = mask_address(address)
    stop = next(
        (i for i, char in enumerate(address.strip()) if char.isdecimal() or char in "号楼栋室（("),
        None,
    )
    if stop is not None:
        assert len(masked) <= stop


@pytest.mark.parametrize(("address", "masked"), ADDRESSES)
def test_an_address_is_cut_after_its_community(address: str, masked: str) -> None:
    assert mask_address(address) == masked


MARKS = ("社区", "村", "嘎查", "居委会", "居民委员会", "街道", "苏木", "镇", "乡", "区", "县", "旗")
addresses = st.lists(
    st.sampled_from([*MARKS, "新", "红", "小", "路", "幸福", "8号", "街", "某", "1381234567", "8"]),
    max_size=10,
).map("".join) | st.text(max_size=20)


@given(addresses)
def test_cutting_an_address_twice_changes_nothing_more(address: str) -> None:
    assert mask_address(mask_address(address)) == mask_address(address)


@given(addresses)
def test_a_cut_address_is_a_start_of_the_address_ending_at_a_division(address: str) -> None:
    masked, text = mask_address(address), address.strip()
    assert masked == "" or masked.endswith(MARKS)
    assert len(masked) <= len(text)
    kept = text[: len(masked)]
    assert all(a == b or (a.isdecimal() and b == "*") for a, b in zip(kept, masked, strict=True))


# -- free text ---------------------------------------------------------------------------

SCRUBBED = [
    ("请回电13812345678谢谢", "请回电138****5678谢谢"),
    ("电话 +86 139 0471 2345", "电话 +86 139 **** 2345"),
    ("身份证11010519491231002x", "身份证110105********002x"),
    ("房号1号13812345678", "房号1号138****5678"),
    ("共5人13812345678", "共5人138****5678"),
    ("编号RX202607010001", "编号RX202607010001"),
    ("2026-07-01 09:30 办结", "2026-07-01 09:30 办结"),
    ("预算370000元，日均100辆", "预算370000元，日均100辆"),
    ("１３８-１２３４-５６７８", "１３８-****-５６７８"),
]


@pytest.mark.parametrize(("text", "scrubbed"), SCRUBBED)
def test_free_text_loses_its_numbers_and_nothing_else(text: str, scrubbed: str) -> None:
    assert scrub_text(text) == scrubbed


@given(planted_texts())
def test_no_planted_number_survives_scrubbing(case: tuple[str, list[str]]) -> None:
    text, numbers = case
    assert leaks(text, numbers), "the test would not see a leak"
    assert leaks(scrub_text(text), numbers) == []


@given(located_texts())
def test_the_hidden_digits_of_every_planted_number_are_masked_where_they_stand(
    case: tuple[str, list[tuple[str, list[int]]]],
) -> None:
    text, located = case
    scrubbed = scrub_text(text)
    for number, positions in located:
        hidden = range(3, 7) if len(number) == 11 else range(6, 14)
        assert [scrubbed[positions[k]] for k in hidden] == ["*"] * len(hidden), (number, text)


@given(st.text() | planted_texts().map(lambda case: case[0]))
def test_scrubbing_keeps_the_length_and_only_ever_hides_digits(text: str) -> None:
    scrubbed = scrub_text(text)
    assert len(scrubbed) == len(text)
    assert all(
        a == b or ((a.isdigit() or a in SPELT_DIGITS) and b == "*")
        for a, b in zip(text, scrubbed, strict=True)
    )
    assert scrub_text(scrubbed) == scrubbed


def test_text_that_is_not_text_is_refused() -> None:
    with pytest.raises(InvalidTypeError) as caught:
        scrub_text(None)  # type: ignore[arg-type]
    assert caught.value.field == "text"


# -- numbers spelt out in other digits ---------------------------------------------------

SPELT_OUT = [
    ("请回电139○4712345", "请回电139****2345"),
    ("请回电 139 ○471 2345", "请回电 139 **** 2345"),
    ("一三九○四七一二三四五", "一三九****二三四五"),
    ("一三九◯四七一二三四五", "一三九****二三四五"),
    ("手机幺三九洞四拐幺两三四五", "手机幺三九****两三四五"),
    ("幺三勾洞-四拐幺兩-三四五", "幺三勾*-***兩-三四五"),
    ("壹叁玖零肆柒壹贰叁肆伍", "壹叁玖****贰叁肆伍"),
    ("壹參玖零肆柒壹貳參肆伍", "壹參玖****貳參肆伍"),
    ("1三9○4柒1两3④5", "1三9****两3④5"),
    ("身份证壹壹〇壹〇伍壹玖肆玖壹贰叁壹〇〇贰X", "身份证壹壹〇壹〇伍********〇〇贰X"),
]


@pytest.mark.parametrize(("text", "scrubbed"), SPELT_OUT)
def test_numbers_spelt_out_in_chinese_capital_or_spoken_digits_are_masked(
    text: str, scrubbed: str
) -> None:
    assert scrub_text(text) == scrubbed


SEPARATORS = ["", "", "", " ", "-", "—", ".", "、", "/", "\u200b", "\u3000", "）", " - "]
WORDS_AROUND = ["", "请回电", "电话：", "，谢谢", "联系人张女士", "手机号是", "。"]


@st.composite
def mixed_mobiles(draw: st.DrawFn) -> tuple[str, list[int]]:
    """A mobile number written digit by digit in any of :data:`DIGIT_SCRIPTS`,
    with any separators between the digits: (as written, where each digit is)."""
    number = draw(mobiles())
    written, positions = "", []
    for index, digit in enumerate(number):
        if index:
            written += draw(st.sampled_from(SEPARATORS))
        positions.append(len(written))
        written += DIGIT_SCRIPTS[draw(st.sampled_from(sorted(DIGIT_SCRIPTS)))][int(digit)]
    return written, positions


@given(mixed_mobiles(), st.sampled_from(WORDS_AROUND), st.sampled_from(WORDS_AROUND))
def test_a_mobile_in_any_mix_of_digit_scripts_and_separators_is_masked(
    case: tuple[str, list[int]], before: str, after: str
) -> None:
    written, positions = case
    scrubbed = scrub_text(before + written + after)
    shown = [scrubbed[len(before) + position] for position in positions]
    assert shown[3:7] == ["*"] * 4, written
    kept = positions[:3] + positions[7:]
    assert shown[:3] + shown[7:] == [written[position] for position in kept]
    assert scrubbed[: len(before)] == before
    assert scrubbed[len(before) + len(written) :] == after


# What government texts say with digits and number words, none of it a phone number.
ordinary_fragments = st.one_of(
    st.integers(min_value=1949, max_value=2099).map(lambda year: f"{year}年"),
    st.builds("{}月{}日".format, st.integers(1, 12), st.integers(1, 31)),
    st.integers(min_value=1, max_value=60).map(lambda days: f"{days}个工作日"),
    st.integers(min_value=0, max_value=10**9).map(lambda amount: f"{amount}元"),
    st.integers(min_value=0, max_value=10**9).map(lambda amount: f"{amount:,}元"),
    st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2099, 12, 31)).map(
        lambda moment: f"{moment:%Y-%m-%d %H:%M}前"
    ),
    st.sampled_from(
        [
            "两个月", "两三天", "拐角处", "向左拐", "桥洞下积水", "洞口", "勾选", "幺妹",
            "壹万贰仟元整", "叁佰伍拾元", "一二三期", "三三两两", "第一、二、三批",
            "二〇二六年九月三十日", "二○二六年", "零点五公里", "十一月十三日", "○○一号",
            "12345热线", "0471-6681241", "编号RX202607010001", "1号楼2单元301室",
        ]
    ),
)  # fmt: skip
joiners = st.sampled_from(["，反映", "。要求", "后", "前办结", "内", "；经核实"])


@st.composite
def ordinary_texts(draw: st.DrawFn) -> str:
    """A sentence of ordinary fragments, each joined to the next by words."""
    parts = draw(st.lists(ordinary_fragments, min_size=1, max_size=6))
    return "".join(part + draw(joiners) for part in parts)


@given(ordinary_texts())
def test_dates_amounts_and_number_words_are_left_as_they_are(text: str) -> None:
    assert scrub_text(text) == text
    assert scrub_text(text, names=["张三丰", "Zhang San"]) == text


# -- known names -------------------------------------------------------------------------

NAMED = [
    ("张三丰反映小区路灯不亮", ["张三丰"], "张**反映小区路灯不亮"),
    ("三丰老人家门口积水", ["张三丰"], "**老人家门口积水"),
    ("张 三 丰、张·三丰来电", ["张三丰"], "张 * *、张·**来电"),
    ("张三丰13947112345", ["张三丰"], "张**139****2345"),
    ("欧阳娜娜和娜娜的母亲", ["欧阳娜娜"], "欧阳**和**的母亲"),
    ("张三来电：张三丰路", ["张三"], "张*来电：张*丰路"),
    ("李先生反映", ["李"], "李先生反映"),  # a one-character name is not looked for
    ("请张老师回电", ["张三"], "请张老师回电"),  # a surname alone is not the name
    ("阿卜杜·热合曼和热合曼", ["阿卜杜·热合曼"], "阿**·***和***"),
    ("ZHANG san and Sandy Zhangsan", ["Zhang San"], "Z**** *** and Sandy Z*******"),
    ("Ｚｈａｎｇ　Ｓａｎ", ["Zhang San"], "Ｚ****　***"),
    ("王芳、李建国反映", [" 王芳 ", "李建国"], "王*、李**反映"),
    ("张三丰反映", [], "张三丰反映"),
]


@pytest.mark.parametrize(("text", "names", "scrubbed"), NAMED)
def test_a_known_name_is_masked_where_the_text_mentions_it(
    text: str, names: list[str], scrubbed: str
) -> None:
    assert scrub_text(text, names=names) == scrubbed


@st.composite
def han_names(draw: st.DrawFn) -> str:
    surname = draw(st.sampled_from(["张", "王", "李", "欧阳", "司马", "诸葛"]))
    return surname + draw(st.text(alphabet="三丰娜明光亮建国芳伟", min_size=1, max_size=3))


@given(han_names(), st.text(max_size=12), st.text(max_size=12))
def test_a_known_name_is_masked_wherever_it_stands_and_nothing_else_is(
    name: str, before: str, after: str
) -> None:
    text = before + name + after
    scrubbed = scrub_text(text, names=[name])
    assert len(scrubbed) == len(text)
    assert scrubbed[len(before) : len(before) + len(name)] == mask_name(name)
    assert all(
        a == b or (b == "*" and (a in name or a.isdigit() or a in SPELT_DIGITS))
        for a, b in zip(text, scrubbed, strict=True)
    )
    assert scrub_text(scrubbed, names=[name]) == scrubbed


@pytest.mark.parametrize(
    ("names", "field"), [("张三", "names"), (None, "names"), (["张三", 3], "names[1]")]
)
def test_names_that_are_not_a_list_of_texts_are_refused(names: object, field: str) -> None:
    with pytest.raises(InvalidTypeError) as caught:
        scrub_text("张三反映", names=names)  # type: ignore[arg-type]
    assert caught.value.field == field


# -- people ------------------------------------------------------------------------------


def test_every_personal_field_of_a_person_is_masked_and_the_rest_kept() -> None:
    person = Person(
        id="p000001",
        name="欧阳娜娜",
        mobile="13947112345",
        id_number="11010519491231002X",
        address="城关街道文化社区56号",
        unit="t1v3",
    )
    shown = mask_person(person)
    assert shown == {
        "id": "p000001",
        "name": "欧阳**",
        "mobile": "139****2345",
        "id_number": "110105********002X",
        "address": "城关街道文化社区",
        "unit": "t1v3",
    }
    for field in personal_fields(Person):
        assert shown[field] != getattr(person, field)


def test_a_person_without_optional_personal_data_shows_none_for_it() -> None:
    shown = mask_person(Person(id="p2", name="李"))
    assert (shown["name"], shown["mobile"], shown["address"]) == ("*", None, None)


def test_masking_something_that_is_not_a_person_is_refused() -> None:
    with pytest.raises(InvalidTypeError):
        mask_person({"name": "张三"})  # type: ignore[arg-type]
