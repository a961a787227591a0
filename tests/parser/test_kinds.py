"""The kinds of real report the parser misread (issue 12, second pass): each kind is tested with several
wordings written here, not only the corpus line that showed it.

The roster is ``tests/parser/fixtures.py``: 刘志宇 covers 王建国 (3号楼), 李秀兰, 薛文斌, 霍建军, 杜美玲,
张三虎, 陈立新, 赵春花, 孙福贵, 周玉梅; 王艳 covers 马德胜 … 罗永福.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.model import MemberReport
from bot.parser import parse_message
from tests.parser.fixtures import ROSTER, TEMPLATE
from tests.parser.strategies import CAMPAIGN


def report_of(text: str, sender: str = "刘志宇") -> MemberReport:
    reports = parse_message(text, sender, ROSTER, TEMPLATE).reports
    assert len(reports) == 1, [r.to_json() for r in reports]
    return reports[0]


def household(text: str, name: str, sender: str = "刘志宇") -> tuple[dict[str, Any], list[str]]:
    rep = report_of(text, sender)
    hits = [h for h in rep.households if h.household == name]
    assert len(hits) == 1, [h.household for h in rep.households]
    return hits[0].values, hits[0].uncertain


def assert_fields(values: dict[str, Any], expected: dict[str, Any]) -> None:
    got = {k: values.get(k) for k in expected}
    assert got == expected


# ------------------------------------------------------------------- a list broken over lines (silent before)


@pytest.mark.parametrize(
    "text",
    [
        "李秀兰家3人，\n体温都正常，\n没有咳嗽、\n乏力等症状",
        "李秀兰家3人\n没有咳嗽\n乏力等症状",
        "李秀兰家3人 无发热、\n咳嗽、\n乏力",
        "李秀兰家3人\n无咳嗽\n、乏力",
        "李秀兰家3人，没有咳嗽、\n  乏力、流涕等",
    ],
)
def test_a_denied_list_broken_over_lines_is_denied_whole(text: str) -> None:
    values, doubts = household(text, "李秀兰")
    assert values["symptoms"] == []
    assert values["people"] == 3
    assert "symptoms" not in doubts


def test_symptoms_on_lines_of_their_own_are_still_stated() -> None:
    values, _ = household("李秀兰家3人\n体温正常\n咳嗽\n乏力", "李秀兰")
    assert values["symptoms"] == ["咳嗽", "乏力"]


# ------------------------------------------------------------------- a part of the household, then what it does


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("霍建军家6口人\n其中2人\n外出务工", {"people": 6, "out": 2}),
        ("霍建军家6口人，其中2人，外出务工", {"people": 6, "out": 2}),
        ("霍建军家6口人 其中2人 在外打工", {"people": 6, "out": 2}),
        ("霍建军家6口人，其中有1人，返乡", {"people": 6, "returned": 1}),
        ("霍建军家5口人 其中1人 发烧", {"people": 5, "fever": True}),
        ("霍建军家5口人，其中1人\n咳嗽", {"people": 5, "symptoms": ["咳嗽"]}),
        ("霍建军家4口人，另有1人，外出", {"people": 4, "out": 1}),
    ],
)
def test_a_part_count_goes_to_the_statement_after_it(text: str, expected: dict[str, Any]) -> None:
    values, doubts = household(text, "霍建军")
    assert_fields(values, expected)
    assert doubts == []


def test_a_part_count_that_nothing_takes_is_asked() -> None:
    """``其中2人`` and nothing about them: two people counts of one household, asked about."""
    values, doubts = household("霍建军家6口人，其中2人", "霍建军")
    assert values["people"] == 6
    assert "people" in doubts


# ------------------------------------------------------------------- a symptom not named is asked about


@pytest.mark.parametrize(
    "text",
    [
        "王建国家有症状",
        "王建国家老人有点不舒服",
        "王建国家老太太身上难受",
        "王建国家4人，有不适症状",
        "10户都正常，王建国家老人不得劲",
        "王建国家老伴身体不适",
    ],
)
def test_a_symptom_not_named_is_asked(text: str) -> None:
    values, doubts = household(text, "王建国")
    assert values["symptoms"] == ["不适"]
    assert "symptoms" in doubts


@pytest.mark.parametrize(
    ("text", "symptoms"),
    [("王建国家无不适", []), ("王建国家老人有点不舒服，咳嗽", ["咳嗽"]), ("王建国家儿子咳嗽", ["咳嗽"])],
)
def test_a_named_or_denied_symptom_is_not_asked(text: str, symptoms: list[str]) -> None:
    values, doubts = household(text, "王建国")
    assert values["symptoms"] == symptoms
    assert "symptoms" not in doubts


# ------------------------------------------------------------------- field words as a pinyin IME mistypes them


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("王建国家4人，提问正常", {"people": 4, "fever": False}),
        ("王建国家4人 提问36.5", {"people": 4, "temperature": 36.5}),
        ("王建国家4人，体问36.6，无反乡", {"temperature": 36.6, "returned": 0}),
        ("王建国家反乡1人", {"returned": 1}),
        ("王建国家儿子反乡了", {"returned": 1}),
        ("王建国家没有咳漱", {"symptoms": []}),
        ("王建国家4人，一切正长", {"people": 4, "returned": 0}),
        ("王建国家居加隔离2人", {"isolated": 2}),
        ("王建国家来了亲七2人", {"visitors": 2}),
    ],
)
def test_mistyped_field_words_are_read(text: str, expected: dict[str, Any]) -> None:
    values, doubts = household(text, "王建国")
    assert_fields(values, expected)
    assert doubts == []


def test_a_mistyping_that_is_a_word_is_read_only_where_a_field_word_stands() -> None:
    """提问 (a question) is 体温 only before a value: 老师提问了 is no temperature, nor a report."""
    assert parse_message("老师提问了王建国家孩子", "刘志宇", ROSTER, TEMPLATE).reports == []
    values, _ = household("王建国家孩子被老师提问了，体温正常", "王建国")
    assert values["fever"] is False


# ------------------------------------------------------------------- a count in brackets after the name


@pytest.mark.parametrize(
    ("text", "people"),
    [
        ("王建国家（３人）体温正常，无发热咳嗽", 3),
        ("王建国家(4人) 36.5", 4),
        ("王建国家（四口人），都正常", 4),
        ("王建国（２口人）正常", 2),
    ],
)
def test_a_count_in_brackets_after_the_name_is_the_people(text: str, people: int) -> None:
    values, doubts = household(text, "王建国")
    assert values["people"] == people
    assert values["note"] == ""
    assert doubts == []


def test_a_count_in_brackets_after_the_households_is_the_people_total() -> None:
    assert report_of("包联10户（32人），均正常").totals == {"households": 10, "people": 32}


# ------------------------------------------------------------------- work remarks go to the note


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("王建国家3人，儿子上夜班去了", "夜班"),
        ("王建国家3人 老伴在医院值班", "值班"),
        ("王建国家3人 儿媳居家办公 都正常", "居家办公"),
        ("王建国家3人，1人在县城上班", "上班"),
        ("王建国家3人，爱人夜班没回来", "夜班"),
    ],
)
def test_work_remarks_go_to_the_note_and_do_not_set_out(text: str, note: str) -> None:
    values, _ = household(text, "王建国")
    assert note in values["note"]
    assert values["out"] in (None, 0)
    assert values["people"] == 3


def test_a_work_word_between_a_field_word_and_its_count_is_the_verb() -> None:
    values, _ = household("王建国家外出上班2人", "王建国")
    assert values["out"] == 2
    assert values["people"] is None


# ------------------------------------------------------------------- run-on blankets, spoken


OTHERS = ["李秀兰", "薛文斌", "霍建军", "杜美玲", "张三虎", "陈立新", "赵春花", "孙福贵", "周玉梅"]


@pytest.mark.parametrize(
    "text",
    [
        "今天都挺好哈",
        "我这边都好着呢",
        "报告一下今天我包的十户都走访了都挺好",
        "今日报告：10户都好",
        "十户都问了都正常啦",
        "我这都好哦",
    ],
)
def test_spoken_blankets_cover_every_household(text: str) -> None:
    rep = report_of(text)
    assert rep.covers_all
    assert len(rep.households) == 10
    assert all(h.values["returned"] == 0 for h in rep.households)


def test_chat_that_only_sounds_fine_is_no_report() -> None:
    assert parse_message("今天天气挺好哈", "刘志宇", ROSTER, TEMPLATE).reports == []


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("今天我这边都正常哈就是那个霍建军家她闺女从上海回来了一个", "霍建军", {"returned": 1}),
        ("十户体温都正常就是王建国家他儿子有点咳嗽别的没啥情况", "王建国", {"symptoms": ["咳嗽"]}),
        ("都挺好没有返乡的没有外来的就是杜美玲家老太太嗓子疼", "杜美玲", {"symptoms": ["咽痛"], "visitors": 0}),
        ("都正常不过张三虎家来了俩亲戚", "张三虎", {"visitors": 2}),
        ("都没啥事只是赵春花家老人有点拉肚子", "赵春花", {"symptoms": ["腹泻"]}),
    ],
)
def test_a_spoken_exception_after_a_blanket(text: str, name: str, expected: dict[str, Any]) -> None:
    rep = report_of(text)
    assert rep.covers_all
    by = {h.household: h.values for h in rep.households}
    assert_fields(by[name], expected)
    assert all(by[o]["returned"] == 0 for o in OTHERS if o != name)


@pytest.mark.parametrize("text", ["杜美玲家没有外来的", "杜美玲家没有外来的人", "杜美玲家无外来"])
def test_a_short_field_word_after_a_negation(text: str) -> None:
    values, _ = household(text, "杜美玲")
    assert values["visitors"] == 0


# ------------------------------------------------------------------- count words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("那个周玉梅家两口子都出去打工了", {"out": 2}),
        ("周玉梅家老两口都在家，体温正常", {"people": 2, "fever": False}),
        ("周玉梅家小两口出门打工去了", {"out": 2}),
        ("周玉梅家夫妻俩在外地打工", {"out": 2}),
        ("周玉梅家娘俩在家，都正常", {"people": 2}),
        ("周玉梅家一家三口都在家", {"people": 3}),
        ("周玉梅家老俩口身体都好", {"people": 2}),
        ("周玉梅家娘仨都好", {"people": 3}),
    ],
)
def test_count_words(text: str, expected: dict[str, Any]) -> None:
    values, _ = household(text, "周玉梅")
    assert_fields(values, expected)


# ------------------------------------------------------------------- a report with a question in it


@pytest.mark.parametrize(
    "text",
    [
        "报告：10户都正常。\n顺便问下，口罩什么时候发？",
        "10户都正常，顺便问下口罩什么时候发？",
        "10户都正常。请问明天几点开会？",
        "十户均正常\n口罩到了吗",
    ],
)
def test_the_report_before_a_question_is_read(text: str) -> None:
    rep = report_of(text)
    assert rep.covers_all
    assert rep.totals["households"] == 10


@pytest.mark.parametrize(
    "text", ["今天都正常吗？", "王建国家报了没？", "王建国家1人返乡吗", "有人知道王建国家回来几个人吗", "请问口罩什么时候发"]
)
def test_a_question_alone_is_no_report(text: str) -> None:
    assert parse_message(text, "刘志宇", ROSTER, TEMPLATE).reports == []


# ------------------------------------------------------------------- where from, and several readings, in the note


@pytest.mark.parametrize(
    ("text", "expected", "note"),
    [
        ("杜美玲家有一名返乡人员，从广州回来的", {"returned": 1}, "从广州"),
        ("杜美玲家儿子从武汉回来了", {"returned": 1}, "从武汉"),
        ("杜美玲家1人从深圳返乡", {"returned": 1}, "从深圳"),
        ("杜美玲家来了2个亲戚，从县城过来的", {"visitors": 2}, "从县城"),
    ],
)
def test_where_they_came_from_goes_to_the_note(text: str, expected: dict[str, Any], note: str) -> None:
    values, _ = household(text, "杜美玲")
    assert_fields(values, expected)
    assert note in values["note"]


@pytest.mark.parametrize(
    ("text", "temperature", "readings"),
    [
        ("杜美玲家量了两次，36.6和37.4", 37.4, ["36.6", "37.4"]),
        ("杜美玲家体温36.6跟37.4", 37.4, ["36.6", "37.4"]),
        ("杜美玲家测了2次 36.5 36.8", 36.8, ["36.5", "36.8"]),
        ("杜美玲家早晚各量一次 36.5、36.9", 36.9, ["36.5", "36.9"]),
        ("杜美玲家量了三遍 36.5 36.9 37.0", 37.0, ["36.5", "36.9", "37.0"]),
    ],
)
def test_several_readings_of_one_household(text: str, temperature: float, readings: list[str]) -> None:
    values, _ = household(text, "杜美玲")
    assert values["temperature"] == temperature
    assert all(r in values["note"] for r in readings)


def test_several_peoples_temperatures_are_no_readings() -> None:
    values, _ = household("杜美玲家4人 36.5 36.6 36.3 36.4", "杜美玲")
    assert values["temperature"] == 36.6
    assert values["note"] == ""


# ------------------------------------------------------------------- 其余N人: the household's other people


def test_the_households_other_people() -> None:
    values, _ = household("陈立新家儿子出差了，其余2人在家", "陈立新")
    assert_fields(values, {"people": 2, "out": True})
    assert "出差" in values["note"]
    values, doubts = household("陈立新家1人发烧，其余2人正常", "陈立新")
    assert values["fever"] is True and values["people"] is None
    values, _ = household("陈立新家4口人，1人外出，其余3人在家", "陈立新")
    assert_fields(values, {"people": 4, "out": 1})


def test_the_rest_after_a_household_is_the_other_households() -> None:
    rep = report_of("陈立新家1人返乡，其余都正常")
    assert rep.covers_all
    by = {h.household: h.values for h in rep.households}
    assert by["陈立新"]["returned"] == 1 and by["王建国"]["returned"] == 0


# ------------------------------------------------------------------- dialect, and what voice input breaks


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("张三虎家莫得咳嗽莫得发烧", {"symptoms": [], "fever": False}),
        ("张三虎家冇人发烧冇人咳嗽", {"symptoms": [], "fever": False}),
        ("张三虎家没得外来人员", {"visitors": 0}),
        ("张三虎家木有返乡的", {"returned": 0}),
        ("张三虎家（２人）体温３６．６，冇外出", {"people": 2, "temperature": 36.6, "out": 0}),
        ("张三虎家没有人咳嗽", {"symptoms": []}),
    ],
)
def test_dialect_negations(text: str, expected: dict[str, Any]) -> None:
    values, _ = household(text, "张三虎")
    assert_fields(values, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("张三虎家5口人\n没发烧\n没咳嗽\n也没\n外出", {"people": 5, "fever": False, "symptoms": [], "out": 0}),
        ("张三虎家2人，\n体温：\n36.5、36.8", {"people": 2, "temperature": 36.8}),
        ("张三虎家4人 体温36.5\n36.7\n36.4\n36.6", {"people": 4, "temperature": 36.7}),
        ("张三虎家\n4口人\n体温都正常\n没有外出", {"people": 4, "fever": False, "out": 0}),
    ],
)
def test_lines_that_cannot_stand_alone_go_on(text: str, expected: dict[str, Any]) -> None:
    rep = report_of(text)
    assert [h.household for h in rep.households] == ["张三虎"]
    assert_fields(rep.households[0].values, expected)


def test_a_blanket_after_a_household_count_still_covers_the_grid() -> None:
    rep = report_of("10户\n张三虎家4口人\n都正常")
    assert rep.covers_all and len(rep.households) == 10


@pytest.mark.parametrize(
    ("text", "symptoms"),
    [
        ("张三虎家老人嗓子有点不舒服还有点流鼻涕", ["咽痛", "流涕"]),
        ("张三虎家孩子头一直疼", ["头痛"]),
        ("张三虎家老伴胸口有些闷", ["胸闷"]),
        ("张三虎家老人脑壳疼", ["头痛"]),
    ],
)
def test_a_body_part_and_what_is_wrong_with_it(text: str, symptoms: list[str]) -> None:
    values, doubts = household(text, "张三虎")
    assert values["symptoms"] == symptoms
    assert "symptoms" not in doubts


@pytest.mark.parametrize(
    "text", ["十户平安无事", "10户都没啥问题", "十户一切平安"]
)
def test_more_ways_of_all_normal(text: str) -> None:
    assert report_of(text).covers_all


@pytest.mark.parametrize(
    "text", ["张三虎家老两口在家，他儿子在广州打工没回来", "张三虎家儿子去深圳打工了", "张三虎家闺女到县城务工"]
)
def test_working_somewhere_else_is_a_status(text: str) -> None:
    values, _ = household(text, "张三虎")
    assert values["out"] is True
    assert "工" in values["note"]


def test_a_chinese_numeral_after_a_digit_is_a_number_of_its_own() -> None:
    values, _ = household("张三虎家老人量了两回一次36.8一次37.2", "张三虎")
    assert values["temperature"] == 37.2
    assert "36.8" in values["note"] and "37.2" in values["note"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("张三虎家两个孩子放寒假从学校回来了", {"returned": 2}),
        ("张三虎家3个学生放假从外地回来了", {"returned": 3}),
        ("张三虎家今天没人在家 出去走亲戚了", {"out": True}),
        ("张三虎家出远门了", {"out": True}),
    ],
)
def test_people_counted_by_what_they_are_and_nobody_home(text: str, expected: dict[str, Any]) -> None:
    values, doubts = household(text, "张三虎")
    assert_fields(values, expected)
    assert doubts == []


@pytest.mark.parametrize("text", ["我们这十户都没得啥子问题", "嗯那个就是说今天情况都还可以没啥特殊的", "十户都还行"])
def test_spoken_all_normal(text: str) -> None:
    assert report_of(text).covers_all


@pytest.mark.parametrize("text", ["张三虎家今天办喜事 大家都去喝喜酒", "张三虎家明天摆酒"])
def test_a_household_named_in_party_chat_is_no_report(text: str) -> None:
    assert parse_message(text, "刘志宇", ROSTER, TEMPLATE).reports == []


def test_an_option_in_the_clause_after_its_field_word() -> None:
    """做了抗原 阴性: 阴性 is the antigen's (the field word ended the clause before); 做了 is the verb of 抗原,
    not 核酸's option 已做."""
    rep = parse_message("王建国家4个人都做了抗原 阴性 没去过中高风险地区", "刘志宇", ROSTER, CAMPAIGN).reports[0]
    [h] = rep.households
    assert (h.values["antigen"], h.values["test"], h.values["risk_travel"]) == ("阴性", None, False)
    assert "antigen" not in h.uncertain


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("张三虎家一家五口 儿子一家三口从深圳回来了", {"people": 5, "returned": 3}),
        ("张三虎家没人 全家都去外地过年了", {"out": True}),
        ("张三虎家4人，孩子在学校住校", {"people": 4, "out": True}),
        ("张三虎家4人，休温正常", {"people": 4, "fever": False}),
    ],
)
def test_more_spoken_shapes(text: str, expected: dict[str, Any]) -> None:
    values, _ = household(text, "张三虎")
    assert_fields(values, expected)


