"""Faults against the stand-in: a forged or garbled callback is refused and nothing stored; a rate-limited
send is retried; events accepted before a restart are handled; the long connection drops and recovers."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp
import pytest

from bot.core.chat import Sender
from bot.core.records import InboxUpdate
from handlers.offline.feishu import events as fev
from tests.feishu.harness import town
from tests.feishu.helpers import encrypt


async def inbox_rows(t) -> int:
    return (await t.services.db.fetchone("SELECT COUNT(*) FROM inbox"))[0]


async def test_a_forged_or_garbled_callback_is_refused_and_nothing_stored(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    async with town(tmp_path, monkeypatch, mode="callback") as t:
        s = t.standin
        assert t.bot.callback is not None
        url = f"http://127.0.0.1:{t.bot.callback.port}{t.services.config.feishu.path}"
        status, answer = await asyncio.to_thread(s.verify_url, "c-42")  # off the loop that answers it
        assert (status, answer) == (200, {"challenge": "c-42"})
        ev = fev.envelope(fev.MESSAGE_RECEIVE, fev.message_event(
            t.groups["一"], t.users["王艳"], message_id="om_" + "e" * 32, message_type="text",
            content={"text": "包联15户，均正常"}, create_time_ms=int(t.clock.epoch() * 1000), tenant_key=s.tenant_key),
            event_id="forged-1", create_time_ms=0, token=s.verification_token, app_id=s.app_id,
            tenant_key=s.tenant_key)
        body, headers = s.pump.callback_request(ev)
        bad_sig = {**headers, "X-Lark-Signature": "0" * 64}
        other_key = json.dumps({"encrypt": encrypt(json.dumps(ev), "not-the-key")}).encode()
        async with aiohttp.ClientSession() as http:
            for data, hdrs, want in ((body, bad_sig, 401), (other_key, headers, 400), (b"{garbage", headers, 400),
                                     (json.dumps(ev).encode(), {}, 400)):
                async with http.post(url, data=data, headers=hdrs) as resp:
                    assert resp.status == want
            assert await inbox_rows(t) == 0
            async with http.post(url, data=body, headers=headers) as resp:  # the genuine request
                assert resp.status == 200
        await t.settle()
        assert await inbox_rows(t) == 1


async def test_a_rate_limited_send_is_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []

    async def no_wait(s: float) -> None:
        waits.append(s)

    async with town(tmp_path, monkeypatch, api_sleep=no_wait) as t:
        await t.say("一", "刘志宇", "/bind 第一网格")
        t.standin.fail_next(2)
        before = dict(t.bot.api.calls.on(t.clock().date()))
        mid = await t.say("一", "王艳", "杜美玲家6人，体温36.5")
        assert t.replies(mid)[0].startswith("✅ 已记录 王艳")
        refused = [c for c in t.standin.calls("message.reply") if c.status == 429]
        assert len(refused) == 2
        assert [w for w in waits if w >= 0.5][:2]  # waited as Feishu asked (x-ogw-ratelimit-reset), injected
        after = t.bot.api.calls.on(t.clock().date())
        assert after["reply"] - before.get("reply", 0) == 3


async def test_events_accepted_before_a_restart_are_handled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async def killed_after_commit(services, standin, users, groups) -> None:
        await services.reports.bind(f"feishu:{groups['一'].chat_id}", "group",
                                    _sender(users["管理员"]), True, "第一网格")
        mid = standin.post_text(groups["二"], users["赵丽"], "hi")  # a message the stand-in knows (not delivered)
        ev = fev.envelope(fev.MESSAGE_RECEIVE, fev.message_event(
            groups["一"], users["王艳"], message_id=mid, message_type="text", content={"text": "杜美玲家6人，体温36.5"},
            create_time_ms=int(standin.state.clock() * 1000), tenant_key=standin.tenant_key),
            event_id="ev-before-kill", create_time_ms=0, token="", app_id=standin.app_id, tenant_key=standin.tenant_key)
        await services.inbox.accept_many([InboxUpdate("feishu:ev-before-kill", f"feishu:{groups['一'].chat_id}",
                                                      json.dumps(ev, ensure_ascii=False))])

    async with town(tmp_path, monkeypatch, before_start=killed_after_commit) as t:
        await t.bot.ordered.drain()
        assert (await t.stored("王艳"))["杜美玲"]["people"] == 6
        assert (await t.services.db.fetchone("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL"))[0] == 0


async def test_the_long_connection_drops_and_recovers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    quick = {"ReconnectCount": -1, "ReconnectInterval": 1, "ReconnectNonce": 0, "PingInterval": 120}
    async with town(tmp_path, monkeypatch, client_config=quick) as t:
        await t.say("一", "刘志宇", "/bind 第一网格")
        assert t.standin.drop_connection() == 1
        mid = await t.say("一", "王艳", "杜美玲家6人，体温36.5")  # delivered once the SDK has reconnected
        assert t.replies(mid)[0].startswith("✅ 已记录 王艳")


def _sender(user) -> Sender:
    return Sender(f"feishu:{user.open_id}", None, user.name)
