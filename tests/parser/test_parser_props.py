"""Property tests of the report parser: no input crashes it, and every result keeps the output contract."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.model import Household, Member, Roster
from bot.core.template import default_template
from bot.parser import parse_message
from tests.parser.fixtures import ROSTER, TEMPLATE, households_of
from tests.parser.strategies import VOCAB, check_contract, messages, senders

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(messages, senders)
def test_vocabulary_messages_keep_the_contract(text, sender):
    result = parse_message(text, sender, ROSTER, TEMPLATE)
    check_contract(result, ROSTER, TEMPLATE.fever_threshold)


@SETTINGS
@given(st.text(max_size=200), senders)
def test_arbitrary_text_never_crashes(text, sender):
    result = parse_message(text, sender, ROSTER, TEMPLATE)
    check_contract(result, ROSTER, TEMPLATE.fever_threshold)


@settings(max_examples=200, deadline=None)
@given(messages, st.floats(min_value=36.0, max_value=40.0).map(lambda x: round(x, 1)))
def test_fever_follows_the_configured_threshold(text, threshold):
    result = parse_message(text, "刘志宇", ROSTER, default_template(threshold))
    check_contract(result, ROSTER, threshold)


@settings(max_examples=150, deadline=None)
@given(messages)
def test_parsing_is_deterministic(text):
    a = parse_message(text, "王艳", ROSTER, TEMPLATE).to_json()
    b = parse_message(text, "王艳", ROSTER, TEMPLATE).to_json()
    assert a == b


long_runs = st.lists(
    st.tuples(st.sampled_from([*VOCAB, "9", "一", "(", "【"]), st.integers(1, 3000)).map(
        lambda t: t[0] * t[1]
    ),
    min_size=1,
    max_size=3,
).map("".join)


@settings(max_examples=60, deadline=None)
@given(long_runs)
def test_long_repetitive_input_is_handled_quickly(text):
    # a guard against runaway (super-linear) matching on long repetitive text, not a speed target: the
    # parser's CPU time, which other processes on the machine do not inflate, with a bound far above the
    # few milliseconds such a message takes (bench.parse_speed prints the real figures)
    start = time.process_time()
    result = parse_message(text, "刘志宇", ROSTER, TEMPLATE)
    assert time.process_time() - start < 10.0
    check_contract(result, ROSTER, TEMPLATE.fever_threshold)


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
    vocab = [h.name for m in roster.members for h in m.households] + [m.name for m in roster.members] + VOCAB
    text = data.draw(st.lists(st.sampled_from(vocab), max_size=30).map("".join))
    sender = data.draw(st.sampled_from([*roster.members, "陌生人"]))
    result = parse_message(text, sender, roster, TEMPLATE)
    check_contract(result, roster, TEMPLATE.fever_threshold)


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
    check_contract(result, ROSTER, TEMPLATE.fever_threshold)
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