def test_a_weak_normal_word_with_a_household_count_is_a_report() -> None:
    rep = report_of("我今天跑了十户都莫得事")
    assert rep.covers_all and rep.totals["households"] == 10
    assert parse_message("我今天跑了一趟都没事", "刘志宇", ROSTER, TEMPLATE).reports == []


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("10户 隔离2人 王建国家 余均正常", "王建国", {"isolated": 2}),
        ("外来1人 李秀兰家，其余正常", "李秀兰", {"visitors": 1}),
        ("返乡1人：薛文斌家 其他都好", "薛文斌", {"returned": 1}),
    ],
)
def test_a_count_and_then_the_name_it_is_of(text: str, name: str, expected: dict[str, Any]) -> None:
    rep = report_of(text)
    by = {h.household: h for h in rep.households}
    assert_fields(by[name].values, expected)
    assert not any("未写明是哪一户" in w for w in rep.warnings)


def test_a_count_with_no_name_after_it_is_still_asked() -> None:
    rep = report_of("10户 隔离2人 余均正常")
    assert any("未写明是哪一户" in w for w in rep.warnings)


@pytest.mark.parametrize("text", ["王建国家是不是报过了", "李秀兰家有没有登记", "薛文斌家报没报"])
def test_asking_whether_a_household_was_reported_is_no_report(text: str) -> None:
    assert parse_message(text, "刘志宇", ROSTER, TEMPLATE).reports == []


