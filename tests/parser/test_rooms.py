"""Residents' chains keyed by room or address (bot/parser/rooms.py), against a tower block's roster."""

from __future__ import annotations

import random

import pytest

from bot.core.template import default_template
from bot.parser import parse_address, parse_rooms
from bot.parser.rooms import Place
from bot.sample import tower as building
from tests.parser.work import calls

TPL = default_template()


@pytest.fixture(scope="module")
def grid1():
    return building.grid_roster(building.GRID1)


@pytest.fixture(scope="module")
def grid2():
    return building.grid_roster(building.GRID2)


@pytest.mark.parametrize(
    ("address", "place"),
    [
        ("3号楼2105室", Place(3, None, 2105)),
        ("幸福社区3号楼2105室", Place(3, None, 2105)),
        ("3-2105", Place(3, None, 2105)),
        ("3栋2105", Place(3, None, 2105)),
        ("3幢2105", Place(3, None, 2105)),
        ("3#2105", Place(3, None, 2105)),
        ("3号楼2单元2105", Place(3, 2, 2105)),
        ("3栋2单元2105室", Place(3, 2, 2105)),
        ("3-2-2105", Place(3, 2, 2105)),
        ("３号楼２１０５室", Place(3, None, 2105)),
        ("三号楼2105室", Place(3, None, 2105)),
        ("幸福里12号院3栋502", Place(3, None, 502)),
        ("东风路12号3栋502室", Place(3, None, 502)),
        ("东风村一组10号", Place(None, None, 10)),
        ("2单元602", Place(None, 2, 602)),
        ("2105", Place(None, None, 2105)),
        ("", None),
        ("幸福社区", None),
        ("3号楼", None),
    ],
)
def test_addresses_read_into_building_unit_room(address: str, place: Place | None) -> None:
    assert parse_address(address) == place


def _values(chain, address: str) -> dict:
    head = building.head(address)
    [ln] = [ln for ln in chain.placed if ln.household.name == head]
    return ln.report.values


def test_room_numbers_match_the_roster_addresses(grid1) -> None:
    text = (
        "#接龙\n幸福社区3号楼核酸检测\n1. 室号-人数\n"
        "2. 2105-2\n3. 2202 - 1\n5. 3-501–3\n6. 3栋1203—2\n7. 3号楼1204室*4\n9. 1205 0\n10. 1206\n"
        "11. 5-2-1801-2\n12. 5号楼1单元1702-1\n"
    )
    chain = parse_rooms(text, grid1, TPL)
    assert not chain.unplaced
    got = {ln.household.address: ln.report.values["people"] for ln in chain.placed}
    assert got == {
        "幸福社区3号楼2105室": 2, "幸福社区3号楼2202室": 1, "幸福社区3号楼501室": 3, "幸福社区3号楼1203室": 2,
        "幸福社区3号楼1204室": 4, "幸福社区3号楼1205室": 0, "幸福社区3号楼1206室": None,
        "5号楼2单元1801室": 2, "5号楼1单元1702室": 1,
    }
    assert [ln.number for ln in chain.placed] == [2, 3, 5, 6, 7, 9, 10, 11, 12]  # the gaps are kept


def test_each_line_is_credited_to_the_member_who_covers_it(grid1) -> None:
    chain = parse_rooms("接龙\n1. 2105-2\n2. 303-1\n3. 5-1-101-2\n4. 1503-3", grid1, TPL)
    reps = {r.member: [h.household for h in r.households] for r in chain.reports()}
    assert reps == {
        "李娜": [building.head("幸福社区3号楼2105室")],
        "王芳": [building.head("幸福社区3号楼303室"), building.head("幸福社区3号楼1503室")],
        "张磊": [building.head("5号楼1单元101室")],
    }


def test_remarks_are_read_by_the_parsers_field_reading(grid1) -> None:
    chain = parse_rooms(
        "接龙\n1. 2105-2，1人已做核酸，1人在公司\n2. 2106-3 体温36.5 返乡1人\n3. 2104-1 发烧38.2\n4. 2103-2 无异常",
        grid1, TPL,
    )
    a = _values(chain, "幸福社区3号楼2105室")
    assert a["people"] == 2 and "已做核酸" in a["note"]
    b = _values(chain, "幸福社区3号楼2106室")
    assert b["people"] == 3 and b["temperature"] == 36.5 and b["returned"] == 1
    c = _values(chain, "幸福社区3号楼2104室")
    assert c["fever"] is True and c["temperature"] == 38.2
    d = _values(chain, "幸福社区3号楼2103室")
    assert d["people"] == 2 and d["returned"] == 0 and d["fever"] is False


