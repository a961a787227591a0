"""The independent parser corpus (tests/parser/corpus/; its format and its check are in
bench/parse_corpus.py): one test per case, run through ``gridbot parse``'s JSON contract.

The corpus was written from the kinds of issue 12 and from published report shapes, not from the parser.
A case that does not pass yet is listed in KNOWN_FAILURES with what was wrong when it was listed; it is
marked ``xfail(strict=True)``, so a case that starts passing fails the suite until it is taken off the list.
Never change an expectation to match an output; change one only when it is wrong by the contract
(/work/wt/CONTRACT12.md) and say so in the commit. ``python -m bench.parse_eval --show`` prints every wrong
case and why.
"""

from __future__ import annotations

import csv

import pytest

from bench import parse_corpus as pc

KNOWN_FAILURES: dict[str, str] = {  # case id -> what is wrong on main when it was listed
    # campaign
    "campaign-001": "campaign template bot/sample/campaign.toml not there yet",
    "campaign-002": "campaign template bot/sample/campaign.toml not there yet",
    "campaign-003": "campaign template bot/sample/campaign.toml not there yet",
    "campaign-004": "campaign template bot/sample/campaign.toml not there yet",
    "campaign-005": "campaign template bot/sample/campaign.toml not there yet",
    "campaign-006": "campaign template bot/sample/campaign.toml not there yet",
    "campaign-007": "campaign template bot/sample/campaign.toml not there yet",
    "campaign-008": "campaign template bot/sample/campaign.toml not there yet",
    "campaign-009": "campaign template bot/sample/campaign.toml not there yet",
    "campaign-010": "campaign template bot/sample/campaign.toml not there yet",
    "campaign-011": "campaign template bot/sample/campaign.toml not there yet",
    "campaign-012": "campaign template bot/sample/campaign.toml not there yet",
    "campaign-013": "campaign template bot/sample/campaign.toml not there yet",
    "campaign-014": "campaign template bot/sample/campaign.toml not there yet",
    "campaign-015": "campaign template bot/sample/campaign.toml not there yet",
    "campaign-016": "campaign template bot/sample/campaign.toml not there yet",
    "campaign-017": "campaign template bot/sample/campaign.toml not there yet",
    "campaign-018": "campaign template bot/sample/campaign.toml not there yet",
    "campaign-019": "campaign template bot/sample/campaign.toml not there yet",
    "campaign-020": "campaign template bot/sample/campaign.toml not there yet",
    "campaign-021": "campaign template bot/sample/campaign.toml not there yet",
    "campaign-022": "campaign template bot/sample/campaign.toml not there yet",
    "campaign-023": "campaign template bot/sample/campaign.toml not there yet",
    "campaign-024": "campaign template bot/sample/campaign.toml not there yet",
    "campaign-025": "campaign template bot/sample/campaign.toml not there yet",
    "campaign-026": "campaign template bot/sample/campaign.toml not there yet",
    "campaign-027": "campaign template bot/sample/campaign.toml not there yet",
    "campaign-028": "campaign template bot/sample/campaign.toml not there yet",
    "campaign-029": "campaign template bot/sample/campaign.toml not there yet",
    # counts
    "counts-003": "萧玉兰.people not asked (not in uncertain)",
    "counts-004": "白玉兰.people not asked (not in uncertain)",
    "counts-005": "霍有才.people not asked (not in uncertain)",
    "counts-006": "潘兰英.people None (want 2, missed)",
    "counts-008": "郭来福.note '' (want ['广州'], missed)",
    "counts-015": "唐桂芝.people not asked (not in uncertain)",
    "counts-018": "吴素梅.returned not asked (not in uncertain)",
    "counts-019": "廖文斌.visitors 1 (want None, silent)",
    "counts-021": "崔振华.returned 1 (want 2, silent)",
    "counts-023": "石立新.visitors 1 (want 3, silent)",
    "counts-024": "谭淑珍.symptoms None (want [], missed)",
    "counts-026": "汪振华.symptoms None (want [], missed)",
    # symptoms
    "symptoms-001": "王建国.symptoms None (want ['咳嗽'], missed)",
    "symptoms-002": "杜美玲.symptoms None (want ['干咳'], missed)",
    "symptoms-003": "沈巧云.symptoms None (want [], missed)",
    "symptoms-004": "文大勇.symptoms None (want [], missed)",
    "symptoms-005": "钱明亮.symptoms None (want ['咽痛'], missed)",
    "symptoms-006": "方玉珍.symptoms None (want ['流涕'], missed)",
    "symptoms-007": "何志强.symptoms None (want ['腹泻'], missed)",
    "symptoms-008": "汪振华.symptoms None (want ['胸闷', '乏力'], missed)",
    "symptoms-009": "尹翠花.symptoms None (want ['嗅觉减退'], missed)",
    "symptoms-010": "任建国.symptoms None (want ['味觉减退'], missed)",
    "symptoms-011": "霍建军.symptoms None (want ['乏力', '咽痛'], missed)",
    "symptoms-012": "高丽娟.symptoms None (want ['咳嗽', '流涕'], missed)",
    "symptoms-013": "张立新.symptoms None (want [], missed)",
    "symptoms-014": "余冬梅.symptoms None (want [], missed)",
    "symptoms-015": "汤永刚.symptoms None (want ['头痛', '咽痛'], missed)",
    "symptoms-016": "王卫东.symptoms None (want ['鼻塞'], missed)",
    "symptoms-017": "卢永刚.symptoms None (want ['咳嗽'], missed)",
    "symptoms-018": "汪振华.symptoms None (want [], missed)",
    "symptoms-019": "尹翠花.symptoms None (want [], missed)",
    "symptoms-020": "邓美玲.symptoms None (want ['干咳', '乏力'], missed)",
    "symptoms-021": "胡秋菊.symptoms None (want [], missed)",
    "symptoms-022": "张三虎.symptoms None (want ['咽痛'], missed)",
    "symptoms-023": "江三虎.symptoms None (want ['味觉减退', '嗅觉减退'], missed)",
    "symptoms-024": "朱卫东.symptoms None (want ['乏力'], missed)",
    "symptoms-025": "金明亮.symptoms None (want [], missed)",
    # threshold
    "threshold-001": "白三虎.fever False (want True, silent); also temperature",
    "threshold-002": "夏彩霞.fever False (want True, silent); also temperature",
    "threshold-005": "宋宝山.temperature 37.3 (want None, silent)",
    "threshold-006": "邵美玲.note '' (want ['县医院'], missed)",
    "threshold-007": "任素梅.fever None (want True, missed)",
    "threshold-008": "秦晓燕.temperature 37.0 (want None, silent)",
    "threshold-013": "武淑珍.temperature 38.0 (want None, silent)",
    "threshold-016": "戴晓燕.fever True (want False, silent); also temperature",
    # readings
    "readings-001": "钟来福.note '' (want ['36.5', '36.8'], missed)",
    "readings-002": "曹春生.note '' (want ['36.3', '36.5', '36.6'], missed)",
    "readings-003": "姚美玲.note '' (want ['36.2', '36.7'], missed)",
    "readings-004": "汪德福.note '' (want ['36.4', '37.5'], missed)",
    "readings-005": "赖桂芝.note '老人' (want ['36度5', '36度8'], missed)",
    "readings-006": "阎巧云.note '' (want ['36.3', '36.7'], missed)",
    "readings-007": "戴晓燕.note '' (want ['36.1', '36.4', '36.3'], missed)",
    "readings-008": "田晓燕.note '孩子' (want ['37.6', '36.9'], missed)",
    "readings-010": "戴金花.note '' (want ['36.5'], missed)",
    "readings-011": "郭长林.note '' (want ['36.4', '36.6'], missed)",
    "readings-012": "姚凤英.note '' (want ['36.6', '37.4'], missed)",
    "readings-013": "潘春花.note '' (want ['36.4'], missed)",
    # status
    "status-001": "谭国庆.note '' (want ['外出务工'], missed)",
    "status-002": "沈秀兰.out None (want True, missed); also note",
    "status-003": "潘春花.out None (want True, missed); also note",
    "status-004": "creates 15 household(s) it must not (乔凤英…); 邱志强.out 0 (want True, silent); also note",
    "status-005": "蒋福生.note None (want ['住院'], missed)",
    "status-006": "方春生.people None (want 2, missed)",
    "status-007": "罗桂芝.note '' (want ['外出务工'], missed)",
    "status-009": "汪巧云.out None (want True, missed)",
    "status-010": "高德福.out None (want True, missed)",
    "status-012": "廖来福.out None (want True, missed)",
    "status-013": "魏玉珍.out None (want 2, missed)",
    "status-014": "霍有才.out None (want True, missed); also note",
    "status-015": "郭来福.note '' (want ['住院'], missed)",
    # rooms
    "rooms-010": "潘丽华.note '' (want ['出差'], missed)",
    # same
    "same-007": "李秀英: not read as same-as-yesterday",
    "same-010": "马春生: not read as same-as-yesterday",
    "same-011": "赵丽: not read as same-as-yesterday",
    "same-016": "毛立新.symptoms None (want ['咳嗽'], missed)",
    # blanket
    "blanket-002": "杜美玲.symptoms None (want [], missed)",
    "blanket-003": "沈巧云.symptoms None (want [], missed)",
    "blanket-008": "黎学文.visitors None (want 0, missed)",
    "blanket-009": "尹翠花.symptoms None (want [], missed)",
    "blanket-010": "许秀英.symptoms None (want [], missed)",
    "blanket-012": "杜美玲.symptoms None (want [], missed)",
    "blanket-014": "钱明亮.symptoms None (want [], missed); also out",
    "blanket-015": "石立新.symptoms None (want ['咳嗽'], missed)",
    "blanket-017": "许秀英.symptoms None (want [], missed)",
    # chain
    "chain-001": "王建国.visitors None (want 2, missed); also isolated, symptoms",
    "chain-002": "文大勇.fever None (want False, missed); also isolated, returned, symptoms, visitors",
    "chain-003": "汪振华.returned None (want 0, missed); also isolated, symptoms, visitors",
    "chain-004": "沈秀兰.symptoms None (want ['咳嗽'], missed)",
    "chain-005": "周强: not read as same-as-yesterday",
    "chain-006": "汪振华.symptoms None (want [], missed)",
    "chain-007": "孔卫东.visitors None (want 0, missed); also isolated, symptoms",
    "chain-008": "杜美玲.symptoms None (want [], missed)",
    "chain-009": "袁桂兰.visitors None (want 2, missed); also isolated, symptoms",
    "chain-010": "赵丽: not read as same-as-yesterday",
    "chain-011": "罗爱华.returned None (want 1, missed); also symptoms, visitors",
    # chitchat
    "chitchat-001": "creates 王建国, which it must not",
    "chitchat-002": "creates 徐建华, which it must not",
    "chitchat-003": "creates 潘春花, which it must not",
    "chitchat-005": "creates 宋宝山, which it must not",
    "chitchat-007": "creates 郑玉兰, which it must not",
    "chitchat-008": "creates 吴国庆, which it must not",
    "chitchat-009": "creates 汪巧云, which it must not",
    "chitchat-010": "creates 顾红梅, which it must not",
    "chitchat-012": "creates 周美玲, which it must not",
    "chitchat-013": "creates 马来福, which it must not",
    "chitchat-014": "creates 魏卫东, which it must not",
    "chitchat-015": "creates 常秀英, which it must not",
    "chitchat-016": "creates 卢大勇, which it must not",
    "chitchat-017": "creates 易学文, which it must not",
    "chitchat-018": "creates 任建国, which it must not",
    # mixed
    "mixed-001": "黄建华.symptoms None (want ['咳嗽'], missed)",
    "mixed-003": "张立新.symptoms None (want ['咳嗽'], missed); also out",
    "mixed-004": "文大勇.symptoms None (want [], missed)",
    "mixed-005": "汤永刚.out 0 (want 2, silent)",
    "mixed-006": "方玉珍.symptoms None (want [], missed)",
    "mixed-008": "秦晓燕.symptoms None (want ['咽痛'], missed)",
    "mixed-009": "尹翠花.fever None (want False, missed); also isolated, returned, symptoms, visitors",
    "mixed-012": "高丽娟.visitors 1 (want 2, silent)",
    "mixed-013": "钱明亮.symptoms None (want [], missed)",
    "mixed-014": "丁大勇.symptoms None (want [], missed)",
    # typo
    "typo-001": "王建国.fever None (want False, missed)",
    "typo-002": "曹春生.returned None (want 1, missed)",
    "typo-011": "周美玲.returned None (want 0, missed)",
    "typo-012": "邱志强.temperature 36.0 (want 36.5, silent)",
    "typo-013": "魏美玲.symptoms None (want ['咳嗽'], missed)",
    # fullwidth
    "fullwidth-002": "杜美玲.symptoms None (want [], missed)",
    "fullwidth-005": "宋宝山.people None (want 3, missed); also symptoms",
    "fullwidth-009": "贺建军.fever False (want True, silent); also temperature",
    "fullwidth-011": "郭长林.symptoms None (want ['咳嗽'], missed)",
    # emoji
    "emoji-002": "姚凤英.symptoms None (want ['咳嗽'], missed)",
    "emoji-003": "沈巧云.symptoms None (want [], missed)",
    "emoji-007": "谭淑珍.fever None (want False, missed)",
    # linebreaks
    "linebreaks-001": "creates 14 household(s) it must not (孔大勇…); 王建国.temperature None (want 36.5, missed)",
    "linebreaks-002": "creates 16 household(s) it must not (万文斌…); 康立新.symptoms None (want ['咳嗽'], missed)",
    "linebreaks-004": "吕美玲.temperature None (want 36.9, missed)",
    "linebreaks-005": "范永刚.out None (want 2, missed)",
    "linebreaks-007": "creates 13 household(s) it must not (尹翠花…); 杨彩霞.symptoms None (want [], missed)",
    "linebreaks-008": "袁桂兰.fever None (want True, missed)",
    "linebreaks-009": "江秀兰.temperature None (want 36.3, missed)",
    # voice
    "voice-001": "王建国.symptoms None (want ['咳嗽'], missed); also fever",
    "voice-002": "杜美玲.visitors 1 (want 2, silent)",
    "voice-003": "沈巧云.symptoms None (want [], missed)",
    "voice-008": "汪振华.returned None (want 0, missed); also symptoms, visitors",
    "voice-011": "谭国庆.out None (want 2, missed)",
    "voice-012": "杜美玲.fever None (want False, missed)",
    # building_chain
    "building-chain-round1": "陶丽娟.note '' (want ['出差'], missed); also 孟志刚.note (夜班), 雷春燕.note (居家办公)",
    "building-chain-round2": "陶丽娟.note '' (want ['出差'], missed); also 孟志刚.note (夜班), 雷春燕.note (居家办公)",
}