def test_an_age_is_kept_in_the_note_and_is_no_count() -> None:
    values, _ = household("2月12日 张三虎家4人 体温正常 老人80岁了行动不便", "张三虎")
    assert_fields(values, {"people": 4, "fever": False})
    assert "行动不便" in values["note"]


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("那个张三虎家的今天早上我打电话问了说都好的没得事", "张三虎", {"fever": False}),
        ("李秀兰家3个人都好张三虎家也好都没出门", "张三虎", {"fever": False, "out": 0}),
    ],
)
def test_spoken_household_reports(text: str, name: str, expected: dict[str, Any]) -> None:
    values, _ = household(text, name)
    assert_fields(values, expected)


@pytest.mark.parametrize("text", ["张三虎家今年的猪养得真好", "张三虎家新买的车停在路口"])
def test_a_household_named_for_its_things_is_no_report(text: str) -> None:
    assert parse_message(text, "刘志宇", ROSTER, TEMPLATE).reports == []


@pytest.mark.parametrize(
    ("text", "temperature", "fever", "asked"),
    [
        ("张三虎家3口人量了体温都是三十六度多", None, False, False),
        ("张三虎家孩子体温37度多", 37.0, False, True),
        ("张三虎家老人38度多", 38.0, True, True),
    ],
)
def test_some_degrees_is_no_reading(text: str, temperature: float | None, fever: bool, asked: bool) -> None:
    values, doubts = household(text, "张三虎")
    assert values["temperature"] == temperature and values["fever"] is fever
    assert ("temperature" in doubts) is asked


