"""The shapes real group chats use that the first parser missed, and the parser's doubts (issue 12).

Each group is one kind: counts with a measure word or after their event, counts written without their
number, "same as yesterday" in its many wordings, a blanket statement followed by an exception without a
rest word, shortened field words, households named in passing (no report), and the ``uncertain`` keys.
The messages are written the way members type them (full-width digits and punctuation, spaces, Chinese
numerals, chit-chat around the report), mixed with the shapes the parser already read.

The roster is ``tests/parser/fixtures.py``: 刘志宇 covers 王建国 (3号楼), 李秀兰, 薛文斌, 霍建军, 杜美玲,
张三虎, 陈立新, 赵春花, 孙福贵, 周玉梅; 王艳 covers 马德胜 … 罗永福.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.model import MemberReport
from bot.parser import parse_message
from tests.parser.fixtures import ROSTER, TEMPLATE, households_of

OWN = households_of("刘志宇")
BLANK = TEMPLATE.empty_values()
CLEAR = TEMPLATE.normal_values()


def report_of(text: str, sender: str = "刘志宇") -> MemberReport:
    reports = parse_message(text, sender, ROSTER, TEMPLATE).reports
    assert len(reports) == 1, [r.to_json() for r in reports]
    return reports[0]


def by_name(rep: MemberReport) -> dict[str, dict[str, Any]]:
    return {h.household: h.values for h in rep.households}


def doubts(rep: MemberReport) -> dict[str, list[str]]:
    return {h.household: h.uncertain for h in rep.households if h.uncertain}


def stated(values: dict[str, Any]) -> dict[str, Any]:
    """Only what the message stated (unstated fields and the empty note left out)."""
    return {k: v for k, v in values.items() if v is not None and v != ""}


# ----------------------------------------------------------------------------- counts with measure words


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("霍建军家来了两名亲戚，都没发烧", "霍建军", {"visitors": 2, "fever": False}),
        ("赵春花家来了三位客人，已登记", "赵春花", {"visitors": 3, "note": "已登记"}),
        ("李秀兰家亲戚两位来访，体温正常", "李秀兰", {"visitors": 2, "fever": False}),
        ("王建国家外来人员：一名", "王建国", {"visitors": 1}),
        ("周玉梅家来了个亲戚", "周玉梅", {"visitors": 1}),
        ("孙福贵家在家一名老人，体温36.4", "孙福贵", {"people": 1, "temperature": 36.4, "fever": False}),
        ("王建国家3个人，体温都正常", "王建国", {"people": 3, "fever": False}),
        ("薛文斌家就老人一个", "薛文斌", {"people": 1}),
        ("李秀兰家老两口加一个孙子，共计3人", "李秀兰", {"people": 3}),
        ("张三虎家：老人、儿子、儿媳，共计三人，体温正常", "张三虎", {"people": 3, "fever": False, "note": "老人；儿子；儿媳"}),
        ("薛文斌 家中共有老人两口 体温正常", "薛文斌", {"people": 2, "fever": False}),
        ("张三虎家俩人，都36.5左右", "张三虎", {"people": 2, "temperature": 36.5, "fever": False}),
        ("杜美玲家四口人，一人外出", "杜美玲", {"people": 4, "out": 1}),
        ("霍建军家 返乡人员 贰人", "霍建军", {"returned": 2}),
        ("王建国家来了俩亲戚，住两天就走", "王建国", {"visitors": 2}),
        ("周玉梅家两位老人在家，无外出", "周玉梅", {"people": 2, "out": 0}),
        ("王建国家：老人俩，体温正常", "王建国", {"people": 2, "fever": False}),
        ("霍建军家亲戚一家三口来拜年，已登记", "霍建军", {"visitors": 3, "note": "已登记"}),
        ("李秀兰家有两名学生放假回来了", "李秀兰", {"returned": 2}),
        ("王建国家3人，1人在县城上班", "王建国", {"people": 3, "note": "1人在县城上班"}),  # 上班: a note remark
    ],
)
def test_counts_with_measure_words(text, name, expected):
    rep = report_of(text)
    assert {k: v for k, v in stated(by_name(rep)[name]).items()} == expected
    assert doubts(rep) == {}


@pytest.mark.parametrize(
    ("text", "totals"),
    [
        ("包联十户，共计三十一人，均正常", {"households": 10, "people": 31}),
        ("10户，在家人员共计31人，体温均正常", {"households": 10, "people": 31}),
        ("今日排查１０户，老人１２名、小孩５个，共计３１人，均无异常", {"households": 10, "people": 31}),
    ],
)
def test_a_total_after_its_parts_is_the_count(text, totals):
    rep = report_of(text)
    assert rep.totals == totals and rep.covers_all


# -------------------------------------------------------------------------- counts without their number


@pytest.mark.parametrize(
    ("text", "name", "key"),
    [
        ("王建国家共人，体温正常", "王建国", "people"),
        ("王建国家人数：，体温36.5", "王建国", "people"),
        ("李秀兰家在家人，均正常", "李秀兰", "people"),
        ("薛文斌家共计 人，体温36.6", "薛文斌", "people"),
        ("霍建军家 人数：  返乡：  外来人员：0", "霍建军", "returned"),
    ],
)
def test_a_count_without_its_number_is_unknown_and_asked(text, name, key):
    rep = report_of(text)
    values = by_name(rep)[name]
    assert values[key] is None
    assert key in doubts(rep)[name]


def test_an_empty_form_label_is_not_a_yes():
    rep = report_of("霍建军家 人数：  返乡：  外来人员：")
    values = by_name(rep)["霍建军"]
    assert values["people"] is None and values["returned"] is None and values["visitors"] is None
    assert doubts(rep)["霍建军"] == ["people", "returned", "visitors"]


@pytest.mark.parametrize("text", ["包联10户共人，均正常", "共计 人", "10户，在家 人，体温都正常"])
def test_a_members_count_without_its_number_is_asked(text):
    rep = report_of(text)
    assert rep.totals["people"] is None
    assert "人数没有写数字，请补充" in rep.warnings


def test_households_and_people_both_left_blank():
    rep = report_of("共 户 人，均正常")
    assert rep.totals == {"households": None, "people": None}
    assert {"户数没有写数字，请补充", "人数没有写数字，请补充"} <= set(rep.warnings)


# --------------------------------------------------------------------------------- same as yesterday


@pytest.mark.parametrize(
    "text",
    [
        "同昨天",
        "和昨天一样",
        "跟昨日相同",
        "与昨天相同",
        "同前日",
        "情况同上",
        "无变化",
        "照旧",
        "一切照旧",
        "还是老样子",
        "老样子👌",
        "跟昨天的情况一样",
        "与昨日情况一致",
        "和昨天差不多",
        "跟昨儿一样",
        "同前一天",
        "跟前一天一样",
        "今日情况如昨",
        "情况依旧",
        "没啥变化",
        "没有任何变化",
        "和之前一样，无异常",
        "各户情况同昨日。",
        "同 昨日",
    ],
)
def test_same_as_yesterday_wordings(text):
    rep = report_of(text)
    assert rep.same_as_yesterday and not rep.covers_all and rep.households == []


def test_same_as_yesterday_with_totals_and_one_change():
    rep = report_of("10户33人，跟昨天一样，就王建国家儿子回来了")
    assert rep.same_as_yesterday and rep.totals == {"households": 10, "people": 33}
    assert stated(by_name(rep)["王建国"]) == {"returned": 1}


@pytest.mark.parametrize("text", ["和昨天相比多了1人返乡，王建国家儿子", "和昨天不一样，王建国家儿子返乡了"])
def test_a_comparison_with_yesterday_is_no_same(text):
    rep = report_of(text)
    assert not rep.same_as_yesterday


# ------------------------------------------------------------------ a blanket, then an exception alone


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("都在家，体温都正常。王建国家1人发烧", "王建国", {"fever": True}),
        ("全部在家，体温正常。王建国家1人发烧37.8", "王建国", {"temperature": 37.8, "fever": True}),
        ("各户都在家，体温均正常，薛文斌家外出1人", "薛文斌", {"out": 1, "fever": False}),
        ("都在家，都健康。霍建军家来了两名亲戚", "霍建军", {"visitors": 2}),
        ("体温均在正常范围内。张三虎家1人低烧", "张三虎", {"fever": True}),
        ("体温都属正常；陈立新家隔1人", "陈立新", {"isolated": 1, "fever": False}),
        ("大家都在家 身体都好 孙福贵家儿子从外地回来了", "孙福贵", {"returned": 1}),
        ("今天都没事，周玉梅家外来两人", "周玉梅", {"visitors": 2}),
    ],
)
def test_blanket_then_an_exception_covers_every_household(text, name, expected):
    rep = report_of(text)
    assert rep.covers_all
    got = by_name(rep)
    assert list(got) == OWN
    for key, value in expected.items():
        assert got[name][key] == value, key
    assert all(got[n] == CLEAR for n in OWN if n != name)


# ------------------------------------------------------------------------------ shortened field words


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("王建国家外来两人", "王建国", {"visitors": 2}),
        ("1. 霍建军 5人 隔1人", "霍建军", {"people": 5, "isolated": 1}),
        ("李秀兰 3人 返1人 温36.5", "李秀兰", {"people": 3, "returned": 1, "temperature": 36.5, "fever": False}),
        ("孙福贵外出1", "孙福贵", {"out": 1}),
        ("周玉梅 温：36.8", "周玉梅", {"temperature": 36.8, "fever": False}),
        ("张三虎4人，体36.6，回2人", "张三虎", {"people": 4, "temperature": 36.6, "fever": False, "returned": 2}),
        (
            "王建国家 4人 温36.6 无返 无隔",
            "王建国",
            {"people": 4, "temperature": 36.6, "fever": False, "returned": 0, "isolated": 0},
        ),
    ],
)
def test_short_field_words_keep_the_anomaly(text, name, expected):
    assert stated(by_name(report_of(text))[name]) == expected


def test_short_words_inside_a_chain_line():
    text = "#接龙 4.12排查\n1. 刘志宇 10户33人，王建国家外来两人，薛文斌家隔1人，其余正常\n2. 王艳 8户25人 均正常"
    rep = parse_message(text, "王艳", ROSTER, TEMPLATE).reports[0]
    got = by_name(rep)
    assert got["王建国"]["visitors"] == 2 and got["薛文斌"]["isolated"] == 1
    assert got["李秀兰"] == CLEAR


@pytest.mark.parametrize(("text", "expected"), [("1、王建国 5口 外2 体温正常", {"people": 5, "fever": False}),
                                              ("王建国家无外", {})])
def test_a_short_word_two_fields_share_is_asked(text, expected):
    rep = report_of(text)
    assert doubts(rep) == {"王建国": ["out", "visitors"]}
    assert stated(by_name(rep)["王建国"]) == expected


def test_a_visit_is_no_short_word():
    rep = report_of("共走访10户33人，均正常")
    assert rep.totals == {"households": 10, "people": 33} and rep.covers_all
    assert all(v == CLEAR for v in by_name(rep).values())


# ------------------------------------------------------------------ households named in passing: silence


@pytest.mark.parametrize(
    "text",
    [
        "王建国家门口的路又堵了",
        "霍建军家的狗又跑出来了，咬了人",
        "明天去薛文斌家看看",
        "王建国家今天报了吗？",
        "王建国家报了没",
        "李秀兰家呢",
        "周玉梅家什么情况",
        "我在王建国家吃饭，晚点报",
        "刚从张三虎家出来",
        "帮孙福贵家取了快递",
        "王建国家旁边那户漏水了",
        "陈立新家的车停路上了，挡道",
        "王建国家门口的路又堵了，大家注意",
    ],
)
def test_a_household_named_in_passing_is_no_report(text):
    assert parse_message(text, "刘志宇", ROSTER, TEMPLATE).reports == []


def test_a_mention_after_a_report_does_not_change_it():
    rep = report_of("包联10户均正常。明天去薛文斌家看看")
    assert rep.covers_all and all(v == CLEAR for v in by_name(rep).values())


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("王建国家4人", "王建国", {"people": 4}),
        ("王建国 正常", "王建国", {k: v for k, v in CLEAR.items() if v is not None and v != ""}),
        ("王建国√", "王建国", {k: v for k, v in CLEAR.items() if v is not None and v != ""}),
        ("王建国家的儿子在县城上班", "王建国", {"note": "儿子在县城上班"}),
        ("霍建军家老人住院了", "霍建军", {"note": "老人住院了"}),
        ("今天赵春花家老人住院了", "赵春花", {"note": "今天老人住院了"}),
    ],
)
def test_few_word_reports_are_kept(text, name, expected):
    assert stated(by_name(report_of(text))[name]) == expected


def test_ticks_after_each_household():
    rep = report_of("王建国 √ 李秀兰 √ 薛文斌 √")
    assert by_name(rep) == {n: CLEAR for n in ("王建国", "李秀兰", "薛文斌")}


# ------------------------------------------------------------------------------------- uncertain


@pytest.mark.parametrize(
    ("text", "name", "keys", "expected"),
    [
        ("王建国家体温3.65", "王建国", ["temperature"], {}),
        ("王建国家体温365", "王建国", ["temperature", "fever"], {"temperature": 36.5, "fever": False}),
        ("王建国 4人 375", "王建国", ["temperature", "fever"], {"people": 4, "temperature": 37.5, "fever": True}),
        ("李秀兰家体温34.2", "李秀兰", ["temperature", "fever"], {"temperature": 34.2, "fever": False}),
        ("薛文斌家体温正常，37.8", "薛文斌", ["temperature", "fever"], {"temperature": 37.8, "fever": True}),
        ("霍建军家无发热，体温37.6", "霍建军", ["temperature", "fever"], {"temperature": 37.6, "fever": True}),
        ("杜美玲家无返乡，返乡1人", "杜美玲", ["returned"], {"returned": 1}),
        ("张三虎家4口人……张三虎家3口人", "张三虎", ["people"], {"people": 4}),
        ("陈立新家2人，外出3人", "陈立新", ["out"], {"people": 2, "out": 3}),
        ("赵春花家45人", "赵春花", ["people"], {"people": 45}),
    ],
)
def test_doubtful_values_are_listed(text, name, keys, expected):
    rep = report_of(text)
    assert doubts(rep) == {name: keys}
    assert stated(by_name(rep)[name]) == expected


@pytest.mark.parametrize(
    ("text", "name"),
    [("王建图家4人正常", "王建国"), ("杜美林家3人，体温36.2", "杜美玲"), ("3号楼王家儿子回来了", "王建国")],
)
def test_a_doubtful_household_name_is_listed(text, name):
    rep = report_of(text)
    assert doubts(rep) == {name: ["household"]}


@pytest.mark.parametrize(
    "text",
    [
        "王建国家4人，体温36.5，无返乡",
        "王建国家儿子返乡，返乡1人，已居家隔离",
        "包联10户33人，除霍建军家外均正常。霍建军家儿子体温37.6",
        "1、王建国 三口人 三十六度五 正常\n2、李秀兰 两口人 36度8 正常",
        "王建国家4口人，在家4人，体温36.1~36.8",
        "霍建军家返乡2人（均已隔离），其余均正常",
    ],
)
def test_clear_reports_carry_no_doubt(text):
    assert doubts(report_of(text)) == {}


def test_a_blanket_count_without_number_leaves_every_covered_household_in_doubt():
    rep = report_of("包联10户，返乡：，王建国家返乡1人，其余正常")
    got = by_name(rep)
    assert got["王建国"]["returned"] == 1
    assert all(got[n]["returned"] is None for n in OWN if n != "王建国")
    assert "王建国" not in doubts(rep) and all("returned" in doubts(rep)[n] for n in OWN if n != "王建国")


def test_uncertain_is_in_every_household_of_the_json():
    data = parse_message("王建国家4人正常，薛文斌家体温365", "刘志宇", ROSTER, TEMPLATE).to_json()
    rows = {h["household"]: h for h in data["reports"][0]["households"]}
    assert rows["王建国"]["uncertain"] == [] and rows["薛文斌"]["uncertain"] == ["temperature", "fever"]
    json.dumps(data, ensure_ascii=False)


# ---------------------------------------------------------------------------- mixed, as chats write them


def test_a_mixed_message():
    text = (
        "刘志宇 4.12 排查情况：\n"
        "包联十户，共计三十一人，都在家，体温都正常。\n"
        "王建国家来了两名亲戚（西安来的，已登记）；薛文斌家隔1人\n"
        "霍建军家门口的路又堵了，请村里看看"
    )
    rep = report_of(text)
    assert rep.covers_all and rep.totals == {"households": 10, "people": 31}
    got = by_name(rep)
    assert got["王建国"]["visitors"] == 2 and got["薛文斌"]["isolated"] == 1
    assert got["霍建军"] == CLEAR
    assert doubts(rep) == {}


def test_fullwidth_and_spaces_do_not_change_the_shapes():
    a = report_of("王建国家来了两名亲戚，薛文斌家隔1人，共计 人").to_json()
    b = report_of("王建国家来了两名亲戚， 薛文斌家隔１人，  共计　人 ").to_json()
    assert a == b


# ------------------------------------------------------------------- several households, one statement


def test_a_count_said_of_each_household():
    got = by_name(report_of("王建国、李秀兰家各返乡2人"))
    assert got["王建国"]["returned"] == 2 and got["李秀兰"]["returned"] == 2


def test_a_count_that_cannot_be_split_is_asked():
    rep = report_of("王建国、李秀兰家返乡3人")
    assert doubts(rep) == {"王建国": ["returned"], "李秀兰": ["returned"]}


def test_one_each_is_no_doubt():
    rep = report_of("王建国、李秀兰家返乡2人，其余正常")
    got = by_name(rep)
    assert got["王建国"]["returned"] == 1 and got["李秀兰"]["returned"] == 1
    assert doubts(rep) == {}


def test_a_household_size_and_who_is_at_home_are_no_contradiction():
    rep = report_of("王建国家4口人，在家3人，外出1人")
    assert stated(by_name(rep)["王建国"]) == {"people": 4, "out": 1}
    assert doubts(rep) == {}


@pytest.mark.parametrize(("text", "name"), [("建国家4人", "王建国"), ("秀兰家儿子回来了，其余正常", "李秀兰")])
def test_a_given_name_alone_is_the_household_in_doubt(text, name):
    rep = report_of(text)
    assert doubts(rep) == {name: ["household"]}
    assert any("只写了名字" in w for w in rep.warnings)


@pytest.mark.parametrize(
    ("text", "name", "keys"),
    [
        ("听说霍建军家儿子要回来", "霍建军", ["returned"]),
        ("王建国家儿子明天回来", "王建国", ["returned"]),
        ("王建国家体温好像37.5", "王建国", ["temperature", "fever"]),
        ("李秀兰家可能来了2个亲戚，待核实", "李秀兰", ["visitors"]),
    ],
)
def test_hearsay_and_plans_are_asked(text, name, keys):
    assert doubts(report_of(text)) == {name: keys}


# ----------------------------------------------------------------------------- a count after its event


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("王建国家来亲戚了，两个", "王建国", {"visitors": 2}),
        ("周玉梅家来亲戚了，两个人，都没发烧", "周玉梅", {"visitors": 2, "fever": False}),
        ("赵春花家亲戚来了，共两人，已登记", "赵春花", {"visitors": 2, "note": "已登记"}),
        ("王建国家儿子儿媳孙子从武汉回来了，共计3人", "王建国", {"returned": 3, "note": "从武汉"}),
        ("孙福贵家女儿女婿回来了，一共2人", "孙福贵", {"returned": 2}),
    ],
)
def test_a_count_after_its_event_is_the_events(text, name, expected):
    rep = report_of(text)
    assert stated(by_name(rep)[name]) == expected
    assert doubts(rep) == {}


def test_a_count_after_one_persons_event_is_asked():
    rep = report_of("王建国家儿子回来了，4人，体温正常")
    assert doubts(rep) == {"王建国": ["people", "returned"]}


# ------------------------------------------------------------------------------------------ properties

_MENTIONS = ["{n}家门口的路又堵了", "明天去{n}家看看", "{n}家的狗又跑出来了", "{n}家报了没", "帮{n}家取了快递"]
_SHORT = [("隔{k}人", "isolated"), ("返{k}人", "returned"), ("外来{k}人", "visitors"), ("回{k}人", "returned")]


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(OWN), st.sampled_from(_MENTIONS), st.sampled_from(["", "，", "。", "！", "😂"]))
def test_any_household_named_in_passing_is_no_report(name, shape, tail):
    assert parse_message(shape.format(n=name) + tail, "刘志宇", ROSTER, TEMPLATE).reports == []


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(OWN), st.integers(1, 9), st.sampled_from(_SHORT), st.sampled_from(["家", " ", "家 ", ""]))
def test_short_words_read_for_any_household_and_count(name, k, short, glue):
    word, key = short
    rep = report_of(f"{name}{glue}{word.format(k=k)}")
    assert by_name(rep)[name][key] == k and doubts(rep) == {}


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(OWN), st.integers(2, 9), st.sampled_from(["名", "位", "个"]), st.sampled_from(["亲戚", "客人"]))
def test_visitors_with_a_measure_word(name, k, measure, who):
    rep = report_of(f"{name}家来了{k}{measure}{who}")
    assert stated(by_name(rep)[name]) == {"visitors": k}


@pytest.mark.parametrize(
    ("text", "name", "keys"),
    [
        ("王建国家有返乡人员", "王建国", ["returned"]),
        ("王建国家来亲戚了", "王建国", ["visitors"]),
        ("李秀兰家儿子儿媳回来了", "李秀兰", ["returned"]),
        ("薛文斌家外来人员：  人", "薛文斌", ["visitors"]),
    ],
)
def test_how_many_is_unknown(text, name, keys):
    assert doubts(report_of(text)) == {name: keys}


@pytest.mark.parametrize(
    "text",
    [
        "王建国家儿子回来了",
        "周玉梅家来了个亲戚，已居家隔离",
        "张三虎家闺女回来了 在家隔离 体温正常",
        "外来人员：霍建军家亲戚1人，其余正常",
        "霍建军家昨天从杭州回来了俩，现在居家隔离",
    ],
)
def test_one_person_or_a_count_is_no_doubt(text):
    assert doubts(report_of(text)) == {}


def test_a_short_rest_word_in_a_chain_line():
    rep = report_of("包联10户 外来1人(王建国家) 余正常")
    got = by_name(rep)
    assert rep.covers_all and got["王建国"]["visitors"] == 1 and got["李秀兰"] == CLEAR


def test_an_exception_with_its_count():
    got = by_name(report_of("除了王建国家2人外出，其余都正常"))
    assert got["王建国"]["out"] == 2 and got["李秀兰"] == CLEAR


@pytest.mark.parametrize(
    "text",
    [
        "谢谢王建国家送来的两箱矿泉水🙏",
        "李秀兰家那条巷子的路灯坏了，已经报修",
        "薛文斌家小孩考上研究生了，恭喜恭喜",
        "霍建军家的电话打不通，谁有他儿子的号码",
    ],
)
def test_thanks_and_things_are_no_report(text):
    assert parse_message(text, "刘志宇", ROSTER, TEMPLATE).reports == []


@pytest.mark.parametrize("text", ["按昨天报的来，没变", "照昨天的报"])
def test_same_as_yesterday_by_reference(text):
    assert report_of(text).same_as_yesterday


# -------------------------------------------------------------- one household's report over several lines


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("王建国家\n4人\n体温36.5\n无返乡", "王建国", {"people": 4, "temperature": 36.5, "fever": False, "returned": 0}),
        ("李秀兰家3人，\n体温都正常，\n无返乡", "李秀兰", {"people": 3, "fever": False, "returned": 0}),
        ("薛文斌家4人36.5\n外出1人", "薛文斌", {"people": 4, "temperature": 36.5, "fever": False, "out": 1}),
    ],
)
def test_a_household_over_several_lines(text, name, expected):
    rep = report_of(text)
    assert not rep.covers_all and list(by_name(rep)) == [name]
    assert stated(by_name(rep)[name]) == expected


@pytest.mark.parametrize(
    "text", ["王建国家儿子返乡\n其余均正常", "王建国家儿子返乡\n体温均正常", "王建国家儿子返乡\n包联10户均正常"]
)
def test_a_grid_line_after_a_household_line_is_the_grids(text):
    rep = report_of(text)
    assert rep.covers_all and by_name(rep)["李秀兰"] == CLEAR


def test_numbered_lines_are_separate_households():
    got = by_name(report_of("1. 王建国 4人\n2. 李秀兰 3人"))
    assert stated(got["王建国"]) == {"people": 4} and stated(got["李秀兰"]) == {"people": 3}


def test_run_on_speech_with_two_households():
    text = "那个王建国家今天来了两个亲戚是从县城过来的体温都正常然后霍建军家他家老人有点发烧三十七度八已经让他去卫生院了"
    got = by_name(report_of(text))
    assert stated(got["王建国"]) == {"visitors": 2, "fever": False, "note": "从县城"}
    assert got["霍建军"]["temperature"] == 37.8 and got["霍建军"]["fever"] is True
    assert got["霍建军"]["visitors"] is None


def test_a_point_typed_as_a_full_stop():
    rep = report_of("王建国家2人，体温36。5")
    assert stated(by_name(rep)["王建国"]) == {"people": 2, "temperature": 36.5, "fever": False}
