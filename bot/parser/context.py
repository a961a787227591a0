"""The state one message is read with: roster, template, sender, and the parentheses set aside.

Every stage of one parse needs the same few objects; they travel together in one :class:`Ctx` instead of
as a growing list of arguments.
"""

from __future__ import annotations

from bot.core.model import Member, Roster
from bot.core.template import Template
from bot.parser.rosterindex import roster_index
from bot.parser.schema import schema_for


class Ctx:
    """Per-message state shared by the report builders."""

    def __init__(self, roster: Roster, template: Template, sender: Member | None) -> None:
        self.roster = roster
        self.template = template
        self.schema = schema_for(template)
        self.index = roster_index(roster)
        self.sender = sender
        self.parens: list[str] = []
        #: the message as written (width-normalised), for what goes to the note as written (readings)
        self.original = ""
