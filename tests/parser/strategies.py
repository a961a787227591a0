"""Hypothesis strategies for parser input, and the parser's output contract, shared by the property tests
(``test_parser_props``) and the fuzz tests (``test_fuzz`` here and ``tests/telegram/test_fuzz_updates``).

They live in a helper module, not in a test module, so that the test modules stay independent of each
other: none imports another.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from hypothesis import strategies as st

from bot.config.settings import load_config
from bot.core.model import ParseResult, Roster
from bot.core.template import Template, default_template
from tests.parser.fixtures import ROSTER

#: ``GRIDBOT_FUZZ_EXAMPLES`` (``scripts/extended``): how many examples the fuzz tests run; 0 in CI.
SCALE = int(os.environ.get("GRIDBOT_FUZZ_EXAMPLES", "0"))


def examples(ci: int, extended_share: float = 1.0) -> int:
    """``ci`` examples in CI; with GRIDBOT_FUZZ_EXAMPLES set, that many times ``extended_share``."""
    return max(ci, int(SCALE * extended_share)) if SCALE else ci


_HOUSEHOLD_NAMES = sorted({h.name for m in ROSTER.members for h in m.households})
_MEMBER_NAMES = sorted({m.name for m in ROSTER.members})
VOCAB = [
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
    # issue 12: symptoms, thresholds in words, readings of a day, status remarks, campaign words
    "咳嗽",
    "干咳",
    "有点咳",
    "乏力",
    "浑身没劲",
    "嗓子疼",
    "流鼻涕",
    "拉肚子",
    "胸闷",
    "闻不到味",
    "症状",
    "等症状",
    "无咳嗽乏力",
    "不舒服",
    "超过37度",
    "37.3℃以上",
    "37度以下",
    "未超过",
    "以上",
    "低烧",
    "体温偏高",
    "上午",
    "下午",
    "早",
    "晚",
    "晨检",
    "不在家",
    "在单位",
    "外出务工",
    "出差",
    "住院",
    "已送医",
    "核酸",
    "阴性",
    "阳性",
    "未做",
    "已做",
    "抗原",
    "两道杠",
    "健康码",
    "绿码",
    "黄",
    "红色",
    "中高风险地区",
]

#: the testing campaign's template (enum fields), for the fuzz and property tests
CAMPAIGN = load_config(Path(__file__).resolve().parents[2] / "bot" / "sample" / "campaign.toml").template

fragments = st.one_of(st.sampled_from(VOCAB), st.text(max_size=4))
messages = st.lists(fragments, max_size=40).map("".join)
senders = st.one_of(
    st.sampled_from([*_MEMBER_NAMES, "", "陌生人", "@nobody"]),
    st.sampled_from(list(ROSTER.members)),
    st.text(max_size=6),
)


def check_contract(result: ParseResult, roster: Roster, threshold: float, template: Template | None = None) -> None:
    """The output contract every :class:`ParseResult` keeps, whatever the input (``template``: the default
    one at ``threshold`` unless given)."""
    template = template or default_template(threshold)
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
                if k in v:
                    assert v[k] is None or (type(v[k]) is int and v[k] >= 0), (k, v[k])
            if "out" in v:
                assert v["out"] is None or v["out"] is True or (type(v["out"]) is int and v["out"] >= 0)
            assert isinstance(v["note"], str)
            for f in template.fields:
                x = v[f.key]
                if f.type == "symptoms":  # canonical names, each once; [] is no anomaly
                    names = [o.value for o in f.options]
                    assert x is None or (type(x) is list and len(x) == len(set(x)) and set(x) <= set(names)), x
                    assert (f.key in template.anomalies(v)) == bool(x)
                elif f.type == "enum":
                    assert x is None or x in [o.value for o in f.options], (f.key, x)
        for k in ("households", "people"):
            n = rep.totals[k]
            assert n is None or (type(n) is int and n >= 0)
        if rep.same_as_yesterday:
            assert not rep.covers_all
        if rep.chain_index is not None:
            assert result.chain
    json.dumps(result.to_json(), ensure_ascii=False)
