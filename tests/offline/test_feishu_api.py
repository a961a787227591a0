"""The Feishu stand-in's HTTP API, called through the real ``lark-oapi`` client (the oracle of the wire format)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import lark_oapi as lark
import pytest
import requests
from lark_oapi.api.im.v1 import (
    CreateFileRequest,
    CreateFileRequestBody,
    CreateImageRequest,
    CreateImageRequestBody,
    CreateMessageRequest,
    CreateMessageRequestBody,
    GetChatMembersRequest,
    GetChatRequest,
    GetMessageResourceRequest,
    PatchMessageRequest,
    PatchMessageRequestBody,
    ReplyMessageRequest,
    ReplyMessageRequestBody,
)

from handlers.offline.feishu import FeishuStandIn, RateLimits
from tests.offline.feishu_sdk import Clock, sdk_client

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def s(clock: Clock) -> Iterator[FeishuStandIn]:
    server = FeishuStandIn(clock=clock).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def client(s: FeishuStandIn) -> lark.Client:
    return sdk_client(s)


def send(client: lark.Client, receive_id: str, msg_type: str, content: dict, id_type: str = "chat_id",
         uuid: str | None = None):
    body = CreateMessageRequestBody.builder().receive_id(receive_id).msg_type(msg_type) \
        .content(json.dumps(content, ensure_ascii=False))
    if uuid:
        body = body.uuid(uuid)
    req = CreateMessageRequest.builder().receive_id_type(id_type).request_body(body.build()).build()
    return client.im.v1.message.create(req)


def patch(client: lark.Client, message_id: str, card: dict):
    return client.im.v1.message.patch(PatchMessageRequest.builder().message_id(message_id).request_body(
        PatchMessageRequestBody.builder().content(json.dumps(card, ensure_ascii=False)).build()).build())


def upload_image(client: lark.Client, data: bytes):
    req = CreateImageRequest.builder().request_body(
        CreateImageRequestBody.builder().image_type("message").image(io.BytesIO(data)).build()).build()
    return client.im.v1.image.create(req)


def test_token_is_fetched_once_and_messages_go_to_the_chat(s: FeishuStandIn, client: lark.Client) -> None:
    liu = s.add_user("刘建国")
    chat = s.add_chat("第一网格", [liu])
    r1 = send(client, chat.chat_id, "text", {"text": f'<at user_id="{liu.open_id}"></at> 请报今日情况'})
    r2 = send(client, chat.chat_id, "text", {"text": "第二条"})
    assert r1.success() and r2.success(), (r1.code, r1.msg)
    assert r1.data.message_id.startswith("om_") and r1.data.chat_id == chat.chat_id
    assert r1.data.sender.sender_type == "app" and r1.data.sender.id == s.app_id
    assert len(s.calls("token")) == 1  # the SDK caches the tenant token; the stand-in issued one
    [m1, m2] = s.sent_to(chat)
    assert m1.mentioned == [liu.open_id] and m2.text == "第二条"
    assert r1.get_log_id()  # X-Tt-Logid, as on every Feishu answer


def test_a_message_to_an_open_id_goes_to_the_private_chat(s: FeishuStandIn, client: lark.Client) -> None:
    liu = s.add_user("刘建国")
    r = send(client, liu.open_id, "text", {"text": "台账已生成"}, id_type="open_id")
    assert r.success()
    p2p = s.private_chat(liu)
    assert r.data.chat_id == p2p.chat_id and p2p.chat_type == "p2p"
    assert s.texts(p2p) == ["台账已生成"]
    assert send(client, "ou_" + "0" * 32, "text", {"text": "x"}, id_type="open_id").code == 230013


def test_reply_patch_and_recall(s: FeishuStandIn, client: lark.Client) -> None:
    liu = s.add_user("刘建国")
    chat = s.add_chat("第一网格", [liu])
    mid = s.post_text(chat, liu, "张三家 3人 正常")
    r = client.im.v1.message.reply(ReplyMessageRequest.builder().message_id(mid).request_body(
        ReplyMessageRequestBody.builder().msg_type("text").content(json.dumps({"text": "✅ 已记录"})).build()).build())
    assert r.success() and r.data.parent_id == mid and r.data.root_id == mid
    assert [m.text for m in s.replies_to(mid)] == ["✅ 已记录"]

    card = {"config": {"update_multi": True}, "elements": [
        {"tag": "markdown", "content": "识别结果：3人"},
        {"tag": "action", "actions": [{"tag": "button", "text": {"tag": "plain_text", "content": "确认"},
                                       "value": {"a": "confirm", "id": 7}}]}]}
    c = send(client, chat.chat_id, "interactive", card)
    assert c.success() and s.cards(chat)[0].buttons() == [("确认", {"a": "confirm", "id": 7})]
    new = {"config": {"update_multi": True}, "elements": [{"tag": "markdown", "content": "已确认"}]}
    p = client.im.v1.message.patch(PatchMessageRequest.builder().message_id(c.data.message_id).request_body(
        PatchMessageRequestBody.builder().content(json.dumps(new, ensure_ascii=False)).build()).build())
    assert p.success(), (p.code, p.msg)
    [m] = s.cards(chat)
    assert m.updated and m.text == "已确认" and m.history == [card]
    # the card after the update must be shared too; five updates a second of one card at most
    unshared = {"elements": [{"tag": "markdown", "content": "x"}]}
    assert patch(client, c.data.message_id, unshared).code == 230001
    assert [patch(client, c.data.message_id, new).code for _ in range(5)] == [0, 0, 0, 0, 230020]
    # a card that was not shared cannot be updated
    c1 = send(client, chat.chat_id, "interactive", unshared)
    assert patch(client, c1.data.message_id, new).code == 230001
    # only the app's cards can be updated; a text is refused
    t = client.im.v1.message.patch(PatchMessageRequest.builder().message_id(mid).request_body(
        PatchMessageRequestBody.builder().content(json.dumps(new)).build()).build())
    assert t.code == 230001
    # a reply to a recalled message is refused
    s.recall(mid)
    r2 = client.im.v1.message.reply(ReplyMessageRequest.builder().message_id(mid).request_body(
        ReplyMessageRequestBody.builder().msg_type("text").content(json.dumps({"text": "x"})).build()).build())
    assert r2.code == 230011


def test_post_image_and_file_sends_need_uploaded_keys(s: FeishuStandIn, client: lark.Client) -> None:
    s.set_rate_limits(None)  # the clock stands still here; the sends below are not about the rate
    chat = s.add_chat("第一网格", [s.add_user("刘建国")])
    post = {"zh_cn": {"title": "汇总", "content": [[{"tag": "text", "text": "第一网格 已报 9/10"}]]}}
    assert send(client, chat.chat_id, "post", post).success()
    assert s.texts(chat) == ["汇总\n第一网格 已报 9/10"]
    assert send(client, chat.chat_id, "image", {"image_key": "img_v3_nope"}).code == 230001
    img = upload_image(client, PNG)
    assert img.success() and img.data.image_key.startswith("img_v3_")
    assert send(client, chat.chat_id, "image", {"image_key": img.data.image_key}).success()
    f = client.im.v1.file.create(CreateFileRequest.builder().request_body(
        CreateFileRequestBody.builder().file_type("xls").file_name("台账.xlsx").file(io.BytesIO(b"PK\x03\x04xlsx"))
        .build()).build())
    assert f.success() and f.data.file_key.startswith("file_v3_")
    assert send(client, chat.chat_id, "file", {"file_key": f.data.file_key}).success()
    assert [(u.kind, u.name, u.data) for u in s.uploads()] == [("image", img.data.image_key, PNG),
                                                               ("file", "台账.xlsx", b"PK\x03\x04xlsx")]
    assert s.uploads()[1].file_type == "xls"
    assert upload_image(client, b"not an image").code == 234011
    assert send(client, chat.chat_id, "text", {"text": "  "}).code == 230001
    big = {"zh_cn": {"title": "", "content": [[{"tag": "text", "text": "户" * 11000}]]}}  # 33 KB of UTF-8
    assert send(client, chat.chat_id, "post", big).code == 230025
    assert send(client, chat.chat_id, "text", {"text": "户" * 11000}).success()  # a text may have 150 KB
    assert send(client, chat.chat_id, "audio", {"file_key": f.data.file_key}).code == 230001


def test_message_resources_download_what_users_posted(s: FeishuStandIn, client: lark.Client) -> None:
    liu = s.add_user("刘建国")
    chat = s.add_chat("第一网格", [liu])
    mid = s.post_image(chat, liu, PNG)
    key = s.state.messages[mid].content["image_key"]

    def get(message_id: str, file_key: str, kind: str):
        return client.im.v1.message_resource.get(GetMessageResourceRequest.builder().message_id(message_id)
                                                 .file_key(file_key).type(kind).build())

    r = get(mid, key, "image")
    assert r.success() and r.file.read() == PNG and r.file_name == key
    fid = s.post_file(chat, liu, b"%PDF-1.4 form", "登记表 第3页.pdf")
    fkey = s.state.messages[fid].content["file_key"]
    f = get(fid, fkey, "file")
    assert f.success() and f.file.read() == b"%PDF-1.4 form" and f.file_name == "登记表 第3页.pdf"
    rich = s.post_rich(chat, liu, [["第二张：", PNG], ["备注"]])
    [el] = [e for p in s.state.messages[rich].content["content"] for e in p if e["tag"] == "img"]
    assert get(rich, el["image_key"], "image").file.read() == PNG
    assert get(mid, fkey, "file").code == 234003  # a key of another message
    assert get(fid, fkey, "image").code == 234001  # the wrong type


def test_chat_members_are_paged(s: FeishuStandIn, client: lark.Client) -> None:
    people = [s.add_user(n) for n in ("刘建国", "王秀英", "张志强", "李桂兰", "赵文斌")]
    chat = s.add_chat("第一网格", people)
    seen, token = [], ""
    for _ in range(5):
        b = GetChatMembersRequest.builder().chat_id(chat.chat_id).member_id_type("open_id").page_size(2)
        r = client.im.v1.chat_members.get((b.page_token(token) if token else b).build())
        assert r.success(), (r.code, r.msg)
        assert r.data.member_total == 5
        seen += [(i.member_id, i.name) for i in r.data.items]
        if not r.data.has_more:
            break
        token = r.data.page_token
    assert seen == [(p.open_id, p.name) for p in people]
    away = s.add_chat("别的群", people[:1], bot_in_chat=False)
    assert client.im.v1.chat_members.get(GetChatMembersRequest.builder().chat_id(away.chat_id).build()).code == 232011


def test_tokens_missing_invalid_expired_and_bad_secret(s: FeishuStandIn, client: lark.Client, clock: Clock) -> None:
    chat = s.add_chat("第一网格", [s.add_user("刘建国")])
    url = f"{s.base_url}/open-apis/im/v1/messages?receive_id_type=chat_id"
    body = {"receive_id": chat.chat_id, "msg_type": "text", "content": '{"text":"x"}'}
    r = requests.post(url, json=body, timeout=5)
    assert r.status_code == 400 and r.json()["code"] == 99991661
    r = requests.post(url, json=body, headers={"Authorization": "Bearer t-forged"}, timeout=5)
    assert r.status_code == 400 and r.json()["code"] == 99991663

    token_url = f"{s.base_url}/open-apis/auth/v3/tenant_access_token/internal"
    tok = requests.post(token_url, json={"app_id": s.app_id, "app_secret": s.app_secret}, timeout=5).json()
    assert tok["code"] == 0 and tok["expire"] == 7200 and tok["tenant_access_token"].startswith("t-")
    assert send(client, chat.chat_id, "text", {"text": "x"}).success()  # the SDK got (and cached) that token
    clock.t += 3600  # more than 30 minutes left: the same token, with what it has left
    again = requests.post(token_url, json={"app_id": s.app_id, "app_secret": s.app_secret}, timeout=5).json()
    assert again["tenant_access_token"] == tok["tenant_access_token"] and again["expire"] == 3600
    clock.t += 3601  # expired on the stand-in's clock; the SDK still holds it and is refused
    assert send(client, chat.chat_id, "text", {"text": "x"}).code == 99991663
    fresh = requests.post(token_url, json={"app_id": s.app_id, "app_secret": s.app_secret}, timeout=5).json()
    assert fresh["tenant_access_token"] != tok["tenant_access_token"]
    s.revoke_tokens()
    assert not s.state.token_valid(fresh["tenant_access_token"])

    bad = requests.post(token_url, json={"app_id": s.app_id, "app_secret": "wrong"}, timeout=5).json()
    assert bad["code"] == 10014
    other = lark.Client.builder().app_id(s.app_id[:-1] + "z").app_secret("wrong").domain(s.base_url) \
        .log_level(lark.LogLevel.CRITICAL).build()  # an app id the SDK has no cached token for
    with pytest.raises(Exception, match="tenant access token"):
        send(other, chat.chat_id, "text", {"text": "x"})


def test_the_rate_limit_answer(s: FeishuStandIn, client: lark.Client, clock: Clock) -> None:
    chats = [s.add_chat(f"群{i}", [s.add_user(f"人{i}")]) for i in range(11)]
    s.fail_next(1)
    r = send(client, chats[0].chat_id, "text", {"text": "x"})
    assert r.code == 99991400 and r.raw.status_code == 429
    assert r.raw.headers["x-ogw-ratelimit-reset"] and r.raw.headers["x-ogw-ratelimit-limit"]
    assert send(client, chats[0].chat_id, "text", {"text": "retried"}).success()
    clock.t += 1
    # 5 a second to one chat; the 6th in the same second gets the per-chat code
    codes = [send(client, chats[0].chat_id, "text", {"text": str(i)}).code for i in range(6)]
    assert codes == [0, 0, 0, 0, 0, 230020]
    clock.t += 1
    assert send(client, chats[0].chat_id, "text", {"text": "next second"}).success()
    clock.t += 1
    # 50 a second for the app: 10 chats x 5, then the 51st is refused with 429
    codes = [send(client, c.chat_id, "text", {"text": "x"}).code for c in chats[1:] for _ in range(5)]
    assert codes == [0] * 50
    r = send(client, chats[0].chat_id, "text", {"text": "x"})
    assert r.code == 99991400 and r.raw.status_code == 429
    assert s.api.rate_limited == 3
    s.set_rate_limits(None)
    assert all(send(client, chats[0].chat_id, "text", {"text": "x"}).success() for _ in range(7))
    s.set_rate_limits(RateLimits(per_chat_second=1))
    assert [send(client, chats[0].chat_id, "text", {"text": "x"}).code for _ in range(2)] == [0, 230020]


def test_a_repeated_uuid_sends_once(s: FeishuStandIn, client: lark.Client, clock: Clock) -> None:
    chat = s.add_chat("第一网格", [s.add_user("刘建国")])
    a = send(client, chat.chat_id, "text", {"text": "催报"}, uuid="nag-2026-12-02-1")
    b = send(client, chat.chat_id, "text", {"text": "催报"}, uuid="nag-2026-12-02-1")
    assert a.data.message_id == b.data.message_id and len(s.sent_to(chat)) == 1
    clock.t += 3601
    c = send(client, chat.chat_id, "text", {"text": "催报"}, uuid="nag-2026-12-02-1")
    assert c.data.message_id != a.data.message_id and len(s.sent_to(chat)) == 2


def test_unknown_paths_are_listed(s: FeishuStandIn, client: lark.Client) -> None:
    r = requests.get(f"{s.base_url}/open-apis/contact/v3/users/ou_x", timeout=5)
    assert r.status_code == 404 and s.api.unknown == ["GET /open-apis/contact/v3/users/ou_x"]
    info = requests.get(f"{s.base_url}/open-apis/bot/v3/info", timeout=5, headers={
        "Authorization": "Bearer " + requests.post(
            f"{s.base_url}/open-apis/auth/v3/tenant_access_token/internal", timeout=5,
            json={"app_id": s.app_id, "app_secret": s.app_secret}).json()["tenant_access_token"]}).json()
    assert info["code"] == 0 and info["bot"]["open_id"] == s.bot.open_id


def test_the_http_control_api_drives_a_stand_in_in_another_process(s: FeishuStandIn, client: lark.Client) -> None:
    ctl = f"{s.base_url}/_ctl"
    liu = requests.post(f"{ctl}/user", json={"name": "刘建国"}, timeout=5).json()
    chat = requests.post(f"{ctl}/chat", json={"name": "第一网格", "members": [liu["open_id"]]}, timeout=5).json()
    mid = requests.post(f"{ctl}/message", json={"chat_id": chat["chat_id"], "open_id": liu["open_id"],
                                                "text": "张三家 3人"}, timeout=5).json()["message_id"]
    assert s.state.messages[mid].text == "张三家 3人" and s.pump.queue[0].event_type == "im.message.receive_v1"
    assert requests.post(f"{ctl}/ratelimit", json={"n": 1}, timeout=5).json() == {"ok": True}
    assert send(client, chat["chat_id"], "text", {"text": "x"}).code == 99991400
    assert send(client, chat["chat_id"], "text", {"text": "回执"}).success()
    sent = requests.get(f"{ctl}/sent", timeout=5).json()
    assert [(m["chat_id"], m["content"]) for m in sent] == [(chat["chat_id"], {"text": "回执"})]
    assert requests.post(f"{ctl}/drop", json={}, timeout=5).json() == {"dropped": 0}
    assert requests.post(f"{ctl}/nope", json={}, timeout=5).status_code == 404


def test_a_seeded_stand_in_makes_the_same_ids() -> None:
    def run() -> tuple[str, ...]:
        with FeishuStandIn(seed=7) as x:
            u = x.add_user("刘建国")
            c = x.add_chat("第一网格", [u])
            return x.app_id, x.bot.open_id, u.open_id, c.chat_id, x.post_text(c, u, "a"), x.pump.queue[0].event_id

    assert run() == run()


async def test_the_sdks_async_calls_httpx_multipart_included(s: FeishuStandIn, client: lark.Client) -> None:
    """The adapter uses the SDK's async methods (httpx, its own multipart encoding): the same answers."""
    liu = s.add_user("刘建国")
    chat = s.add_chat("第一网格", [liu], owner=liu)
    img = await client.im.v1.image.acreate(CreateImageRequest.builder().request_body(
        CreateImageRequestBody.builder().image_type("message").image(io.BytesIO(PNG)).build()).build())
    assert img.success(), (img.code, img.msg)
    f = await client.im.v1.file.acreate(CreateFileRequest.builder().request_body(
        CreateFileRequestBody.builder().file_type("pdf").file_name("表格.pdf").file(io.BytesIO(b"%PDF-1.4"))
        .build()).build())
    assert f.success(), (f.code, f.msg)
    assert [(u.kind, u.name, u.data) for u in s.uploads()] == [("image", img.data.image_key, PNG),
                                                               ("file", "表格.pdf", b"%PDF-1.4")]
    m = await client.im.v1.message.acreate(CreateMessageRequest.builder().receive_id_type("chat_id").request_body(
        CreateMessageRequestBody.builder().receive_id(chat.chat_id).msg_type("image")
        .content(json.dumps({"image_key": img.data.image_key})).build()).build())
    assert m.success() and s.sent_to(chat)[0].msg_type == "image"
    mid = s.post_image(chat, liu, PNG)
    r = await client.im.v1.message_resource.aget(GetMessageResourceRequest.builder().message_id(mid).file_key(
        s.state.messages[mid].content["image_key"]).type("image").build())
    assert r.success() and r.file.read() == PNG
    members = await client.im.v1.chat_members.aget(GetChatMembersRequest.builder().chat_id(chat.chat_id).build())
    assert [i.member_id for i in members.data.items] == [liu.open_id]
    info = await client.im.v1.chat.aget(GetChatRequest.builder().chat_id(chat.chat_id).build())
    assert info.success() and info.data.owner_id == liu.open_id and info.data.name == "第一网格"
