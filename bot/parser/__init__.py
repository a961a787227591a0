"""Free text → MemberReport: :func:`parse_message` is the one entry point."""

from bot.parser.parse import parse_message

__all__ = ["parse_message"]
