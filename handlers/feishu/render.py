"""The core's replies → Feishu message content. Pure: no I/O.

* A reply without buttons is a ``text`` message. Telegram HTML (``Reply.html``: ``<b>``, ``<i>``, ``<code>``,
  ``<a href>``, entities) becomes plain text: tags dropped, a link's text kept, entities decoded. Feishu's
  text messages take ``<at user_id="ou_…"></at>`` mentions, which :func:`at` writes.
* A reply with buttons is an interactive card: the text, then one row of buttons per row of the reply; each
  button's ``value`` carries the reply's ``Button.data`` (``ocr:c:12:ab12cd34``), which a click brings back
  in ``card.action.trigger``. ``update_multi`` lets the bot update the card for everyone in the group.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser
from typing import Any

from bot.core.chat import Button, Reply

#: Feishu's limit on a text message is about 150 KB; replies are far shorter, exports go as files
MAX_TEXT = 30000


class _Plain(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        self.out.append(data)


def plain(text: str, is_html: bool) -> str:
    """The reply's text as Feishu shows it: Telegram HTML turned into plain text."""
    if not is_html:
        return text
    p = _Plain()
    p.feed(text)
    p.close()
    return "".join(p.out)


def at(open_id: str, name: str = "") -> str:
    """A mention in a Feishu text message (``open_id`` is Feishu's own ``ou_…``)."""
    return f'<at user_id="{html.escape(open_id, quote=True)}">{html.escape(name)}</at>'


def text_content(text: str) -> dict[str, Any]:
    return {"text": text[:MAX_TEXT]}


def button(b: Button, primary: bool) -> dict[str, Any]:
    return {"tag": "button", "text": {"tag": "plain_text", "content": b.text},
            "type": "primary" if primary else "default", "value": {"data": b.data}}


def card(text: str, buttons: list[list[Button]] | None = None) -> dict[str, Any]:
    """An interactive card: the text (plain, line breaks kept) and the rows of buttons."""
    elements: list[dict[str, Any]] = [{"tag": "div", "text": {"tag": "plain_text", "content": text[:MAX_TEXT]}}]
    for row in buttons or []:
        if row:
            elements.append({"tag": "action", "actions": [button(b, i == 0) for i, b in enumerate(row)]})
    return {"config": {"wide_screen_mode": True, "update_multi": True}, "elements": elements}


def content(reply: Reply) -> tuple[str, dict[str, Any]]:
    """(msg_type, content) of a reply: a card when it has buttons, else text."""
    text = plain(reply.text, reply.html)
    if reply.buttons:
        return "interactive", card(text, reply.buttons)
    return "text", text_content(text)


def toast(text: str, ok: bool) -> dict[str, Any]:
    """The answer to a card click that shows a short note to the one who clicked."""
    return {"toast": {"type": "success" if ok else "warning", "content": text}}