def test_a_count_place_without_its_number_is_unknown_and_doubtful(grid1) -> None:
    chain = parse_rooms("接龙\n1. 2105-\n2. 2106- ，已做核酸\n3. 2104\n4. 2103-0", grid1, TPL)
    got = {ln.household.address[-8:]: ln.report for ln in chain.placed}
    assert got["3号楼2105室"].values["people"] is None and got["3号楼2105室"].uncertain == ["people"]
    assert got["3号楼2106室"].uncertain == ["people"] and "已做核酸" in got["3号楼2106室"].values["note"]
    assert got["3号楼2104室"].values["people"] is None and got["3号楼2104室"].uncertain == []  # left out
    assert got["3号楼2103室"].values["people"] == 0 and got["3号楼2103室"].uncertain == []


@pytest.mark.parametrize(
    "line", ["2105 张伟 2人", "2105张伟-2", "2105(2人)", "2105（2人）", "2105：2", "2105 两人", "3-2105 二人",
             "3栋2105室2人", "２１０５－２", "2105-2人，均已做核酸", "2105 全家2人"],
)
def test_more_ways_of_writing_the_count(grid1, line: str) -> None:
    [ln] = parse_rooms("接龙\n1. " + line, grid1, TPL).lines
    assert ln.status == "placed" and ln.report.values["people"] == 2, (line, ln.report.values)
    assert "张伟" not in ln.report.values["note"]  # the poster's name is not the household's report


def test_numbers_glued_to_the_line_number_and_the_room_label(grid1) -> None:
    chain = parse_rooms("接龙\n2.2105—2\n3、2106-1\n4. 2104室-3\n5.3号楼2103室 2人", grid1, TPL)
    got = {ln.number: (ln.household.address[-8:], ln.report.values["people"]) for ln in chain.placed}
    assert got == {2: ("3号楼2105室", 2), 3: ("3号楼2106室", 1), 4: ("3号楼2104室", 3), 5: ("3号楼2103室", 2)}


def test_a_line_with_several_rooms_is_asked_about(grid1) -> None:
    chain = parse_rooms("接龙\n1. 2105、2106 -5\n2. 2104-1", grid1, TPL)
    assert [(ln.number, ln.status) for ln in chain.lines] == [(1, "several"), (2, "placed")]
    assert [ln.number for ln in chain.unplaced] == [1]


def test_the_hint_names_the_columns(grid1) -> None:
    chain = parse_rooms("核酸接龙\n1. 楼栋-房号-人数-是否做核酸\n2. 3-2105-2-是\n3. 3-2106-1-否", grid1, TPL)
    a = _values(chain, "幸福社区3号楼2105室")
    assert a["people"] == 2 and a["note"] == "是否做核酸:是"  # the default template has no 核酸 field
    assert _values(chain, "幸福社区3号楼2106室")["note"] == "是否做核酸:否"


def test_unknown_and_ambiguous_lines_are_not_placed(grid1) -> None:
    chain = parse_rooms("接龙\n1. 602-2\n2. 9901-1\n3. 3-602-2\n4. 5-2-602-1\n5. 5-602-3", grid1, TPL)
    by_no = {ln.number: ln for ln in chain.lines}
    assert by_no[1].status == "ambiguous" and len(by_no[1].candidates) == 3
    assert by_no[2].status == "unknown"
    assert by_no[3].status == "placed" and by_no[3].household.address == "幸福社区3号楼602室"
    assert by_no[4].status == "placed" and by_no[4].household.address == "5号楼2单元602室"
    assert by_no[5].status == "ambiguous"  # 5号楼 has 602 in both units
    assert [ln.number for ln in chain.unplaced] == [1, 2, 5]
    assert {ln["number"] for ln in chain.to_json()["unplaced"]} == {1, 2, 5}


def test_another_grids_household_is_foreign(grid1, grid2) -> None:
    chain = parse_rooms("接龙\n1. 8-1503-2\n2. 1504-2", grid1, TPL, outside=grid2)
    by_no = {ln.number: ln for ln in chain.lines}
    assert by_no[1].status == "foreign"
    assert by_no[2].status == "placed" and by_no[2].household.grid == building.GRID1  # the group's own grid
    assert chain.to_json()["foreign"][0]["number"] == 1


def test_title_hint_examples_and_chit_chat_are_skipped(grid1) -> None:
    text = "#接龙\n3号楼今日核酸，请大家接龙\n例：3-2105-2\n1. 室号-人数\n2. 2105-2\n3. 收到\n4. 几点结束？\n5. 2106-1"
    chain = parse_rooms(text, grid1, TPL)
    assert [ln.number for ln in chain.lines] == [2, 5]
    assert not chain.unplaced


