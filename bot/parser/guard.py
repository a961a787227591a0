"""Regexes that are searched in every unit get a guard: ``(?=[the characters a match can begin with])``.

``re`` tries every alternative of a long alternation at every position of the text; a lookahead of one
character class fails at once where no match can begin. The class is worked out from the pattern itself (its
parse tree), so a word added to the pattern is in the guard too; where it cannot be worked out (a class such
as ``\\d`` or ``.`` at the start, a pattern that can match the empty string, case folding) there is no guard.
A guarded pattern matches exactly what the pattern matches: the guard is a superset of the first characters
and takes no group.
"""

from __future__ import annotations

import re

try:  # the parser of the ``re`` module (``re._parser`` since 3.11, ``sre_parse`` before)
    from re import _constants as _c
    from re import _parser as _p
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

__all__ = ["first_chars", "guarded"]

_LARGEST_RANGE = 0x10000  # a wider class at the start is no useful guard


class _Unknown(Exception):
    """The first characters of a part of the pattern cannot be worked out."""


def first_chars(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """The characters a match of ``pattern`` can begin with (a superset), or None when that is not known or
    a match can be empty."""
    try:
        parsed = _p.parse(pattern, flags)
    except (re.error, RecursionError):
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    chars: set[str] = set()
    try:
        nullable = _sequence(parsed, chars)
    except _Unknown:
        return None
    return None if nullable else frozenset(chars)


def _sequence(items: object, chars: set[str]) -> bool:
    """Adds the first characters of a sequence of parsed items; returns whether it can match empty."""
    for op, av in items:  # type: ignore[attr-defined]
        if not _item(op, av, chars):
            return False
    return True


def _item(op: object, av: object, chars: set[str]) -> bool:
    """Adds the first characters of one parsed item; returns whether it can match empty."""
    if op is _c.LITERAL:
        chars.add(chr(av))  # type: ignore[arg-type]
        return False
    if op is _c.IN:
        for iop, iav in av:  # type: ignore[attr-defined]
            if iop is _c.LITERAL:
                chars.add(chr(iav))
            elif iop is _c.RANGE and iav[1] - iav[0] < _LARGEST_RANGE:
                chars.update(chr(c) for c in range(iav[0], iav[1] + 1))
            else:  # a negated class, a category (\d, \s), a very wide range
                raise _Unknown
        return False
    if op is _c.BRANCH:
        return any([_sequence(branch, chars) for branch in av[1]])  # type: ignore[index]
    if op is _c.SUBPATTERN:
        if av[1] & re.IGNORECASE:  # type: ignore[index]
            raise _Unknown
        return _sequence(av[-1], chars)  # type: ignore[index]
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        low, _high, sub = av  # type: ignore[misc]
        return _sequence(sub, chars) or low == 0
    if op in (_c.ASSERT, _c.ASSERT_NOT, _c.AT):
        return True  # zero width: the next item begins the match
    raise _Unknown


def guarded(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``pattern`` compiled with a guard of its first characters in front (see the module docstring)."""
    chars = first_chars(pattern, flags)
    if not chars:
        return re.compile(pattern, flags)
    return re.compile("(?=[" + "".join(re.escape(c) for c in sorted(chars)) + "])(?:" + pattern + ")", flags)
