"""Events pushed by the Feishu stand-in to an HTTP callback, received by the SDK's own dispatcher: its
decryption, verification-token and signature checks are the oracle of the stand-in's crypto."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from lark_oapi.api.im.v1 import CreateMessageRequest, CreateMessageRequestBody
from lark_oapi.core.exception import AccessDeniedException
from lark_oapi.core.model import RawRequest
from lark_oapi.core.utils import AESCipher
from lark_oapi.event.dispatcher_handler import EventDispatcherHandler

from handlers.offline.feishu import FeishuStandIn, crypto
from tests.offline.feishu_sdk import CallbackReceiver, Clock, card_answer, sdk_client

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def s() -> Iterator[FeishuStandIn]:
    server = FeishuStandIn(retry_delays=(0.0, 0.0, 0.0, 0.0), callback_timeout=0.5).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def app(s: FeishuStandIn) -> Iterator[CallbackReceiver]:
    with CallbackReceiver(s.encrypt_key, s.verification_token) as r:
        s.use_callback(r.url)
        yield r


def test_encrypt_and_sign_are_what_the_sdk_verifies() -> None:
    key, body = "kEy-一二三", json.dumps({"schema": "2.0", "event": {"text": "张三家 3人"}}, ensure_ascii=False)
    enc = crypto.encrypt(body, key)
    assert AESCipher(key).decrypt_str(enc) == body
    raw = json.dumps({"encrypt": enc}).encode()
    req = RawRequest()
    req.body, req.headers = raw, crypto.signed_headers(raw, key, 1_780_000_000)
    EventDispatcherHandler()._verify_sign(req, key)  # raises if the signature were wrong
    req.body = raw.replace(b'"}', b' "}')
    with pytest.raises(AccessDeniedException):
        EventDispatcherHandler()._verify_sign(req, key)
    # every length pads to whole blocks, and a fixed IV gives a fixed result
    for n in range(0, 40):
        assert AESCipher(key).decrypt_str(crypto.encrypt("x" * n, key)) == "x" * n
    assert crypto.encrypt("a", key, iv=b"\0" * 16) == crypto.encrypt("a", key, iv=b"\0" * 16)


def test_url_verification_echoes_the_challenge(s: FeishuStandIn, app: CallbackReceiver) -> None:
    assert s.verify_url("chal-8f2e") == (200, {"challenge": "chal-8f2e"})
    [(headers, body)] = app.bodies
    assert set(json.loads(body)) == {"encrypt"}  # encrypted like every other callback


def test_url_verification_fails_with_another_token(s: FeishuStandIn) -> None:
    with CallbackReceiver(s.encrypt_key, "another-token") as r:
        s.use_callback(r.url)
        status, _ = s.verify_url("c")
    assert status == 500


def test_a_message_event_arrives_encrypted_signed_and_decoded_by_the_sdk(s: FeishuStandIn,
                                                                         app: CallbackReceiver) -> None:
    liu, wang = s.add_user("刘建国"), s.add_user("王秀英")
    chat = s.add_chat("第一网格", [liu, wang])
    mid = s.post_text(chat, liu, "@_user_1 @_user_2 张三家 3人 正常", mentions=[s.bot, wang])
    [e] = app.received.wait("message")
    assert e.header.event_type == "im.message.receive_v1" and e.header.token == s.verification_token
    assert e.header.app_id == s.app_id and e.header.tenant_key == s.tenant_key
    m = e.event.message
    assert m.message_id == mid and m.chat_id == chat.chat_id and m.chat_type == "group"
    assert m.message_type == "text" and json.loads(m.content) == {"text": "@_user_1 @_user_2 张三家 3人 正常"}
    assert [(x.key, x.id.open_id, x.name) for x in m.mentions] == [
        ("@_user_1", s.bot.open_id, s.bot.name), ("@_user_2", wang.open_id, "王秀英")]
    assert m.mentions[1].id.union_id == wang.union_id and m.mentions[1].id.user_id == wang.user_id
    assert e.event.sender.sender_id.open_id == liu.open_id and e.event.sender.sender_type == "user"
    headers, body = app.bodies[0]
    assert set(json.loads(body)) == {"encrypt"}
    assert headers[crypto.SIGNATURE] == crypto.signature(headers[crypto.TIMESTAMP], headers[crypto.NONCE],
                                                         s.encrypt_key, body)
    d = s.wait_delivered(e.header.event_id)
    assert d.attempt == 1 and d.mode == "callback" and d.response == {"msg": "success"}


def test_post_image_file_recall_and_member_events(s: FeishuStandIn, app: CallbackReceiver) -> None:
    liu = s.add_user("刘建国")
    chat = s.add_chat("第一网格", [liu])
    s.post_rich(chat, liu, [["张三家 3人"], [PNG]], title="今日")
    s.post_image(chat, liu, PNG)
    fid = s.post_file(chat, liu, PNG, "表.png")
    s.recall(fid)
    newbie = s.add_user("新人")
    s.add_members(chat, [newbie], liu)
    [post, image, file] = app.received.wait("message", 3)
    content = json.loads(post.event.message.content)
    assert post.event.message.message_type == "post" and content["title"] == "今日"
    assert content["content"][0][0] == {"tag": "text", "text": "张三家 3人", "style": []}
    assert content["content"][1][0]["tag"] == "img" and content["content"][1][0]["image_key"].startswith("img_v3_")
    assert set(json.loads(image.event.message.content)) == {"image_key"}
    assert json.loads(file.event.message.content)["file_name"] == "表.png"
    [rec] = app.received.wait("recalled")
    assert rec.event.message_id == fid and rec.event.chat_id == chat.chat_id
    [added] = app.received.wait("user_added")
    assert added.event.users[0].user_id.open_id == newbie.open_id and chat.has(newbie)


def test_a_card_click_and_its_answer_replace_the_card(s: FeishuStandIn, app: CallbackReceiver) -> None:
    liu = s.add_user("刘建国")
    chat = s.add_chat("第一网格", [liu])
    card = {"schema": "2.0", "body": {"elements": [
        {"tag": "markdown", "content": "识别：张三家 3人"},
        {"tag": "button", "text": {"tag": "plain_text", "content": "确认"},
         "behaviors": [{"type": "callback", "value": {"do": "confirm", "reading": 12}}]},
        {"tag": "button", "text": {"tag": "plain_text", "content": "取消"},
         "behaviors": [{"type": "callback", "value": {"do": "cancel", "reading": 12}}]}]}}
    mid = _app_card(s, chat.chat_id, card)
    app.received.card_answer = lambda e: card_answer("已确认", {"elements": [{"tag": "markdown", "content": "✅ 已确认"}]})
    with pytest.raises(ValueError, match="no such button"):
        s.click(mid, liu, text="重新识别")
    eid = s.click(mid, liu, text="确认")
    [e] = app.received.wait("card")
    assert e.event.action.value == {"do": "confirm", "reading": 12} and e.event.action.tag == "button"
    assert e.event.operator.open_id == liu.open_id
    assert e.event.context.open_message_id == mid and e.event.context.open_chat_id == chat.chat_id
    d = s.wait_delivered(eid)
    assert d.response["toast"] == {"type": "info", "content": "已确认"}
    m = s.state.messages[mid]
    assert m.text == "✅ 已确认" and m.history == [card]


def test_an_unanswered_event_is_delivered_again_with_the_same_id(s: FeishuStandIn, app: CallbackReceiver) -> None:
    liu = s.add_user("刘建国")
    chat = s.add_chat("第一网格", [liu])
    app.received.fail_next = 1  # the app's handler raises once: the SDK answers 500
    s.post_text(chat, liu, "张三家 3人")
    [e] = app.received.wait("message")
    eid = e.header.event_id
    d = s.wait_delivered(eid)
    assert [(x.attempt, x.status) for x in s.deliveries(eid)] == [(1, 500), (2, 200)] and d.attempt == 2
    # an answer later than the timeout counts as none: the event comes again
    app.hold = 1
    s.post_text(chat, liu, "李四家 2人")
    [_, e2] = app.received.wait("message", 2)
    s.wait_delivered(e2.header.event_id)
    app.release()
    app.received.wait("message", 3)
    assert [x.status for x in s.deliveries(e2.header.event_id)][:1] == [0]
    assert {x.header.event_id for x in app.received.of("message")[1:]} == {e2.header.event_id}
    # a test can also repeat an event at will (a duplicate the app must not count twice)
    s.redeliver(eid)
    assert [x.header.event_id for x in app.received.wait("message", 4)][3] == eid


def test_an_event_the_app_cannot_decrypt_is_given_up_after_the_retries(s: FeishuStandIn) -> None:
    liu = s.add_user("刘建国")
    chat = s.add_chat("第一网格", [liu])
    with CallbackReceiver("a-different-key", s.verification_token) as r:
        s.use_callback(r.url)
        s.post_text(chat, liu, "张三家 3人")
        s.wait_for(lambda: s.pump.queue[0].given_up, what="the event to be given up")
    assert [d.status for d in s.deliveries()] == [500] * 5 and not r.received.of("message")


def test_retries_follow_the_schedule_on_the_stand_ins_clock() -> None:
    clock = Clock()
    with FeishuStandIn(clock=clock, retry_delays=(15.0, 300.0)) as s, \
            CallbackReceiver(s.encrypt_key, s.verification_token) as r:
        s.use_callback(r.url)
        liu = s.add_user("刘建国")
        r.received.fail_next = 2
        s.post_text(s.add_chat("群", [liu]), liu, "x")
        p = s.pump.queue[0]
        s.wait_for(lambda: p.attempts == 1, what="the first attempt")
        assert p.next_at == clock.t + 15 and len(s.deliveries()) == 1
        clock.t += 15
        s.pump.kick()
        s.wait_for(lambda: p.attempts == 2, what="the second attempt")
        assert p.next_at == clock.t + 300
        clock.t += 300
        s.retry_now()
        s.wait_for(lambda: p.done, what="the third attempt")
        assert [d.status for d in s.deliveries()] == [500, 500, 200]


def test_without_an_encrypt_key_events_are_plain_and_unsigned() -> None:
    with FeishuStandIn(encrypt_key="") as s, CallbackReceiver("", s.verification_token) as r:
        s.use_callback(r.url)
        liu = s.add_user("刘建国")
        s.post_text(s.add_chat("群", [liu]), liu, "x")
        r.received.wait("message")
        headers, body = r.bodies[0]
        assert json.loads(body)["schema"] == "2.0" and crypto.SIGNATURE not in headers


def test_without_the_group_scope_only_mentions_reach_the_app() -> None:
    with FeishuStandIn(all_group_messages=False) as s, CallbackReceiver(s.encrypt_key, s.verification_token) as r:
        s.use_callback(r.url)
        liu = s.add_user("刘建国")
        chat = s.add_chat("群", [liu])
        s.post_text(chat, liu, "张三家 3人")
        mid = s.post_text(chat, liu, "@_user_1 汇总", mentions=[s.bot])
        s.post_text(s.private_chat(liu), liu, "/iam 刘建国")
        got = r.received.wait("message", 2)
        assert [e.event.message.message_id for e in got][0] == mid and len(s.pump.queue) == 2


def _app_card(s: FeishuStandIn, chat_id: str, card: dict) -> str:
    """A card the app sent (through the API, as the adapter sends one)."""
    r = sdk_client(s).im.v1.message.create(CreateMessageRequest.builder().receive_id_type("chat_id").request_body(
        CreateMessageRequestBody.builder().receive_id(chat_id).msg_type("interactive")
        .content(json.dumps(card, ensure_ascii=False)).build()).build())
    assert r.success(), (r.code, r.msg)
    return r.data.message_id


@pytest.mark.parametrize("fault", ["signature", "encryption", "token", "unsigned"])
def test_a_forged_event_is_refused_by_the_sdk(s: FeishuStandIn, app: CallbackReceiver, fault: str) -> None:
    liu = s.add_user("刘建国")
    chat = s.add_chat("第一网格", [liu])
    s.post_text(chat, liu, "张三家 3人", fault=fault)
    [(eid, status, _)] = s.forged
    assert status == 500 and not app.received.of("message") and not s.pump.queue
    s.post_text(chat, liu, "李四家 2人")  # a genuine one still gets through
    [e] = app.received.wait("message")
    assert e.header.event_id != eid


def test_the_bot_menu(s: FeishuStandIn, app: CallbackReceiver) -> None:
    liu = s.add_user("刘建国")
    s.click_menu(liu, "summary")
    [e] = app.received.wait("menu")
    assert e.event.event_key == "summary" and e.event.operator.operator_id.open_id == liu.open_id