def test_a_repost_with_the_same_household_twice_keeps_the_later_line(grid1) -> None:
    chain = parse_rooms("接龙\n1. 2105-2\n2. 2106-1\n3. 2105-3", grid1, TPL)
    assert [ln.status for ln in chain.lines] == ["replaced", "placed", "placed"]
    assert _values(chain, "幸福社区3号楼2105室")["people"] == 3


def test_a_space_after_the_line_number_is_read_both_ways(grid1) -> None:
    chain = parse_rooms("接龙\n12 2105-2\n13 3 2106 1", grid1, TPL)
    assert [ln.household.address for ln in chain.placed] == ["幸福社区3号楼2105室", "幸福社区3号楼2106室"]


def test_a_building_named_in_the_title_scopes_bare_rooms(grid1) -> None:
    [ln] = parse_rooms("3号楼核酸接龙\n1. 602-1", grid1, TPL).lines
    assert ln.status == "placed" and ln.household.address == "幸福社区3号楼602室"
    [ln] = parse_rooms("5号楼核酸接龙\n1. 602-1", grid1, TPL).lines
    assert ln.status == "ambiguous" and len(ln.candidates) == 2  # both units of 5号楼
    [ln] = parse_rooms("核酸接龙\n1. 602-1", grid1, TPL).lines
    assert ln.status == "ambiguous" and len(ln.candidates) == 3


def test_not_a_chain(grid1) -> None:
    for text in ("收到", "王建国家4人，体温36.5", "包联15户44人，均正常", "明天10点做核酸", "", "   "):
        assert not parse_rooms(text, grid1, TPL).is_chain, text
    assert parse_rooms("2105-2", grid1, TPL).is_chain  # one resident's own line


def test_bad_input_never_crashes(grid1) -> None:
    rnd = random.Random(7)
    alphabet = "0123456789-—–*# .、()室号楼栋单元人接龙，是否\n"
    for _ in range(300):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 80)))
        chain = parse_rooms(text, grid1, TPL)
        for ln in chain.placed:
            assert ln.household is not None and ln.member is not None


def test_a_400_line_chain_costs_no_more_per_line_than_a_short_one(grid1) -> None:
    """Work, not time (its time is printed by python -m bench.rooms_speed and bench.parse_speed): four times
    the lines cost at most about four times the function calls, so no step is quadratic in the lines."""
    short, long = building.chain(100), building.chain(400)
    parse_rooms(short, grid1, TPL)  # the address index is built once per roster
    chain = parse_rooms(long, grid1, TPL)
    assert len(chain.lines) > 350 and not chain.unplaced
    assert calls(parse_rooms, long, grid1, TPL) <= 4.4 * calls(parse_rooms, short, grid1, TPL)


def test_a_placed_line_always_fits_what_it_wrote(grid1) -> None:
    """Property: whatever the shape, a placed line's household has the room (and the building and unit, where
    written) the line gives; a room that fits several households is never placed without its building."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    buildings = st.sampled_from([None, 3, 5, 8])
    units = st.sampled_from([None, 1, 2])
    rooms = st.integers(101, 3010)
    shapes = st.sampled_from(["{k}-{c}", "{k} - {c}", "{k}*{c}", "{k}", "{k}-{c}，已做核酸", "{k} {c}人"])

    def key(b: int | None, u: int | None, r: int) -> str:
        parts = [str(x) for x in (b, u) if x is not None]
        return "-".join([*parts, str(r)])

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.tuples(buildings, units, rooms, shapes, st.integers(0, 6)), min_size=1, max_size=12))
    def check(lines: list) -> None:
        text = "接龙\n" + "\n".join(f"{i}. " + s.format(k=key(b, u, r), c=c) for i, (b, u, r, s, c) in
                                      enumerate(lines, 1))
        chain = parse_rooms(text, grid1, TPL)
        for ln in chain.placed:
            b, u, r, _, _ = lines[ln.number - 1]
            place = parse_address(ln.household.address)
            assert place is not None and place.room == r
            if b is not None and (u is not None or place.unit is None):
                assert place.building == b
            if u is not None:
                assert place.unit == u
            fits = [h for m in grid1.members for h in m.households
                    if (p := parse_address(h.address)) is not None and p.room == r]
            if b is None and u is None:
                assert len(fits) == 1  # a bare room is placed only when one household has it

    check()
