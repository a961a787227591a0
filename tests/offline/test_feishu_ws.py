"""The long connection end to end: the real ``lark_oapi.ws.Client`` (its endpoint call, protobuf frames,
pings, acks and reconnects) against the Feishu stand-in. The SDK runs its own threads and timers, so the
waits here are bounded waits on conditions (``wait_for``), never sleeps."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests
from lark_oapi.api.im.v1 import CreateMessageRequest, CreateMessageRequestBody
from lark_oapi.ws.exception import ClientException
from lark_oapi.ws.pb.pbbp2_pb2 import Frame

from handlers.offline.feishu import FeishuStandIn
from handlers.offline.feishu.delivery import CONTROL, DATA, frame, frame_headers
from tests.offline.feishu_sdk import WsClientThread, card_answer, sdk_client

#: no jitter and no pause before a reconnect; pings once an hour after the first (sent at once)
FAST = {"ReconnectCount": -1, "ReconnectInterval": 0, "ReconnectNonce": 0, "PingInterval": 3600}


@pytest.fixture
def s() -> Iterator[FeishuStandIn]:
    server = FeishuStandIn(client_config=FAST, retry_delays=(0.0, 0.0, 0.0, 0.0), ack_timeout=5.0).start()
    server.use_websocket()
    try:
        yield server
    finally:
        server.stop()


def connected(s: FeishuStandIn, n: int = 1) -> None:
    s.wait_for(lambda: s.pump.connections_made >= n and s.pump.conns, what=f"connection {n}")


def test_frames_round_trip_through_the_sdk_classes() -> None:
    f = frame(DATA, 7, {"type": "event", "message_id": "m1", "sum": "1", "seq": "0", "trace_id": "t"}, b"{}", 3)
    g = Frame()
    g.ParseFromString(f.SerializeToString())
    assert (g.method, g.service, g.SeqID, g.payload) == (DATA, 7, 3, b"{}") and frame_headers(g)["type"] == "event"
    assert frame(CONTROL, 7, {"type": "pong"}).method == CONTROL


def test_an_event_reaches_the_sdk_handler_and_is_acked(s: FeishuStandIn) -> None:
    liu = s.add_user("刘建国")
    chat = s.add_chat("第一网格", [liu])
    with WsClientThread(s) as c:
        connected(s)
        mid = s.post_text(chat, liu, "@_user_1 张三家 3人 正常", mentions=[s.bot])
        [e] = c.received.wait("message")
        assert e.event.message.message_id == mid and json.loads(e.event.message.content)["text"].endswith("正常")
        assert e.event.message.mentions[0].id.open_id == s.bot.open_id
        d = s.wait_delivered(e.header.event_id)
        assert d.mode == "websocket" and d.attempt == 1
        # the first ping comes at once; the pong's ClientConfig is applied by the SDK
        s.wait_for(lambda: s.pump.pings >= 1, what="a ping")
        assert c.client._ping_interval == 3600 and c.client._reconnect_nonce == 0
        assert s.pump.endpoint_calls == 1 and c.client._service_id == str(s.pump.conns[0].service_id)


def test_a_split_payload_is_joined_by_the_client() -> None:
    with FeishuStandIn(client_config=FAST, split_bytes=100) as s, WsClientThread(s) as c:
        s.use_websocket()
        connected(s)
        liu = s.add_user("刘建国")
        text = "张三家 3人 正常；" * 40
        s.post_text(s.add_chat("第一网格", [liu]), liu, text)
        [e] = c.received.wait("message")
        assert json.loads(e.event.message.content)["text"] == text


def test_a_dropped_connection_is_reconnected_and_delivery_goes_on(s: FeishuStandIn) -> None:
    liu = s.add_user("刘建国")
    chat = s.add_chat("第一网格", [liu])
    with WsClientThread(s) as c:
        connected(s)
        s.post_text(chat, liu, "第一条")
        [e1] = c.received.wait("message")
        s.wait_delivered(e1.header.event_id)  # acked: not delivered again after the drop
        assert s.drop_connection() == 1
        connected(s, 2)  # the SDK called the endpoint again and came back with a new ticket
        assert s.pump.endpoint_calls == 2
        s.post_text(chat, liu, "第二条")
        [_, e2] = c.received.wait("message", 2)
        assert json.loads(e2.event.message.content)["text"] == "第二条"
        # a clean close (a close frame) is reconnected too
        s.drop_connection(abrupt=False)
        connected(s, 3)


def test_events_wait_while_the_endpoint_is_busy(s: FeishuStandIn) -> None:
    liu = s.add_user("刘建国")
    chat = s.add_chat("第一网格", [liu])
    with WsClientThread(s) as c:
        connected(s)
        s.fail_endpoint(1, 1)  # "system busy" twice: the SDK keeps trying
        s.drop_connection()
        s.post_text(chat, liu, "断线时发的")
        connected(s, 2)
        assert s.pump.endpoint_calls == 4
        [e] = c.received.wait("message")
        assert json.loads(e.event.message.content)["text"] == "断线时发的"


def test_a_failing_handler_acks_500_and_the_event_comes_again(s: FeishuStandIn) -> None:
    liu = s.add_user("刘建国")
    with WsClientThread(s) as c:
        connected(s)
        c.received.fail_next = 1
        s.post_text(s.add_chat("群", [liu]), liu, "x")
        [e] = c.received.wait("message")
        s.wait_delivered(e.header.event_id)
        assert [d.status for d in s.deliveries(e.header.event_id)] == [500, 200]


def test_a_card_click_over_the_long_connection_carries_the_answer(s: FeishuStandIn) -> None:
    liu = s.add_user("刘建国")
    chat = s.add_chat("第一网格", [liu])
    card = {"elements": [{"tag": "action", "actions": [
        {"tag": "button", "text": {"tag": "plain_text", "content": "批准"}, "value": {"iam": 3}}]}]}
    r = sdk_client(s).im.v1.message.create(CreateMessageRequest.builder().receive_id_type("chat_id").request_body(
        CreateMessageRequestBody.builder().receive_id(chat.chat_id).msg_type("interactive")
        .content(json.dumps(card, ensure_ascii=False)).build()).build())
    with WsClientThread(s) as c:
        c.received.card_answer = lambda e: card_answer("已批准")
        connected(s)
        eid = s.click(r.data.message_id, liu, value={"iam": 3})
        [e] = c.received.wait("card")
        assert e.event.action.value == {"iam": 3}
        d = s.wait_delivered(eid)
        assert d.response == {"toast": {"type": "info", "content": "已批准"}}


def test_a_wrong_secret_stops_the_client() -> None:
    with FeishuStandIn(client_config=FAST) as s:
        c = WsClientThread(s, app_secret="wrong")
        with c:
            c.join(20)
        assert isinstance(c.error, ClientException) and c.error.code == 10014
        assert s.pump.connections_made == 0


def test_a_stale_ticket_is_refused(s: FeishuStandIn) -> None:
    url = requests.post(f"{s.base_url}/callback/ws/endpoint", json={"AppID": s.app_id, "AppSecret": s.app_secret},
                        timeout=5).json()["data"]["URL"]
    stale = url.replace("ticket=", "ticket=x")
    r = requests.get(stale.replace("ws://", "http://"), timeout=5, headers={
        "Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
    assert r.status_code == 514 and r.headers["handshake-status"] == "514"