def test_a_bare_count_with_ge_on_a_households_line_is_its_people() -> None:
    values, _ = household("张三虎家人都在 三个 都挺好", "张三虎")
    assert values["people"] == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("张三虎家1人居家格力", {"isolated": 1}),
        ("张三虎家1人居家健康检测", {"isolated": 1}),
        ("张三虎家孩子腹写", {"symptoms": ["腹泻"]}),
        ("张三虎家老人桑子疼 流鼻蹄", {"symptoms": ["咽痛", "流涕"]}),
    ],
)
def test_more_mistyped_words(text: str, expected: dict[str, Any]) -> None:
    values, _ = household(text, "张三虎")
    assert_fields(values, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("张三虎家今天来了三个人 是他外甥一家 从县城来的", {"visitors": 3, "people": None}),
        ("张三虎家来了2位，已登记", {"visitors": 2, "people": None}),
        ("张三虎家回来了2个人", {"returned": 2, "visitors": None}),
    ],
)
def test_people_who_came_are_visitors(text: str, expected: dict[str, Any]) -> None:
    values, _ = household(text, "张三虎")
    assert_fields(values, expected)


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("张三虎家老头老太太俩人都好好的就是老太太血压有点高", "血压有点高"),
        ("张三虎家3人都正常只是老人腿脚不便", "腿脚不便"),
    ],
)
def test_a_but_ends_the_clause(text: str, note: str) -> None:
    values, _ = household(text, "张三虎")
    assert values["fever"] is False
    assert note in values["note"] and "就是" not in values["note"]


