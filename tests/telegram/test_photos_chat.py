"""The photo flow through the real PTB Application, offline: photo, reading, correction, confirmation,
stored; who may press the buttons; bad input gets a clear reply and breaks nothing."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from bot.core import texts
from bot.sample.cast import DAY, GROUP1, LIU, STRANGER, WANG
from handlers.offline.bot import buttons, replies
from tests.ocr.helpers import cut_off, photo_of, png, rows_for, sample_roster, table_page


async def stored(bot, member: str) -> dict[str, dict]:
    rows = await bot.services.db.fetchall(
        "SELECT h.name, r.data, r.via, r.photo_file_id FROM reports r JOIN households h ON h.id = r.household_id "
        "JOIN members m ON m.id = r.member_id WHERE r.day = ? AND m.name = ?", (DAY.isoformat(), member))
    return {r[0]: {**json.loads(r[1]), "_via": r[2], "_photo": r[3]} for r in rows}


@pytest.fixture(scope="module")
def wang_photo() -> tuple[bytes, list[dict]]:
    wang = sample_roster().find_member("王艳")
    rows = rows_for(wang, 6)
    return photo_of(table_page(rows)), rows


async def post_photo(bot, chat, user, file_id: str, data: bytes, when: str = "09:00", document: str | None = None,
                     mime: str | None = None):
    bot.request.add_file(file_id, data)
    bot.clock.set(bot.at(when))
    if document:
        update = bot.updates.document(chat, user, file_id, bot.clock.now, file_name=document, mime_type=mime,
                                      file_size=len(data))
    else:
        update = bot.updates.photo(chat, user, file_id, bot.clock.now, file_size=len(data))
    return await bot.feed(update)


def result_message(calls) -> tuple[int, str, list[tuple[str, str]]]:
    note = next(c for c in calls if c.method == "sendMessage")
    edit = [c for c in calls if c.method == "editMessageText"][-1]
    return note.result["message_id"], str(edit.params["text"]), buttons([edit])


async def test_photo_read_corrected_confirmed_and_stored(bot, wang_photo) -> None:
    data, rows = wang_photo
    calls = await post_photo(bot, GROUP1, WANG, "photo-1", data)
    methods = [c.method for c in calls]
    assert methods[:2] == ["sendChatAction", "sendMessage"] and "getFile" in methods and "downloadFile" in methods
    assert replies(calls)[0] == texts.OCR_READING
    note_id, text, btns = result_message(calls)
    for r in rows:
        assert r["household"] in text and f"{r['temperature']}" in text
    assert [b for b, _ in btns] == [texts.OCR_CONFIRM, texts.OCR_REREAD, texts.OCR_CANCEL]
    assert await stored(bot, "王艳") == {}  # nothing stored before confirmation

    # a correction replying to the result: row 3's temperature, row 5's people
    _, calls = await bot.post(GROUP1, WANG, "3 体温 36.8\n第5行 人数 4", "09:02", reply_to=note_id)
    [fixed] = replies(calls)
    assert fixed.startswith("✏️")
    line3 = next(line for line in fixed.splitlines() if line.startswith(f"3｜{rows[2]['household']}"))
    assert "36.8" in line3
    assert await stored(bot, "王艳") == {}  # a correction stores nothing either
    confirm = next(d for label, d in buttons(calls) if label == texts.OCR_CONFIRM)

    # nobody else may confirm: not a stranger, not with forged data
    calls = await bot.click(GROUP1, STRANGER, confirm, note_id)
    assert calls[-1].params["text"] == texts.OCR_NOT_ALLOWED
    kind, action, pid, nonce = confirm.split(":")
    calls = await bot.click(GROUP1, WANG, f"ocr:c:{pid}:{'0' * 8}", note_id)
    assert calls[-1].params["text"] == texts.OCR_GONE
    assert await stored(bot, "王艳") == {}

    calls = await bot.click(GROUP1, WANG, confirm, note_id)
    [done] = replies(calls)
    assert done.startswith("✅ 已记录 王艳 6户")
    got = await stored(bot, "王艳")
    assert set(got) == {r["household"] for r in rows}
    for i, r in enumerate(rows, start=1):
        g = got[r["household"]]
        assert g["_via"] == "photo" and g["_photo"] == "photo-1"
        assert g["people"] == (4 if i == 5 else r["people"])
        assert g["temperature"] == (36.8 if i == 3 else r["temperature"])
        assert g["out"] is r["out"] and g["returned"] is r["returned"]
    calls = await bot.click(GROUP1, WANG, confirm, note_id)  # pressed twice: nothing more happens
    assert calls[-1].params["text"] == texts.OCR_DONE_ALREADY


async def test_leader_may_confirm_and_cancel_stores_nothing(bot, wang_photo) -> None:
    data, rows = wang_photo
    calls = await post_photo(bot, GROUP1, WANG, "photo-2", data)
    note_id, _, btns = result_message(calls)
    cancel = dict((label, d) for label, d in btns)[texts.OCR_CANCEL]
    calls = await bot.click(GROUP1, WANG, cancel, note_id)
    assert replies(calls) == [texts.OCR_CANCELLED]
    assert await stored(bot, "王艳") == {}

    calls = await post_photo(bot, GROUP1, WANG, "photo-3", data, "09:30")
    note_id, _, btns = result_message(calls)
    calls = await bot.click(GROUP1, LIU, dict(btns)[texts.OCR_CONFIRM], note_id)  # the grid leader
    assert replies(calls)[0].startswith("✅ 已记录 王艳")
    assert len(await stored(bot, "王艳")) == len(rows)


async def test_reread_and_reoffer(bot, wang_photo) -> None:
    data, rows = wang_photo
    calls = await post_photo(bot, GROUP1, WANG, "photo-4", data)
    note_id, _, btns = result_message(calls)
    calls = await bot.click(GROUP1, WANG, dict(btns)[texts.OCR_REREAD], note_id)
    edits = [c for c in calls if c.method == "editMessageText"]
    assert edits[0].params["text"] == texts.OCR_REREADING and rows[0]["household"] in edits[-1].params["text"]
    row = await bot.services.db.fetchone("SELECT attempts, status FROM ocr_pending WHERE photo_file_id = 'photo-4'")
    assert tuple(row) == (2, "pending")
    # left unanswered: the next reminder re-offers it, and it is still not stored
    photos = bot.services.photos
    offers = await photos.open_confirmations(1, DAY.isoformat())
    assert len(offers) == 1 and offers[0].reply.buttons and "还没有确认" in offers[0].reply.text
    assert await stored(bot, "王艳") == {}


async def test_unanswered_reading_is_offered_again_by_the_reminder_job(bot, wang_photo) -> None:
    """The 16:00 reminder, run by the real JobQueue's job, names the missing members and posts the waiting
    reading again with its buttons; nothing is stored until someone presses 确认 on it."""
    from handlers.telegram.reminders import CATCH_UP_JOB
    from tests.reminders.helpers import run_job, sends

    data, rows = wang_photo
    calls = await post_photo(bot, GROUP1, WANG, "photo-7", data)
    note_id, _, _ = result_message(calls)
    photo_id = next(c for c in calls if c.method == "sendMessage").params["reply_parameters"]["message_id"]
    for job in bot.app.job_queue.get_jobs_by_name(CATCH_UP_JOB):
        job.schedule_removal()
    await bot.app.job_queue.start()
    calls = await run_job(bot, "16:00")
    reminder, offer = sends(calls, GROUP1)
    assert reminder.startswith("⏰ 温馨提醒") and "王艳" in reminder  # not reported: the photo is not a report
    assert offer.startswith(texts.OCR_REOFFER_HEAD.format(member="王艳"))
    sent = [c for c in calls if c.method == "sendMessage" and c.params["text"] == offer][0]
    assert sent.params["reply_parameters"]["message_id"] == photo_id  # under the photo it reads
    offered = dict(buttons([sent]))
    assert list(offered) == [texts.OCR_CONFIRM, texts.OCR_REREAD, texts.OCR_CANCEL]
    assert await stored(bot, "王艳") == {}
    # the reminder does not fire twice, and neither does the offer
    assert sends(await run_job(bot, "16:00"), GROUP1) == []
    calls = await bot.click(GROUP1, WANG, offered[texts.OCR_CONFIRM], sent.result["message_id"])
    assert replies(calls)[0].startswith("✅ 已记录 王艳")
    assert len(await stored(bot, "王艳")) == len(rows)
    # confirmed: the deadline counts the six households as reported and offers nothing again
    left = len(sample_roster().find_member("王艳").households) - len(rows)
    [deadline] = sends(await run_job(bot, "18:00"), GROUP1)
    assert f"王艳 @wangyan_cn（还差{left}户）" in deadline


async def test_photo_from_unlinked_user_and_other_chats(bot, wang_photo) -> None:
    data, _ = wang_photo
    calls = await post_photo(bot, GROUP1, STRANGER, "photo-5", data)
    assert replies(calls) == [texts.NOT_LINKED]
    from handlers.offline.fake import FakeChat

    calls = await post_photo(bot, FakeChat(-1007777, "别的群"), WANG, "photo-6", data)
    assert replies(calls) == []


def _big_png() -> bytes:
    out = io.BytesIO()
    Image.new("1", (30000, 30000)).save(out, "PNG")
    return out.getvalue()


def _blank_form() -> Image.Image:
    """王艳's printed form, photographed before anything was written on it."""
    from bot.core.template import default_template
    from bot.ocr.form import render_form

    return render_form(sample_roster().find_member("王艳"), default_template(), DAY).pages[0]


