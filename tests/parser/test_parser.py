"""Example-based tests of the report parser: realistic group-chat messages, one shape per group.

The roster is in ``tests/parser_fixtures.py``: 刘志宇 covers 王建国 … 周玉梅 (10 households), 王艳 covers
马德胜 … 罗永福 (8), 陈明 / 赵丽 / 周强 small grids, 刘桂兰 (5网格, 6), 李德福 (第七网格, 5), 张建国 in
another village (whose 沈秀云 is "foreign" to 刘志宇, and whose 王建国 shares a name with 刘志宇's).
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.model import Member, MemberReport, ParseResult, Roster
from bot.core.template import Field, Template
from bot.parser import parse_message, textnorm
from tests.parser.fixtures import ROSTER, TEMPLATE, households_of, member
from tests.parser.work import calls

NORMAL = TEMPLATE.normal_values()
EMPTY = TEMPLATE.empty_values()


def parse(text: str, sender: Member | str = "刘志宇", template: Template = TEMPLATE) -> ParseResult:
    return parse_message(text, sender, ROSTER, template)


def one(text: str, sender: Member | str = "刘志宇") -> MemberReport:
    result = parse(text, sender)
    assert len(result.reports) == 1, result.to_json()
    return result.reports[0]


def hh(report: MemberReport) -> dict[str, dict[str, Any]]:
    return {h.household: h.values for h in report.households}


def vals(**kw: Any) -> dict[str, Any]:
    """Template values: unstated (None) except the given ones."""
    out = dict(EMPTY)
    out.update(kw)
    return out


def normal(**kw: Any) -> dict[str, Any]:
    out = dict(NORMAL)
    out.update(kw)
    return out


# ------------------------------------------------------------------------------ per-household lines


def test_numbered_line_with_normal_word():
    r = one("1. 王建国 4人 36.5 正常")
    assert r.member == "刘志宇" and not r.covers_all
    assert hh(r) == {"王建国": normal(people=4, temperature=36.5)}
    assert r.unmatched == [] and r.foreign == [] and r.warnings == []


def test_household_with_jia_and_fields():
    r = one("王建国家：4人，体温正常，无返乡")
    assert hh(r) == {"王建国": vals(people=4, fever=False, returned=0)}


def test_highest_temperature_wins():
    r = one("薛文斌户4口人，体温36.4、36.6、36.5")
    assert hh(r) == {"薛文斌": vals(people=4, temperature=36.6, fever=False)}


def test_several_numbered_households():
    r = one("1、王建国 三口人 三十六度五 正常\n2、李秀兰 两口人 36度8 正常\n3、薛文斌 4人 37.6 发烧")
    got = hh(r)
    assert list(got) == ["王建国", "李秀兰", "薛文斌"]
    assert got["王建国"] == normal(people=3, temperature=36.5)
    assert got["李秀兰"] == normal(people=2, temperature=36.8)
    assert got["薛文斌"] == vals(people=4, temperature=37.6, fever=True)
    assert not r.covers_all


def test_parenthesised_numbers_on_one_line():
    r = one("(1)王建国4人36.5℃ (2)李秀兰3人36.6℃")
    assert hh(r) == {
        "王建国": vals(people=4, temperature=36.5, fever=False),
        "李秀兰": vals(people=3, temperature=36.6, fever=False),
    }


def test_circled_numbers_and_range():
    r = one("①王建国 4人 体温36.5～36.9 ②薛文斌 2人 37.8 发烧")
    got = hh(r)
    assert got["王建国"] == vals(people=4, temperature=36.9, fever=False)
    assert got["薛文斌"] == vals(people=2, temperature=37.8, fever=True)


def test_negation_carries_over_list():
    r = one("王建国家4人，体温36.5，无返乡、隔离、外来人员")
    assert hh(r) == {
        "王建国": vals(people=4, temperature=36.5, fever=False, returned=0, isolated=0, visitors=0)
    }


def test_value_in_next_clause_after_space():
    r = one("王建国 体温 36.5")
    assert hh(r) == {"王建国": vals(temperature=36.5, fever=False)}


def test_out_count_and_people():
    r = one("孙福贵家3人 外出1人 体温36.6")
    assert hh(r) == {"孙福贵": vals(people=3, out=1, temperature=36.6, fever=False)}


def test_fever_word_alone():
    r = one("霍建军 5人 发热")
    assert hh(r) == {"霍建军": vals(people=5, fever=True)}


def test_fever_with_temperature_in_du():
    r = one("王建国家里有人发烧38度")
    assert hh(r) == {"王建国": vals(temperature=38.0, fever=True)}


def test_returnee_sentence_with_note():
    r = one("李秀兰家女儿从上海返乡，已居家隔离第3天，体温36.8")
    assert hh(r) == {"李秀兰": vals(returned=1, isolated=1, temperature=36.8, fever=False, note="从上海")}


def test_visitor_and_isolation():
    r = one("周玉梅家来了个亲戚，已居家隔离")
    assert hh(r) == {"周玉梅": vals(visitors=1, isolated=1)}


def test_free_text_becomes_note():
    r = one("赵春花家：3人，体温正常，儿子在县城上班")
    assert hh(r) == {"赵春花": vals(people=3, fever=False, note="儿子在县城上班")}


def test_note_field_alias():
    r = one("陈立新家2人，体温36.4，备注：老人卧床")
    assert hh(r)["陈立新"]["note"] == "老人卧床"
    assert hh(r)["陈立新"]["people"] == 2


def test_two_names_share_a_statement():
    r = one("王建国、李秀兰家各3人 体温正常")
    assert hh(r) == {"王建国": vals(people=3, fever=False), "李秀兰": vals(people=3, fever=False)}


def test_name_only_line_then_details():
    r = one("王建国家：\n4人，体温36.6，无外出")
    assert hh(r) == {"王建国": vals(people=4, temperature=36.6, fever=False, out=0)}


def test_household_named_after_field_label():
    r = one("返乡人员：王建国家儿子（武汉）")
    assert hh(r) == {"王建国": vals(returned=1, note="武汉")}


def test_count_distributed_to_households_in_parentheses():
    r = one("返乡2人（王建国家、李秀兰家）")
    assert hh(r) == {"王建国": vals(returned=1), "李秀兰": vals(returned=1)}


def test_count_before_and_temperature_after_fever_word():
    r = one("马德胜家1人发烧37.5，其余正常", "王艳")
    assert hh(r)["马德胜"] == vals(fever=True, temperature=37.5)
    assert r.covers_all


def test_bare_people_count_on_household_line():
    r = one("王建国 4 36.5\n李秀兰 3 36.6")
    assert hh(r) == {
        "王建国": vals(people=4, temperature=36.5, fever=False),
        "李秀兰": vals(people=3, temperature=36.6, fever=False),
    }


def test_labelled_household_fields_on_one_line():
    r = one("户主：王建国 人数：4 体温：36.5 返乡：无")
    assert hh(r) == {"王建国": vals(people=4, temperature=36.5, fever=False, returned=0)}


def test_household_sentence_without_fields_is_a_note():
    r = one("王建国家老人住院了，不在家")
    # 不在家 is a status remark (issue 12): it sets "out" and goes to the note too
    assert hh(r) == {"王建国": vals(out=True, note="老人住院了；不在家")}


def test_place_word_between_negation_and_field():
    r = one("今日包联户10户，在家人员33人，体温测量全部正常，无湖北返乡人员。")
    assert r.covers_all and r.totals == {"households": 10, "people": 33} and r.warnings == []


def test_negation_of_a_verb_is_not_a_none_statement():
    r = one("王建国、李秀兰两户今日外出未归")
    assert hh(r) == {"王建国": vals(out=True), "李秀兰": vals(out=True)}


def test_count_before_yes_word():
    r = one("赵春花家 外出务工人员1人已返乡")
    assert hh(r)["赵春花"]["returned"] == 1 and hh(r)["赵春花"]["people"] is None


def test_name_followed_by_yijia():
    r = one("王建国一家4口都在家，体温正常")
    assert hh(r) == {"王建国": vals(people=4, fever=False)} and r.unmatched == []


# ------------------------------------------------------------------------------------------ tables


def test_tab_table_with_header():
    text = "户主\t人数\t体温\t外出\t返乡\t备注\n王建国\t4\t36.5\t否\t否\t\n李秀兰\t3\t365\t是\t无\t去县城"
    r = one(text)
    got = hh(r)
    assert got["王建国"] == vals(people=4, temperature=36.5, fever=False, out=0, returned=0)
    assert got["李秀兰"] == vals(people=3, temperature=36.5, fever=False, out=True, returned=0, note="去县城")
    assert [h.row for h in r.households] == [1, 2]


def test_space_table_with_index_column_and_fuzzy_name():
    r = one("户主 人数 体温 是否发热 返乡\n1 霍建军 5 37.5 是 0\n2 杜美林 3 36.2 否 1")
    got = hh(r)
    assert got["霍建军"] == vals(people=5, temperature=37.5, fever=True, returned=0)
    assert got["杜美玲"] == vals(people=3, temperature=36.2, fever=False, returned=1)
    assert any("杜美林" in w for w in r.warnings)


def test_table_columns_follow_the_header_order():
    r = one("姓名 温度 人口 隔离\n王建国 36.7 4 ×\n陈立新 36.3 2 √")
    got = hh(r)
    assert got["王建国"] == vals(people=4, temperature=36.7, fever=False, isolated=0)
    assert got["陈立新"] == vals(people=2, temperature=36.3, fever=False, isolated=1)


def test_table_unknown_name_goes_to_unmatched():
    r = one("户主\t人数\t体温\n王建国\t4\t36.5\n赵小明\t2\t36.6")
    assert list(hh(r)) == ["王建国"]
    assert r.unmatched == ["赵小明"]
    assert r.warnings


def test_pipe_table_with_total_row():
    r = one("户主|人数|体温|备注\n王建国|4|36.5|\n霍建军|5|37.8|发烧已就医\n合计|9||")
    got = hh(r)
    assert got["霍建军"] == vals(people=5, temperature=37.8, fever=True, note="发烧已就医")
    assert r.totals == {"households": None, "people": 9}


def test_table_with_check_marks():
    r = one("户主 人数 体温 外出 返乡 隔离\n王建国 4 36.5 × × ×\n李秀兰 3 36.6 ✓ × ×")
    got = hh(r)
    assert got["王建国"] == vals(people=4, temperature=36.5, fever=False, out=0, returned=0, isolated=0)
    assert got["李秀兰"]["out"] is True


def test_table_after_totals_line():
    r = one("包联10户33人，今日明细：\n户主\t人数\t体温\n王建国\t4\t37.4")
    assert r.totals == {"households": 10, "people": 33}
    assert hh(r) == {"王建国": vals(people=4, temperature=37.4, fever=True)}


# ------------------------------------------------------------------------------------ blanket + exceptions


def test_blanket_statement_covers_all():
    r = one("包联10户33人，体温均正常，无返乡人员")
    assert r.covers_all and r.totals == {"households": 10, "people": 33}
    assert [h.household for h in r.households] == households_of("刘志宇")
    assert all(h.values == NORMAL for h in r.households)
    assert r.warnings == []


def test_except_clause_with_exception_values():
    r = one("除霍建军家外均正常。霍建军家儿子体温37.6")
    assert r.covers_all
    got = hh(r)
    assert got["霍建军"] == vals(temperature=37.6, fever=True)
    assert all(v == NORMAL for k, v in got.items() if k != "霍建军")
    assert list(got) == households_of("刘志宇")


def test_rest_normal_after_household_lines():
    r = one("1. 王建国 4人 37.5 发烧\n其余均正常")
    got = hh(r)
    assert r.covers_all
    assert got["王建国"] == vals(people=4, temperature=37.5, fever=True)
    assert got["李秀兰"] == NORMAL


def test_exception_in_same_sentence():
    r = one("王建国家来了亲戚2人，其余均正常")
    assert r.covers_all
    assert hh(r)["王建国"] == vals(visitors=2)
    assert hh(r)["周玉梅"] == NORMAL


def test_all_normal_then_specific_household():
    r = one("包联10户33人，均正常。霍建军家儿子体温37.6")
    assert r.covers_all
    assert hh(r)["霍建军"] == normal(temperature=37.6, fever=True)


def test_blanket_with_household_exception_in_same_line():
    r = one("包联10户33人，体温均正常，无返乡人员，其中霍建军家有1人外出务工")
    got = hh(r)
    assert got["霍建军"] == vals(out=1, returned=0, fever=False, note="1人外出务工")  # the status remark is noted
    assert got["王建国"] == NORMAL


def test_two_households_excepted():
    r = one("霍建军、杜美玲两家均无返乡，其余正常")
    got = hh(r)
    assert r.covers_all
    assert got["霍建军"] == vals(returned=0)
    assert got["杜美玲"] == vals(returned=0)
    assert got["王建国"] == NORMAL


def test_except_two_names_with_details():
    r = one("除王建国、李秀兰两户外，其他户均正常。王建国家2人外出，李秀兰家体温37.3")
    got = hh(r)
    assert got["王建国"] == vals(out=2)
    assert got["李秀兰"] == vals(temperature=37.3, fever=True)
    assert got["薛文斌"] == NORMAL


def test_rest_with_count_and_no_anomaly():
    r = one("今日报告：\n1、王建国家：在家4人，体温36.5、36.2、36.8\n2、其余9户均无异常")
    assert r.covers_all
    assert hh(r)["王建国"] == vals(people=4, temperature=36.8, fever=False)
    assert hh(r)["周玉梅"] == NORMAL
    assert r.totals == {"households": None, "people": None}


def test_rest_not_measured_is_not_blanket():
    r = one("王建国家36.5，李秀兰家36.7，其余未测")
    assert not r.covers_all and list(hh(r)) == ["王建国", "李秀兰"]


def test_detailed_form_with_household_in_parentheses():
    text = (
        "【健康排查日报】\n网格：第三网格\n网格员：刘志宇\n日期：4月12日\n排查户数：10户\n排查人数：33人\n"
        "发热人员：无\n返乡人员：1人（霍建军家儿子，武汉返乡，居家隔离）\n外来人员：无\n其他情况：无"
    )
    r = one(text)
    assert r.covers_all and r.totals == {"households": 10, "people": 33}
    assert hh(r)["霍建军"] == vals(returned=1, isolated=1, fever=False, visitors=0)
    assert hh(r)["王建国"] == NORMAL and r.warnings == []


def test_count_without_household_warns():
    r = one("今日发热1人，其余正常")
    assert r.covers_all
    assert all(h.values == NORMAL for h in r.households)
    assert any("发热1人" in w and "哪一户" in w for w in r.warnings)


def test_high_range_without_household_warns():
    r = one("10户33人，体温36.2~37.5")
    assert not r.covers_all and r.totals == {"households": 10, "people": 33}
    assert any("37.5" in w for w in r.warnings)


def test_blanket_no_fever_only():
    r = one("体温均在36.0-37.0之间，无发热")
    assert r.covers_all
    assert all(h.values == NORMAL for h in r.households)


def test_blanket_count_explained_by_household():
    r = one("包联10户，返乡1人，王建国家儿子从武汉返乡，其余正常")
    assert hh(r)["王建国"]["returned"] == 1
    assert not any("哪一户" in w for w in r.warnings)


# ----------------------------------------------------------------------------------------- zero report


def test_zero_report():
    r = one("东风村5网格刘桂兰：今日零报告，16户47人无异常。", "刘桂兰")
    assert r.member == "刘桂兰" and r.covers_all
    assert r.totals == {"households": 16, "people": 47}
    assert [h.household for h in r.households] == households_of("刘桂兰")
    assert r.unmatched == [] and r.warnings == []


def test_zero_report_short():
    r = one("零报告", "王艳")
    assert r.covers_all and len(r.households) == 8


def test_just_normal():
    r = one("今日无异常")
    assert r.covers_all and r.totals == {"households": None, "people": None}


# ----------------------------------------------------------------------------------------------- forms


def test_multiline_form_with_named_member():
    text = "【每日排查】\n网格员：王艳\n包联户数：8户\n在家人数：25人\n发热人数：1（马德胜家，37.4）\n返乡人员：0\n…"
    r = one(text, "王艳")
    assert r.member == "王艳" and r.covers_all
    assert r.totals == {"households": 8, "people": 25}
    got = hh(r)
    assert got["马德胜"] == vals(temperature=37.4, fever=True, returned=0)
    assert got["郭长青"] == NORMAL


def test_one_line_form_with_separators():
    text = (
        "【网格员日报】东风村5网格 刘桂兰 4.12｜排查16户 在家47人｜体温36.1～36.8℃均正常｜返乡0｜"
        "外地来人1人（杭州，居家健康监测第3天）｜发热无｜异常情况：无"
    )
    r = one(text, "刘桂兰")
    assert r.member == "刘桂兰" and r.covers_all
    assert r.totals == {"households": 16, "people": 47}
    assert all(h.values == NORMAL for h in r.households)
    assert len(r.warnings) == 1 and "外来人员1人" in r.warnings[0] and "杭州" in r.warnings[0]


def test_form_posted_on_behalf_of_another_member():
    r = one("网格员：王艳\n包联户数：8户\n在家人数：25人\n体温均正常", "刘志宇")
    assert r.member == "王艳" and r.covers_all
    assert any("代" in w for w in r.warnings)


def test_form_with_unknown_member_name_uses_sender():
    r = one("网格员：孙小梅\n包联户数：10户\n均正常", "刘志宇")
    assert r.member == "刘志宇" and r.covers_all
    assert any("孙小梅" in w for w in r.warnings)
    assert "孙小梅" not in r.unmatched


def test_form_named_household_is_foreign():
    r = one("【每日排查】\n网格员：王艳\n包联户数：8户\n发热人数：1（张三虎家，37.4）", "王艳")
    assert r.foreign == [{"household": "张三虎", "member": "刘志宇"}]
    assert "张三虎" not in hh(r)


def test_form_with_heading_word_qingkuang():
    r = one("刘志宇 4.12 排查情况：共走访10户，在家33人，体温正常，其中返乡1人（王建国家儿子，已居家隔离）")
    assert r.totals == {"households": 10, "people": 33}
    assert r.covers_all
    assert hh(r)["王建国"] == vals(returned=1, isolated=1, fever=False)


# ------------------------------------------------------------------------------------------------ chains


def test_chain_of_members():
    res = parse("#接龙 4月12日第三网格排查\n1. 刘志宇 10户33人 均正常\n2. 王艳 8户25人，均正常", "王艳")
    assert res.chain and not res.correction
    assert [(r.member, r.chain_index) for r in res.reports] == [("刘志宇", 1), ("王艳", 2)]
    assert res.reports[0].totals == {"households": 10, "people": 33} and res.reports[0].covers_all
    assert res.reports[1].totals == {"households": 8, "people": 25}


def test_health_checkin_chain():
    text = "#接龙 健康打卡4.12\n1. 陈明 36.5 正常\n2. 赵丽 36.3℃ 正常\n3. 周强 体温36.8度 无异常"
    res = parse(text, "赵丽")
    assert [(r.member, r.chain_index) for r in res.reports] == [("陈明", 1), ("赵丽", 2), ("周强", 3)]
    assert all(r.covers_all for r in res.reports)


def test_chain_fuzzy_member_and_unknown_line():
    text = "#接龙 4.12第三网格\n1. 刘志宇 10户33人 均正常\n2. 王燕 8户25人 均正常\n3. 吴小红 36.5 正常"
    res = parse(text, "刘志宇")
    by = {r.member: r for r in res.reports}
    assert set(by) == {"刘志宇", "王艳"}
    assert by["王艳"].chain_index == 2 and any("王燕" in w for w in by["王艳"].warnings)
    assert by["刘志宇"].unmatched == ["吴小红"]
    assert any("接龙第3条" in w for w in by["刘志宇"].warnings)


def test_chain_line_naming_senders_household():
    text = "#接龙 打卡\n1. 刘志宇 10户33人 均正常\n2. 王建国 4人 37.5"
    res = parse(text, "刘志宇")
    assert len(res.reports) == 1
    r = res.reports[0]
    assert r.chain_index == 1 and r.covers_all
    assert hh(r)["王建国"] == normal(people=4, temperature=37.5, fever=True)


def test_chain_from_unknown_sender_keeps_member_lines_only():
    text = "#接龙\n1. 刘志宇 10户33人 均正常\n2. 王艳 8户25人 均正常\n3. 王建国 4人 36.5"
    res = parse(text, "某某")
    assert [r.member for r in res.reports] == ["刘志宇", "王艳"]


def test_chain_same_as_yesterday_lines():
    res = parse("#接龙\n1. 陈明 同上\n2. 赵丽 无变化\n3. 周强", "陈明")
    assert [(r.member, r.same_as_yesterday, r.households) for r in res.reports] == [
        ("陈明", True, []),
        ("赵丽", True, []),
    ]


def test_chain_of_acknowledgements_is_not_a_report():
    res = parse("#接龙 收到请回复\n1. 王艳 收到\n2. 刘志宇 收到👍", "刘志宇")
    assert res.chain and res.reports == []


def test_numbered_member_list_without_title():
    res = parse("1. 刘志宇 10户33人 均正常\n2. 王艳 8户25人 均正常\n3. 陈明 3户9人 均正常", "陈明")
    assert [r.member for r in res.reports] == ["刘志宇", "王艳", "陈明"]
    assert res.reports[2].totals == {"households": 3, "people": 9}


def test_chain_line_with_colon_and_exception():
    text = "#接龙 第三网格4.12\n1.刘志宇:10户33人,王建国家儿子返乡,其余正常\n2.王艳:8户25人均正常"
    res = parse(text, "王艳")
    r = res.reports[0]
    assert r.member == "刘志宇" and r.covers_all
    assert hh(r)["王建国"] == vals(returned=1)
    assert hh(r)["李秀兰"] == NORMAL


def test_temperature_checkin_goes_to_members_own_household():
    res = parse("#接龙 体温打卡\n1. 刘志宇 36.5\n2. 陈明 36.4", "陈明")
    assert [r.member for r in res.reports] == ["刘志宇", "陈明"]
    assert res.reports[0].households == [] and not res.reports[0].covers_all
    assert hh(res.reports[1]) == {"陈明": vals(temperature=36.4, fever=False)}


def test_fullwidth_chain():
    res = parse("＃接龙\n１．刘志宇　１０户３３人　均正常\n２．王艳　８户２５人　均正常", "王艳")
    assert [(r.member, r.totals["households"]) for r in res.reports] == [("刘志宇", 10), ("王艳", 8)]


def test_chain_line_with_correction():
    res = parse("#接龙\n1、刘志宇 同昨日\n2、王艳 更正：应为8户不是9户", "王艳")
    assert res.chain and res.correction
    assert res.reports[0].same_as_yesterday
    assert res.reports[1].totals == {"households": 8, "people": None}


def test_chain_with_question_line_skipped():
    res = parse("#接龙\n1. 刘志宇 10户33人 均正常\n2. 王艳 今天要报体温吗？", "刘志宇")
    assert [r.member for r in res.reports] == ["刘志宇"]


# --------------------------------------------------------------------------------------- same as before


@pytest.mark.parametrize("text", ["同上，无变化", "和昨天一样", "今日情况同昨日", "与昨日相同", "无变化👍"])
def test_same_as_yesterday(text):
    r = one(text)
    assert r.same_as_yesterday and not r.covers_all and r.households == []


def test_same_as_yesterday_with_specific_household():
    r = one("同昨日，王建国家儿子返乡")
    assert r.same_as_yesterday
    assert hh(r) == {"王建国": vals(returned=1)}


def test_same_as_yesterday_keeps_totals():
    r = one("10户33人，同昨日")
    assert r.same_as_yesterday and r.totals == {"households": 10, "people": 33}


# -------------------------------------------------------------------------------------------- corrections


def test_correction_of_household_count():
    res = parse("更正：上条写错了，应该是14户不是15户")
    assert res.correction and len(res.reports) == 1
    r = res.reports[0]
    assert r.member == "刘志宇" and r.totals == {"households": 14, "people": None}
    assert not r.covers_all and r.households == []


def test_correction_restating_household():
    res = parse("更正：王建国家5人")
    assert res.correction
    assert hh(res.reports[0]) == {"王建国": vals(people=5)}


def test_correction_with_wrong_value_named():
    res = parse("纠正一下：王建国家是5口人，不是4口人")
    assert res.correction and hh(res.reports[0]) == {"王建国": vals(people=5)}


def test_correction_moves_fever_to_other_household():
    res = parse("更正：体温37.5的是霍建军家，不是薛文斌家")
    assert hh(res.reports[0]) == {"霍建军": vals(temperature=37.5, fever=True)}


def test_correction_with_old_value():
    res = parse("改正：今天排查14户，原报15户")
    assert res.correction and res.reports[0].totals["households"] == 14


def test_correction_changed_to():
    res = parse("更改一下，人数33人改为34人")
    assert res.correction and res.reports[0].totals == {"households": None, "people": 34}


# ----------------------------------------------------------------------------------------- writing variants


def test_fullwidth_digits_and_punctuation():
    r = one("包联１２户　３６人；体温均正常；无返乡")
    assert r.totals == {"households": 12, "people": 36} and r.covers_all


def test_chinese_numerals_blanket():
    r = one("刘志宇：包联十户，共三十三人，今日均无发热、咳嗽，无返乡人员✅")
    assert r.totals == {"households": 10, "people": 33} and r.covers_all
    assert all(h.values == NORMAL for h in r.households)


def test_boilerplate_is_ignored():
    r = one("一日一报：10户33人 不漏一户、不漏一人 均正常🙏")
    assert r.totals == {"households": 10, "people": 33} and r.covers_all


def test_emoji_and_extra_spaces():
    r = one("✅  王建国家   4人 👍  体温  36.6℃   无返乡 🙏")
    assert hh(r) == {"王建国": vals(people=4, temperature=36.6, fever=False, returned=0)}


def test_three_digit_temperature_in_household_line():
    r = one("王建国 4人 365")
    assert hh(r)["王建国"]["temperature"] == 36.5


def test_range_with_zhi_takes_max():
    r = one("薛文斌家4人体温36.3至36.9")
    assert hh(r)["薛文斌"]["temperature"] == 36.9


def test_temperature_in_chinese_with_dian():
    r = one("王建国 体温三十七点八度")
    assert hh(r) == {"王建国": vals(temperature=37.8, fever=True)}


def test_fever_at_threshold():
    r = one("李秀兰家体温37.3")
    assert hh(r)["李秀兰"]["fever"] is True


def test_name_with_numeral_is_protected():
    r = one("张三虎家三口人，体温正常")
    assert hh(r) == {"张三虎": vals(people=3, fever=False)}


def test_colon_variants_and_zero_words():
    r = one("王建国家: 外出:否; 返乡：零; 隔离:0; 外来人员:没有")
    assert hh(r) == {"王建国": vals(out=0, returned=0, isolated=0, visitors=0)}


# -------------------------------------------------------------------------------------- older members


def test_older_member_wording_with_guess():
    text = "李大爷 第七网格 十五户 四十二人 体温都正常 没有外来人 ３号楼王家儿子昨晚从武汉回来了 已告诉村里"
    r = one(text, "李德福")
    assert r.member == "李德福" and r.covers_all
    assert r.totals == {"households": 15, "people": 42}
    got = hh(r)
    assert got["王二柱"]["returned"] == 1
    assert any("王二柱" in w and "推测" in w for w in r.warnings)
    assert got["田有福"] == NORMAL
    assert r.unmatched == []


def test_ambiguous_family_name_is_warned_not_stored():
    r = one("八户 二十五人 都正常 马家儿子从外地回来了", "王艳")
    assert r.covers_all and r.totals == {"households": 8, "people": 25}
    assert all(h.values == NORMAL for h in r.households)
    assert any("马家" in w for w in r.warnings)


def test_family_name_with_address_hint():
    r = one("五号楼马家来了亲戚", "王艳")
    assert hh(r) == {"马秀英": vals(visitors=1)}
    assert any("推测" in w for w in r.warnings)


def test_old_wang_family():
    r = one("老王家儿子回来了")
    assert hh(r) == {"王建国": vals(returned=1)}


# ---------------------------------------------------------------------------------------------- names


def test_fuzzy_name_within_own_households():
    r = one("杜美林家3人，体温36.2")
    assert hh(r) == {"杜美玲": vals(people=3, temperature=36.2, fever=False)}


def test_unknown_name_is_unmatched():
    r = one("吴国华家4人 体温正常")
    assert r.households == [] and r.unmatched == ["吴国华"]
    assert r.warnings and "吴国华" in r.warnings[0]


def test_one_character_off_is_matched_with_warning():
    r = one("王建军家4人 体温正常")
    assert hh(r) == {"王建国": vals(people=4, fever=False)} and r.unmatched == []
    assert any("王建军" in w for w in r.warnings)


def test_other_members_household_is_foreign():
    r = one("沈秀云家4人 体温正常")
    assert r.households == []
    assert r.foreign == [{"household": "沈秀云", "member": "张建国"}]


def test_fuzzy_never_matches_another_members_household():
    # 马德胜 belongs to 王艳; one character off 马德生 must not become 王艳's household in 刘志宇's report
    r = one("马德生家2人 体温正常")
    assert r.households == [] and r.unmatched == ["马德生"]


def test_member_name_as_household_is_unmatched():
    r = one("张建国家4人 体温正常")
    assert r.households == [] and r.unmatched == ["张建国"]


def test_same_name_in_own_households_wins():
    # 王建国 is 刘志宇's household and also 张建国's (another village)
    r = one("王建国家4人")
    assert hh(r) == {"王建国": vals(people=4)} and r.foreign == []


def test_report_on_behalf_named_at_line_start():
    r = one("王艳 8户25人 均正常", "刘志宇")
    assert r.member == "王艳" and r.totals == {"households": 8, "people": 25}


def test_own_name_at_start_is_header():
    r = one("刘志宇 10户33人 均正常")
    assert r.member == "刘志宇" and r.unmatched == [] and r.covers_all


# ----------------------------------------------------------------------------------------- not reports


@pytest.mark.parametrize(
    "text",
    [
        "收到",
        "好的，收到🙏",
        "👍",
        "@王艳 明天几点开会？",
        "请各位网格员18:00前上报",
        "通知：明天上午9点在村委会开会，请准时参加",
        "大网格汇总（18:00）：应报8人已报7人，未报：王德福；合计126户371人，返乡2人，居家健康监测2人，发热0人",
        "辛苦了",
        "今天天气正常",
        "今天下雨了，大家注意安全",
        "王建国家今天体温正常吗？",
        "张三家的狗跑了",
        "",
        "   \n\t ",
        "温馨提醒：外出请戴口罩",
    ],
)
def test_not_a_report(text):
    res = parse(text)
    assert res.reports == [] and not res.is_report


def test_unknown_sender_non_chain_gives_nothing():
    assert parse("12户36人 均正常", "不认识的人").reports == []


# ------------------------------------------------------------------------------------------- senders


def test_sender_as_member_object():
    r = one("12户36人 均正常", member("王艳"))
    assert r.member == "王艳"


def test_sender_by_account():
    members = [
        Member(m.name, m.grid, m.village, m.town, "@liuzy" if m.name == "刘志宇" else None, m.households)
        for m in ROSTER.members
    ]
    res = parse_message("包联10户33人 均正常", "@liuzy", Roster(members), TEMPLATE)
    assert [r.member for r in res.reports] == ["刘志宇"]


# ------------------------------------------------------------------------------------ custom template


CUSTOM = Template(
    (
        Field("people", "人数", "int", ("人数", "口人")),
        Field("temperature", "体温", "temperature", ("体温",)),
        Field("cough", "咳嗽", "bool", ("咳嗽",), anomaly=True),
        Field("vaccinated", "接种", "bool_int", ("接种", "打疫苗"), normal_zero=False),
        Field("remark", "备注", "text", ("备注",)),
    ),
    fever_threshold=37.5,
)


def test_custom_template_fields():
    res = parse("王建国家4人，体温37.4，有咳嗽，接种2人", template=CUSTOM)
    got = hh(res.reports[0])
    assert got == {"王建国": {"people": 4, "temperature": 37.4, "cough": True, "vaccinated": 2, "remark": ""}}


def test_custom_template_blanket():
    res = parse("10户33人，均无咳嗽", template=CUSTOM)
    r = res.reports[0]
    assert r.covers_all and r.households[0].values == CUSTOM.normal_values()


# ------------------------------------------------------------------------------------------- output


def test_to_json_shape():
    res = parse("1. 王建国 4人 36.5 正常")
    data = res.to_json()
    assert set(data) == {"reports"}
    rep = data["reports"][0]
    assert rep["member"] == "刘志宇" and rep["households"][0]["household"] == "王建国"
    assert set(rep["households"][0]) == {"household", *TEMPLATE.keys(), "uncertain"}
    assert rep["households"][0]["uncertain"] == []


def test_the_work_of_a_parse_grows_with_the_lines_not_faster():
    """Work, not time (a timed test flakes on a busy machine; python -m bench.parse_speed prints the times):
    a message or a chain four times as long costs at most about four times the function calls."""
    names = households_of("刘志宇")

    def lines(n: int, chain: bool) -> str:
        body = [f"{i}. {names[i % len(names)]}家{i % 5 + 1}人，体温36.{i % 9}" for i in range(1, n + 1)]
        return "\n".join((["接龙"] if chain else []) + body + ["其余均正常"])

    for chain in (False, True):
        short, long = lines(20, chain), lines(80, chain)
        assert len(parse(long).reports[0].households) == len(names)
        parse(short)  # what is built once per roster and template is not counted
        assert calls(parse, long) <= 4.4 * calls(parse, short), chain


@pytest.mark.parametrize(
    "text",
    [
        "1" * 20000,
        "一" * 20000,
        "(" * 5000 + ")" * 5000,
        "户主\t人数\n王建国\t" + "9" * 9000,
        " " * 9000 + ":",
    ],
)
def test_pathological_input_is_safe_and_cheap(text):
    """No more work per character than ordinary text (about 35 calls a character; a step quadratic in the
    length would be millions); the time is printed by python -m bench.parse_speed."""
    parse(text)
    assert calls(parse, text) <= 50 * len(text)
    res = parse(text)
    assert all(
        h.values["people"] is None or h.values["people"] < 10**7 for r in res.reports for h in r.households
    )


# ------------------------------------------------------------------------- totals before an exception


def test_totals_before_except_clause_are_kept():
    r = one("包联10户33人，除霍建军家外均正常。霍建军家儿子体温37.6，已通知村医")
    assert r.covers_all and r.totals == {"households": 10, "people": 33}
    got = hh(r)
    assert got["霍建军"] == vals(temperature=37.6, fever=True, note="已通知村医")
    assert all(v == NORMAL for k, v in got.items() if k != "霍建军")
    assert r.warnings == []


@pytest.mark.parametrize(
    "text",
    [
        "10户33人除霍建军家外均正常",
        "包联10户33人，除了霍建军家，其他均正常",
        "包联10户33人除了霍建军家其他都正常",
        "包联10户33人，霍建军家除外，其余都正常",
        "10户33人全部正常，霍建军家除外",
        "10户33人（霍建军家除外）全部正常",
        "10户33人（除霍建军家外均正常）",
        "10户33人（除了霍建军家，其他都正常）",
    ],
)
def test_totals_and_exception_shapes(text):
    r = one(text)
    assert r.covers_all and r.totals == {"households": 10, "people": 33}
    got = hh(r)
    assert got["霍建军"] == EMPTY  # excepted, nothing said about it
    assert all(v == NORMAL for k, v in got.items() if k != "霍建军")
    assert r.unmatched == [] and r.warnings == []


def test_totals_before_household_exception_without_punctuation():
    r = one("包联10户王建国家儿子回来了其余正常")
    assert r.covers_all and r.totals == {"households": 10, "people": None}
    assert hh(r)["王建国"] == vals(returned=1)
    assert hh(r)["李秀兰"] == NORMAL


def test_except_without_wai_before_rest_word():
    r = one("除了霍建军家，其他均正常")
    assert r.covers_all and hh(r)["霍建军"] == EMPTY and r.totals == {"households": None, "people": None}
    assert all(h.values["note"] == "" for h in r.households)


def test_except_phrase_carries_its_own_values():
    r = one("10户33人 除霍建军家体温37.5外 其余正常")
    assert r.covers_all and r.totals == {"households": 10, "people": 33}
    assert hh(r)["霍建军"] == vals(temperature=37.5, fever=True)


def test_except_in_parenthesis_after_all_normal():
    r = one("全部正常（除霍建军家体温37.5）")
    assert r.covers_all
    got = hh(r)
    assert got["霍建军"] == vals(temperature=37.5, fever=True)
    assert got["王建国"] == NORMAL


def test_except_two_households_then_rest_has_no_problem():
    r = one("包联10户33人 除了霍建军、李秀兰两家 别的都没问题")
    assert r.covers_all and r.totals == {"households": 10, "people": 33}
    got = hh(r)
    assert got["霍建军"] == EMPTY and got["李秀兰"] == EMPTY and got["王建国"] == NORMAL


def test_except_with_visitor_count():
    r = one("10户33人，除霍建军家有亲戚来访2人外，其余均正常")
    assert r.covers_all and hh(r)["霍建军"] == vals(visitors=2)


def test_release_from_isolation_is_not_an_exception():
    r = one("霍建军家今天解除隔离")
    assert not r.covers_all and hh(r) == {"霍建军": vals(isolated=0)}


def test_except_outgoing_people_names_no_household():
    r = one("除外出人员外均正常")
    assert r.covers_all and all(h.values == NORMAL for h in r.households) and r.unmatched == []


# ------------------------------------------------------------------------- isolation of returnees


def test_isolation_in_parenthesis_after_returnee():
    r = one("高建华家返乡1人（已居家隔离）；其余均正常", "王艳")
    assert r.covers_all
    got = hh(r)
    assert got["高建华"]["returned"] == 1 and got["高建华"]["isolated"] == 1
    assert got["马德胜"] == NORMAL


@pytest.mark.parametrize("text", ["霍建军家返乡2人（均已隔离）", "霍建军家返乡2人，都已居家隔离"])
def test_isolation_takes_the_returnee_count(text):
    assert hh(one(text)) == {"霍建军": vals(returned=2, isolated=2)}


def test_isolation_with_its_own_count():
    assert hh(one("霍建军家返乡2人，其中1人已隔离")) == {"霍建军": vals(returned=2, isolated=1)}


def test_isolation_of_unnamed_returnees_warns_once():
    r = one("返乡2人（均已隔离）")
    assert r.households == [] and not r.covers_all
    assert len(r.warnings) == 1 and "返乡2人" in r.warnings[0] and "均已隔离" in r.warnings[0]


def test_visitor_with_isolation_note_in_parenthesis_warns_once():
    r = one("外地来人1人（杭州，居家健康监测第3天），其余正常")
    assert r.covers_all and all(h.values == NORMAL for h in r.households)
    assert len(r.warnings) == 1 and "杭州" in r.warnings[0]


def test_temperature_in_parenthesis():
    assert hh(one("王建国家4人（36.5）")) == {"王建国": vals(people=4, temperature=36.5, fever=False)}


# --------------------------------------------------------------------------- count after a field word


def test_count_after_visit_verb_belongs_to_visitors():
    r = one("10户均正常，霍建军家有亲戚来访2人，已登记")
    assert r.covers_all and r.totals == {"households": 10, "people": None}
    got = hh(r)["霍建军"]
    assert got["visitors"] == 2 and got["people"] is None and got["note"] == "已登记"


@pytest.mark.parametrize(
    ("text", "key", "n"),
    [
        ("霍建军家来了2个亲戚", "visitors", 2),
        ("薛文斌家亲戚来了3个人", "visitors", 3),
        ("王建国家儿子回来了两个人", "returned", 2),
        ("霍建军家亲戚来了两个，都没发烧", "visitors", 2),
    ],
)
def test_count_next_to_field_word(text, key, n):
    got = next(iter(hh(one(text)).values()))
    assert got[key] == n and got["people"] is None


def test_glued_statements_keep_their_own_households():
    r = one("10户均正常霍建军家有亲戚来访2人已登记")
    assert r.covers_all and r.totals["households"] == 10
    assert hh(r)["霍建军"]["visitors"] == 2 and hh(r)["霍建军"]["note"] == "已登记"


# ------------------------------------------------------------------------------------ "the rest" words


def test_rest_after_household_lines_covers_all():
    r = one("王建国4人36.5，薛文斌1人36.6，霍建军5人36.7，其他都正常")
    assert r.covers_all and [h.household for h in r.households] == households_of("刘志宇")
    got = hh(r)
    assert got["王建国"] == vals(people=4, temperature=36.5, fever=False)
    assert got["薛文斌"] == vals(people=1, temperature=36.6, fever=False)
    assert got["霍建军"] == vals(people=5, temperature=36.7, fever=False)
    assert got["李秀兰"] == NORMAL


def test_rest_after_household_lines_without_punctuation():
    r = one("王建国4人36.5薛文斌1人36.6霍建军5人36.7其他都正常")
    assert r.covers_all
    got = hh(r)
    assert got["薛文斌"] == vals(people=1, temperature=36.6, fever=False)
    assert got["霍建军"] == vals(people=5, temperature=36.7, fever=False)


def test_people_counts_glued_together():
    r = one("王建国4人薛文斌1人霍建军5人其他都正常")
    assert r.covers_all
    got = hh(r)
    assert (got["王建国"]["people"], got["薛文斌"]["people"], got["霍建军"]["people"]) == (4, 1, 5)


@pytest.mark.parametrize(
    "rest",
    [
        "其它户都正常",
        "剩下的都正常",
        "别的都没问题",
        "其余都挺好",
        "其他也都正常",
        "其他都没发烧",
        "其余几户都无异常",
    ],
)
def test_rest_phrases(rest):
    r = one(f"王建国家体温36.5，{rest}")
    assert r.covers_all
    got = hh(r)
    assert got["王建国"]["temperature"] == 36.5 and got["王建国"]["out"] is None
    assert got["周玉梅"] == NORMAL


def test_other_people_of_the_household_is_not_the_rest():
    r = one("霍建军家孙子发烧38度5已送医院 其他人都正常")
    assert not r.covers_all
    got = hh(r)["霍建军"]
    assert got["temperature"] == 38.5 and got["fever"] is True and got["note"] == "已送医院"


def test_rest_with_fever_household_after_it():
    r = one("今天走访10户，别的都没问题，就霍建军家孙子发烧38度")
    assert r.covers_all and r.totals["households"] == 10
    assert hh(r)["霍建军"]["temperature"] == 38.0 and hh(r)["霍建军"]["fever"] is True


# ----------------------------------------------------------------------------------- names after labels


def test_unknown_name_after_field_label_is_unmatched():
    r = one("外来人员：李四家亲戚1人")
    assert r.households == [] and r.unmatched == ["李四"]
    assert not any("哪一户" in w for w in r.warnings)


def test_own_name_after_field_label():
    r = one("外来人员：霍建军家亲戚1人，其余正常")
    assert r.covers_all and hh(r)["霍建军"] == vals(visitors=1)


def test_field_label_covers_every_household_after_it():
    r = one("返乡人员：王建国家儿子、李秀兰家女儿")
    assert hh(r) == {"王建国": vals(returned=1), "李秀兰": vals(returned=1)}


def test_count_after_work_verb_belongs_to_out():
    assert hh(one("赵春花家外出务工3人 都还没回来")) == {"赵春花": vals(out=3, returned=0, note="外出务工3人")}


def test_unknown_name_after_qizhong():
    r = one("其中李四家1人外出")
    assert r.unmatched == ["李四"] and r.households == []


# ------------------------------------------------------------------------------ older members' wording


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("王建国家两个人 体温不高 没发烧", "王建国", vals(people=2, fever=False)),
        ("霍建军家三口 都挺好", "霍建军", normal(people=3)),
        ("孙福贵老人一个人住 体温36度6 正常", "孙福贵", normal(people=1, temperature=36.6)),
        ("赵春花家俩人都在家", "赵春花", vals(people=2)),
        ("王建国两口子都在家 都挺好", "王建国", normal(people=2)),
        ("霍建军老两口都好", "霍建军", normal(people=2)),
        ("陈立新一家三口都在家 体温都正常", "陈立新", vals(people=3, fever=False)),
        ("周玉梅家来了个亲戚 住两天就走 没发烧", "周玉梅", vals(visitors=1, fever=False)),
        ("张三虎家闺女回来了 在家隔离 体温正常", "张三虎", vals(returned=1, isolated=1, fever=False)),
        ("霍建军家高烧不退", "霍建军", vals(fever=True)),
        ("陈立新家隔离期满", "陈立新", vals(isolated=0)),
        ("王建国儿子从武汉回来了", "王建国", vals(returned=1, note="从武汉")),  # where from: a note
        (
            "王建国家来了一个亲戚从西安来的 没发烧 已经登记了",
            "王建国",
            vals(visitors=1, fever=False, note="从西安；已经登记了"),
        ),
    ],
)
def test_older_members_household_lines(text, name, expected):
    r = one(text)
    assert hh(r) == {name: expected} and r.unmatched == []


@pytest.mark.parametrize(
    ("text", "totals"),
    [
        ("我这10户都挺好的 没有发烧的 没有外地回来的", (10, None)),
        ("十户三十三人都正常无异常情况", (10, 33)),
        ("今天都走访了，人都好好的", (None, None)),
        ("10户都没发烧，也没外地来的", (10, None)),
        ("体温都不高 没有发烧的 各户都好", (None, None)),
        ("我包的十户三十三个人都好着呢 没有发烧的 也没有外地来人", (10, 33)),
        ("10户33人 身体都好 无异常情况", (10, 33)),
    ],
)
def test_older_members_blanket_lines(text, totals):
    r = one(text)
    assert r.covers_all and (r.totals["households"], r.totals["people"]) == totals
    assert all(h.values == NORMAL for h in r.households) and r.warnings == []


def test_older_member_fever_and_rest():
    r = one("李秀兰家老伴低烧37度3 吃了药了 其他户都正常")
    assert r.covers_all
    assert hh(r)["李秀兰"] == vals(temperature=37.3, fever=True, note="吃了药了")


@pytest.mark.parametrize("text", ["今天天气很好", "天气都挺好的", "除夕快乐", "好的没问题"])
def test_chat_with_normal_words_is_not_a_report(text):
    assert parse(text).reports == []


# ------------------------------------------------------------------------------------------- textnorm


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("两口人", "2口人"),
        ("十五户", "15户"),
        ("三十六度五", "36.5℃"),
        ("三十六点五", "36.5℃"),
        ("返乡：零", "返乡:0"),
        ("３号楼　１２户", "3号楼 12户"),
        ("体温36.1～36.8℃均正常✅👍", "体温36.1~36.8℃均正常"),
        ("36度5", "36.5℃"),
        ("36.5°C", "36.5℃"),
        ("一切正常", "一切正常"),
        ("今日零报告", "今日零报告"),
        ("一日一报，不漏一户、不漏一人", ","),
        ("①王建国", "1. 王建国"),
    ],
)
def test_textnorm(raw, expected):
    assert textnorm.normalize(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [("俩人", "2人"), ("仨口人", "3口人"), ("哥俩好", "哥俩好")])
def test_textnorm_colloquial_numerals(raw, expected):
    assert textnorm.normalize(raw) == expected


def test_textnorm_protects_names():
    assert textnorm.normalize("张三虎家三口人", protect=["张三虎"]) == "张三虎家3口人"
