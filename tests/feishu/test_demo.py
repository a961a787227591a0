"""``gridbot demo --platform feishu``: the demo day through the real Feishu adapter against the stand-in, played
once for the module (a photo is read, so it takes a while); the assertions are on what the stand-in received."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.cli.main import main
from bot.config.settings import Config
from bot.core import texts
from bot.core.roster import read_roster_bytes, roster_from_rows
from bot.sample import roster_bytes
from bot.sample.cast import GROUP1, GROUP2, GROUP3
from handlers.demo.feishu import play
from handlers.offline.feishu import FeishuStandIn, Message

TITLES = (GROUP1.title, GROUP2.title, GROUP3.title)


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> tuple[FeishuStandIn, str]:
    import asyncio

    out = io.StringIO()
    db = Path(tmp_path_factory.mktemp("feishu-demo")) / "demo.db"
    standin = asyncio.run(play(dataclasses.replace(Config(), db_path=str(db)), out))
    return standin, out.getvalue()


def _chat(s: FeishuStandIn, name: str) -> str:
    return next(c.chat_id for c in s.state.chats.values() if c.name == name)


def _user(s: FeishuStandIn, name: str) -> Any:
    return next(u for u in s.state.users.values() if u.name == name)


def _p2p(s: FeishuStandIn, name: str) -> str:
    return s.private_chat(_user(s, name)).chat_id


def test_the_day_is_told_in_chinese(day: tuple[FeishuStandIn, str]) -> None:
    _, transcript = day
    for line in ("导入台账：3个网格，10名网格员，147户", "✅ 本群已绑定到 东风村第一网格", "✅ 已记录 赵丽 16户51人，均正常",
                 "✅ 已记录 刘桂兰 14户43人，均正常", "✅ 已更正 王艳 1户4人", "撤回了上一条消息", "✅ 已记录 张建国 13户，均正常",
                 "✅ 已记录 马春生 8户22人；异常：戴金花家发热37.8℃", "== 2020-02-10 台账：已报 117/147 户 ==",
                 "📎 台账_东风村_2020-02-10.xlsx"):
        assert line in transcript, line
    assert "<at user_id" not in transcript and "ou_" not in transcript  # mentions shown as @名字, no ids


def test_cards_are_clicked_and_updated(day: tuple[FeishuStandIn, str]) -> None:
    s, _ = day
    g1, g3 = _chat(s, GROUP1.title), _chat(s, GROUP3.title)
    [iam] = [m for m in s.cards(g1) if "申请关联" in str(m.history[:1] or m.content)]
    assert iam.updated and "已关联" in iam.text and not iam.buttons()  # the leader's 同意 replaced the card
    clicks = [c for c in s.calls() if c.kind == "message.patch"]
    assert clicks, "cards are updated by PATCH"
    photo_cards = [m for m in s.cards(g3) if m.history and texts.OCR_READING in str(m.history[0])]
    assert len(photo_cards) == 1  # "正在识别…", then the reading with its buttons
    fixed = [m for m in s.cards(g3) if any("已更正" in str(h) for h in [*m.history, m.content])]
    assert len(fixed) == 1 and "已记录 马春生 8户" in fixed[0].text and not fixed[0].buttons()
    assert any(c.kind == "resource.get" for c in s.calls())  # the photo downloaded by its key


def _nags(s: FeishuStandIn, group: str, word: str) -> list[Message]:
    return [m for m in s.sent(_chat(s, group)) if m.msg_type == "text" and word in m.content["text"]]


def test_nags_mention_linked_members_and_escalate_to_the_leader(day: tuple[FeishuStandIn, str]) -> None:
    s, _ = day
    ma, zhou, chen = _user(s, "马春生"), _user(s, "周强"), _user(s, "陈明")
    [remind] = _nags(s, GROUP3.title, "温馨提醒")
    [deadline] = _nags(s, GROUP3.title, "截止时间")
    for nag in (remind, deadline):
        raw = nag.content["text"]
        assert f'<at user_id="{ma.open_id}">马春生</at>' in raw  # linked through the roster's 账号
        assert "孙德福" in raw and nag.mentioned == [ma.open_id]  # no account: named plainly
        assert nag.parent_id is None
    [g2] = _nags(s, GROUP2.title, "温馨提醒")
    assert set(g2.mentioned) == {zhou.open_id} and "李秀英" in g2.content["text"]  # 周强 linked by /iam
    [g1] = _nags(s, GROUP1.title, "温馨提醒")
    assert g1.mentioned == [chen.open_id]
    # the escalation goes to the leader's private chat (she wrote /start), by her open_id
    [esc] = [m for m in s.sent(_p2p(s, "赵丽")) if "截止后仍未上报" in m.text]
    assert "周强" in esc.text and "李秀英" in esc.text
    assert any(c.kind == "message.create" and c.query.get("receive_id_type") == "open_id"
               and c.body.get("receive_id") == _user(s, "赵丽").open_id for c in s.calls())
    [update] = [m for m in s.sent(_p2p(s, "赵丽")) if "更新" in m.text]
    assert "周强已补报" in update.text
    assert not [m for m in s.sent(_p2p(s, "刘志宇"))]  # 第一网格's leader never wrote to the bot


def test_the_ledger_goes_as_a_file_to_the_private_chat_only(day: tuple[FeishuStandIn, str]) -> None:
    s, _ = day
    private = _p2p(s, "李会计")
    [file] = [m for m in s.sent() if m.msg_type == "file"]
    assert file.chat_id == private
    res = s.state.resources[file.content["file_key"]]
    assert res.name == "台账_东风村_2020-02-10.xlsx" and res.file_type == "xls"
    book = load_workbook(io.BytesIO(res.data), read_only=True)
    assert len(list(book["明细"].iter_rows(values_only=True))) == 148  # a header and the 147 households
    [refused] = [m for m in s.sent(_p2p(s, "路人乙"))]
    assert "没有查看汇总的权限" in refused.text


def test_the_menu_answers_in_the_private_chat(day: tuple[FeishuStandIn, str]) -> None:
    s, transcript = day
    assert "王艳 点击菜单【我的上报】" in transcript
    [status] = [m for m in s.sent(_p2p(s, "王艳"))]
    assert status.text.startswith("📋 王艳") and "17/17" in status.text and status.parent_id is None


def test_no_household_data_in_group_messages(day: tuple[FeishuStandIn, str]) -> None:
    """A message the bot sent in a group names households only when it answers a member's own message, and
    then only that member's (it restates what they posted); nags and everything else name none."""
    s, _ = day
    roster = roster_from_rows(read_roster_bytes(roster_bytes(), "roster.csv").rows)
    owner = {h.name: m.name for m in roster.members for h in m.households}
    groups = {_chat(s, t) for t in TITLES}
    checked = 0
    for m in s.sent():
        if m.chat_id not in groups:
            continue
        parent = s.state.messages.get(m.parent_id) if m.parent_id else None
        author = parent.sender.name if parent is not None and parent.sender is not None else None
        for content in [*m.history, m.content]:
            text = str(content)
            named = {h for h in owner if h in text}
            assert all(owner[h] == author for h in named), (m.text, named, author)
            checked += bool(named)
    assert checked >= 3  # the photo's cards and the reports' answers do name the member's own


def test_an_unknown_platform_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--platform", "wechat"]) == 2
    assert "wechat" in capsys.readouterr().err