@pytest.mark.parametrize(
    ("name", "make", "document", "mime", "code"),
    [
        ("text file", lambda: b"just some notes", "notes.txt", "text/plain", "not_image"),
        ("fake jpeg", lambda: b"not really a jpeg at all", "photo.jpg", "image/jpeg", "not_image"),
        ("truncated", lambda: photo_of(table_page(rows_for(sample_roster().find_member("王艳"), 3)))[:3000],
         "cut.jpg", "image/jpeg", "truncated"),
        ("1x1", lambda: png(Image.new("RGB", (1, 1), "white")), "dot.png", "image/png", "too_small"),
        ("30000x30000", _big_png, "huge.png", "image/png", "too_large"),
        ("not a table", lambda: png(Image.new("RGB", (900, 700), (90, 140, 200))), "sky.png", "image/png", "no_table"),
        ("blank form", lambda: photo_of(_blank_form()), "form.jpg", "image/jpeg", "empty"),
        ("bottom rows cut off", lambda: cut_off(photo_of(table_page(rows_for(sample_roster().find_member("王艳"), 12)))),
         "cut.jpg", "image/jpeg", "cut_off"),
    ],
)
async def test_bad_input_gets_a_clear_reply(bot, name, make, document, mime, code) -> None:
    calls = await post_photo(bot, GROUP1, WANG, f"bad-{code}", make(), document=document, mime=mime)
    assert replies(calls)[-1] == texts.OCR_ERRORS[code], name
    _, calls = await bot.post(GROUP1, LIU, "王建国家4人 体温36.5", "10:00")  # the bot keeps going
    assert replies(calls)[0].startswith("✅")


async def test_table_of_someone_elses_households(bot) -> None:
    liu = sample_roster().find_member("刘志宇")
    data = photo_of(table_page(rows_for(liu, 6)))
    calls = await post_photo(bot, GROUP1, WANG, "foreign", data)
    assert replies(calls)[-1] == texts.OCR_ERRORS["no_households"]
    assert await stored(bot, "王艳") == {}


async def test_queue_is_bounded(bot, wang_photo) -> None:
    worker = bot.services.reader
    worker.max_queue = 0
    worker.workers = 0
    calls = await post_photo(bot, GROUP1, WANG, "busy", wang_photo[0])
    assert replies(calls) == [texts.OCR_ERRORS["busy"]]


async def test_form_command_sends_a_pdf(bot) -> None:
    _, calls = await bot.post(GROUP1, WANG, "/form", "08:30")
    [doc] = [c for c in calls if c.method == "sendDocument"]
    name, content, mime = doc.file()
    assert content.startswith(b"%PDF") and name.endswith(".pdf") and "王艳" in str(doc.params.get("caption"))
    _, calls = await bot.post(GROUP1, STRANGER, "/form", "08:31")
    assert replies(calls) == [texts.FORM_NOT_LINKED]
