"""Property tests of the report parser: no input crashes it, and every result keeps the output contract."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.model import Household, Member, ParseResult, Roster
from bot.core.template import default_template
from bot.parser.parse import parse_message
from tests.parser.fixtures import ROSTER, TEMPLATE, households_of

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_HOUSEHOLD_NAMES = sorted({h.name for m in ROSTER.members for h in m.households})
_MEMBER_NAMES = sorted({m.name for m in ROSTER.members})
_VOCAB = [
    # names, partial names, typos and strangers
    *_HOUSEHOLD_NAMES,
    *_MEMBER_NAMES,
    "杜美林",
    "王建军",
    "赵小明",
    "王家",
    "老王家",
    "3号楼",
    "马家",
    # shapes and vocabulary
    "家",
    "户",
    "人",
    "口人",
    "体温",
    "温度",
    "发热",
    "发烧",
    "返乡",
    "回来了",
    "外出",
    "隔离",
    "居家健康监测",
    "外地来人",
    "亲戚",
    "备注",
    "情况",
    "异常情况:无",
    "均正常",
    "正常",
    "无异常",
    "零报告",
    "其余",
    "其他户",
    "除",
    "除了",
    "外",
    "以外",
    "除外",
    "解除",
    "其他都正常",
    "别的都没问题",
    "剩下的",
    "来访",
    "来了",
    "已登记",
    "已居家隔离",
    "均已隔离",
    "都挺好",
    "老人",
    "两个人",
    "俩人",
    "一个亲戚",
    "无",
    "没有",
    "未",
    "否",
    "是",
    "有",
    "√",
    "×",
    "包联",
    "在家",
    "户主",
    "人数",
    "合计",
    "同上",
    "同昨日",
    "无变化",
    "更正",
    "不是",
    "改为",
    "接龙",
    "#接龙",
    "网格员:",
    "东风村5网格",
    "第七网格",
    "李大爷",
    # numbers and units
    "36.5",
    "37.8",
    "365",
    "42.9",
    "43.5",
    "33.9",
    "0",
    "1",
    "4",
    "15",
    "999",
    "三十六度五",
    "三十七点五",
    "十五",
    "两",
    "零",
    "℃",
    "度",
    "~",
    "-",
    "至",
    # separators, markers, noise
    "1.",
    "2、",
    "(3)",
    "①",
    ",",
    "，",
    "、",
    ";",
    "；",
    ":",
    "：",
    "|",
    "｜",
    "。",
    "(",
    ")",
    "（",
    "）",
    "【",
    "】",
    "\n",
    "\t",
    " ",
    "　",
    "✅",
    "👍",
    "🙏",
    "?",
    "@",
    "请",
    "通知",
]

fragments = st.one_of(st.sampled_from(_VOCAB), st.text(max_size=4))
messages = st.lists(fragments, max_size=40).map("".join)
senders = st.one_of(
    st.sampled_from([*_MEMBER_NAMES, "", "陌生人", "@nobody"]),
    st.sampled_from(list(ROSTER.members)),
    st.text(max_size=6),
)


def _check_contract(result: ParseResult, roster: Roster, threshold: float) -> None:
    template = default_template(threshold)
    keys = set(template.keys())
    assert isinstance(result, ParseResult)
    for rep in result.reports:
        owner = [m for m in roster.members if m.name == rep.member]
        assert owner, rep.member
        allowed = {h.name for m in owner for h in m.households}
        names = [h.household for h in rep.households]
        # every household belongs to the report's member; none twice
        assert set(names) <= allowed
        assert len(names) == len(set(names))
        # covers_all lists every household of the member, in roster order
        if rep.covers_all:
            assert any(names == [h.name for h in m.households] for m in owner)
        # unmatched names never appear as households; foreign households are someone else's
        assert not set(rep.unmatched) & set(names)
        for f in rep.foreign:
            assert f["household"] not in names
            assert any(h.name == f["household"] for h in roster.owner_of(f["household"]))
        for hr in rep.households:
            v = hr.values
            assert set(v) == keys
            t = v["temperature"]
            assert t is None or (isinstance(t, float) and 34.0 <= t <= 43.0)
            if t is not None and t >= threshold:
                assert v["fever"] is True
            assert v["fever"] in (None, True, False)
            for k in ("people", "returned", "isolated", "visitors"):
                assert v[k] is None or (type(v[k]) is int and v[k] >= 0), (k, v[k])
            assert v["out"] is None or v["out"] is True or (type(v["out"]) is int and v["out"] >= 0)
            assert isinstance(v["note"], str)
        for k in ("households", "people"):
            n = rep.totals[k]
            assert n is None or (type(n) is int and n >= 0)
        if rep.same_as_yesterday:
            assert not rep.covers_all
        if rep.chain_index is not None:
            assert result.chain
    json.dumps(result.to_json(), ensure_ascii=False)


@SETTINGS
@given(messages, senders)
def test_vocabulary_messages_keep_the_contract(text, sender):
    result = parse_message(text, sender, ROSTER, TEMPLATE)
    _check_contract(result, ROSTER, TEMPLATE.fever_threshold)


@SETTINGS
@given(st.text(max_size=200), senders)
def test_arbitrary_text_never_crashes(text, sender):
    result = parse_message(text, sender, ROSTER, TEMPLATE)
    _check_contract(result, ROSTER, TEMPLATE.fever_threshold)


@settings(max_examples=200, deadline=None)
@given(messages, st.floats(min_value=36.0, max_value=40.0).map(lambda x: round(x, 1)))
def test_fever_follows_the_configured_threshold(text, threshold):
    result = parse_message(text, "刘志宇", ROSTER, default_template(threshold))
    _check_contract(result, ROSTER, threshold)


@settings(max_examples=150, deadline=None)
@given(messages)
def test_parsing_is_deterministic(text):
    a = parse_message(text, "王艳", ROSTER, TEMPLATE).to_json()
    b = parse_message(text, "王艳", ROSTER, TEMPLATE).to_json()
    assert a == b


long_runs = st.lists(
    st.tuples(st.sampled_from([*_VOCAB, "9", "一", "(", "【"]), st.integers(1, 3000)).map(
        lambda t: t[0] * t[1]
    ),
    min_size=1,
    max_size=3,
).map("".join)


@settings(max_examples=60, deadline=2000)
@given(long_runs)
def test_long_repetitive_input_is_handled_quickly(text):
    result = parse_message(text, "刘志宇", ROSTER, TEMPLATE)
    _check_contract(result, ROSTER, TEMPLATE.fever_threshold)


_names = st.text(alphabet="王李张刘陈杨赵黄周吴建国秀兰美玲德福桂英志明", min_size=2, max_size=3)


@st.composite
def rosters(draw):
    """Small random rosters, with shared and duplicate names across members and grids."""
    members = []
    for i in range(draw(st.integers(1, 4))):
        name = draw(_names)
        grid = draw(st.sampled_from(["一网格", "二网格"]))
        hs = tuple(
            Household(name=h, member=name, grid=grid, village="村")
            for h in dict.fromkeys(draw(st.lists(_names, min_size=0, max_size=5)))
        )
        members.append(Member(name=name, grid=grid, village="村", households=hs, id=i))
    return Roster(members)


@settings(max_examples=200, deadline=None)
@given(rosters(), st.data())
def test_random_rosters_keep_the_contract(roster, data):
    vocab = [h.name for m in roster.members for h in m.households] + [m.name for m in roster.members] + _VOCAB
    text = data.draw(st.lists(st.sampled_from(vocab), max_size=30).map("".join))
    sender = data.draw(st.sampled_from([*roster.members, "陌生人"]))
    result = parse_message(text, sender, roster, TEMPLATE)
    _check_contract(result, roster, TEMPLATE.fever_threshold)


_SAMPLES = [
    "1. 王建国 4人 36.5 正常",
    "包联10户33人，体温均正常，无返乡人员",
    "除霍建军家外均正常。霍建军家儿子体温37.6",
    "薛文斌户4口人，体温36.4、36.6、36.5",
    "#接龙 4.12\n1. 刘志宇 10户33人 均正常\n2. 王艳 8户25人，均正常",
    "户主\t人数\t体温\n王建国\t4\t36.5\n李秀兰\t3\t37.5",
    "包联10户33人，除霍建军家外均正常。霍建军家儿子体温37.6",
    "王建国4人36.5，薛文斌1人36.6，其他都正常",
    "霍建军家返乡2人（均已隔离），其余均正常",
]
_FULLWIDTH = str.maketrans("0123456789,:;()~", "０１２３４５６７８９，：；（）～")


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(_SAMPLES), st.sampled_from(["✅", "👍", "🙏", " ", "  "]))
def test_writing_variants_do_not_change_the_result(text, noise):
    base = parse_message(text, "刘志宇", ROSTER, TEMPLATE).to_json()
    assert base["reports"]
    assert parse_message(text.translate(_FULLWIDTH), "刘志宇", ROSTER, TEMPLATE).to_json() == base
    assert parse_message(text + noise, "刘志宇", ROSTER, TEMPLATE).to_json() == base
    assert (
        parse_message(noise + text.replace("\n", noise + "\n"), "刘志宇", ROSTER, TEMPLATE).to_json() == base
    )


_OWN = households_of("刘志宇")
_EXCEPT_SHAPES = [
    "除{name}家外均正常",
    "除了{name}家，其他均正常",
    "除了{name}家其他都正常",
    "{name}家除外，其余都正常",
    "全部正常（除{name}家）",
]


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 99),
    st.integers(1, 999),
    st.sampled_from(_OWN),
    st.sampled_from(_EXCEPT_SHAPES),
    st.sampled_from(["，", "", " ", "；"]),
    st.sampled_from(["包联", "", "今日"]),
)
def test_totals_in_front_of_an_exception_are_kept(households, people, name, shape, sep, lead):
    text = f"{lead}{households}户{people}人{sep}" + shape.format(name=name)
    result = parse_message(text, "刘志宇", ROSTER, TEMPLATE)
    _check_contract(result, ROSTER, TEMPLATE.fever_threshold)
    (rep,) = result.reports
    assert rep.totals == {"households": households, "people": people}
    assert rep.covers_all
    got = {h.household: h.values for h in rep.households}
    assert got[name] == TEMPLATE.empty_values()
    assert all(v == TEMPLATE.normal_values() for k, v in got.items() if k != name)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from(_OWN), min_size=1, max_size=4, unique=True),
    st.sampled_from(["其他都正常", "其余均正常", "其它户都正常", "剩下的都正常", "别的都没问题"]),
    st.sampled_from(["，", " ", ""]),
)
def test_rest_after_household_lines_covers_all(names, rest, sep):
    text = sep.join(f"{n}{i + 1}人36.{i}" for i, n in enumerate(names)) + sep + rest
    result = parse_message(text, "刘志宇", ROSTER, TEMPLATE)
    (rep,) = result.reports
    assert rep.covers_all
    got = {h.household: h.values for h in rep.households}
    for i, n in enumerate(names):
        assert (got[n]["people"], got[n]["temperature"]) == (i + 1, round(36.0 + i / 10, 1))