CASES = pc.load_cases()

#: the kinds issue 12 names, and the residents' chain
KINDS = {
    "symptoms", "threshold", "readings", "status", "counts", "campaign", "same", "blanket", "chain", "chitchat",
    "mixed", "typo", "fullwidth", "emoji", "linebreaks", "voice", "rooms", "building_chain",
}
RESIDENT_KINDS = {"rooms", "building_chain"}


def _param(case: pc.Case) -> object:
    if case.id not in KNOWN_FAILURES:
        return pytest.param(case, id=case.id)
    reason = (
        "known failure (take it off KNOWN_FAILURES in tests/parser/test_corpus.py once it passes): "
        + KNOWN_FAILURES[case.id]
    )
    marks = [pytest.mark.xfail(strict=True, reason=reason)]
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_corpus_case(case: pc.Case) -> None:
    outcome = pc.evaluate(case)
    assert outcome.ok, outcome.explain()


def test_known_failures_are_cases() -> None:
    assert set(KNOWN_FAILURES) <= {c.id for c in CASES}


def _roster(name: str) -> tuple[set[str], set[str]]:
    with open(pc.ROSTERS[name], encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    return {r["网格员"] for r in rows}, {r["户主"] for r in rows}


def test_the_corpus_is_what_it_says() -> None:
    """At least 200 messages over every kind; the residents' chain has 200+ lines; every name in an
    expectation is in the case's roster (a typo in an expectation would make a case that cannot pass)."""
    messages = [c for c in CASES if c.kind != "building_chain"]
    assert len(messages) >= 200
    assert {c.kind for c in CASES} == KINDS
    assert sum(len(r.splitlines()) for r in pc.chain_rounds()) >= 200
    for c in CASES:
        members, households = _roster(c.roster)
        assert (c.sender in members) == (c.kind not in RESIDENT_KINDS), c.id
        e = c.expect
        named = set(e.get("households") or {}) | set(e.get("uncertain") or {}) | set(e.get("absent") or [])
        named |= set(e.get("except") or [])
        assert named <= households, (c.id, named - households)
        listed = set(e.get("all") or {}) | set(e.get("members") or []) | set(e.get("same_as_yesterday") or [])
        assert listed <= members, (c.id, listed - members)