def test_a_household_that_phoned_about_its_pipes_is_no_report() -> None:
    assert parse_message("刚才张三虎家打电话来说他家水管冻裂了", "刘志宇", ROSTER, TEMPLATE).reports == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("张三虎家仨孩子都放假回来了", {"returned": 3}),
        ("张三虎家\n4口人\n2人外出\n2人在家\n都正常", {"people": 4, "out": 2}),
        ("张三虎家3人\n老人咳嗽\n已去卫生室\n其他2人正常", {"people": 3, "symptoms": ["咳嗽"]}),
        ("张三虎家没有外地来的", {"visitors": 0}),
    ],
)
def test_a_households_lines(text: str, expected: dict[str, Any]) -> None:
    rep = report_of(text)
    assert [h.household for h in rep.households] == ["张三虎"]
    assert_fields(rep.households[0].values, expected)


def test_all_normal_after_two_households_still_covers_the_grid() -> None:
    rep = report_of("王建国家4人\n李秀兰家3人\n都正常")
    assert rep.covers_all


@pytest.mark.parametrize(
    ("text", "people"),
    [("张三虎家儿子上班去了家里就她跟孙子", 2), ("张三虎家就老人和孩子在家", 2), ("张三虎家只剩老伴、儿媳跟孙女", 3)],
)
def test_the_people_there_named_one_by_one(text: str, people: int) -> None:
    values, _ = household(text, "张三虎")
    assert values["people"] == people


def test_people_named_one_by_one_who_came_back_are_no_household_count() -> None:
    values, doubts = household("张三虎家就儿子跟儿媳回来了", "张三虎")
    assert values["people"] is None and "returned" in doubts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("张三虎家今天孙子有点流鼻涕不发烧", {"symptoms": ["流涕"], "fever": False}),
        ("张三虎家老人咳嗽没发烧", {"symptoms": ["咳嗽"], "fever": False}),
        ("张三虎家咳嗽乏力无", {"symptoms": []}),
    ],
)
def test_a_negation_after_a_symptom_is_the_next_words(text: str, expected: dict[str, Any]) -> None:
    values, _ = household(text, "张三虎")
    assert_fields(values, expected)


@pytest.mark.parametrize("text", ["张三虎家两个老的都好好的在家待着呢", "张三虎家2个大人都挺好"])
def test_a_count_with_ge_before_who_they_are(text: str) -> None:
    values, _ = household(text, "张三虎")
    assert values["people"] == 2 and values["fever"] is False
