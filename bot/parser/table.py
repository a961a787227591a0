"""Tables: a line of column headers (``户主 人数 体温 …``) and one row per household.

Members paste tables from spreadsheets (tab, ``|``, comma or space separated). A table's meaning is in its
columns, not in the words of each cell, so it is read apart from free text: the header gives each column
its field, and each cell is bound as if its field word stood before it.
"""

from __future__ import annotations

import re

from bot.parser.bind import Stmt, bind
from bot.parser.options import bind_options
from bot.parser.schema import Schema
from bot.parser.tokens import Tok, is_temp3, tokenize
from bot.parser.vocab import INDEX_HEADERS, LIST_MARK_RE, NAME_HEADERS, NONE_CELLS

#: What a header cell may carry besides its word: a parenthesis, ``℃``, a colon, spaces.
_HEADER_NOISE_RE = re.compile(r"\(.*?\)|℃|[:\s]")
_DIGIT_RE = re.compile(r"\d")
_ROW_NUMBER_RE = re.compile(r"\d{1,3}[.、]?")
_COUNT_RE = re.compile(r"\d{1,7}")


#: The longest header cell (a longer one is no header).
_MAX_CELL = 10
#: The first and the last character of a name header, as near as they can be in one cell: a header line with
#: a name column holds them (bounded, so the search stays linear in the line's length).
_NAME_HEADER_HINT_RE = re.compile("|".join(dict.fromkeys(
    f"{re.escape(w[0])}.{{0,{_MAX_CELL - 2}}}{re.escape(w[-1])}" for w in NAME_HEADERS)), re.S)


def _cell_sep(line: str) -> str:
    if "\t" in line:
        return "\t"
    if line.count("|") >= 1:
        return "|"
    if line.count(",") >= 2:
        return ","
    return " "


def _split_cells(line: str, sep: str) -> list[str]:
    if sep == " ":
        return line.split()
    return [c.strip() for c in line.strip().strip("|").split(sep)]


def _header_word(cell: str) -> str:
    """A header cell's word, without a parenthesis, ``℃``, a colon or spaces."""
    return _HEADER_NOISE_RE.sub("", cell)


def header_col(cell: str, schema: Schema) -> str | None:
    """The field a header cell names, ``#name`` / ``#index`` for the name and number columns, ``#bad`` for
    a cell with digits (a data row, not a header), None for a column of no field."""
    c = _header_word(cell)
    if _DIGIT_RE.search(c):
        return "#bad"
    if c in NAME_HEADERS:
        return "#name"
    if c in INDEX_HEADERS:
        return "#index"
    best = None
    for m in schema.scan_re.finditer(c):
        if m.lastgroup == "alias" and m.group(0) in schema.word_key:
            key = schema.word_key[m.group(0)]
            if (
                best is None
                or (best == schema.note and key != schema.note)
                or (best == schema.people and key != schema.people)
            ):
                best = key
    return best


def read_table(lines: list[str], i: int, schema: Schema) -> tuple[int, list[str | None], list[list[str]]]:
    """The table whose header is ``lines[i]``: (the index after it, the column keys, the rows' cells).

    ``(i, [], [])`` when ``lines[i]`` is no table header.
    """
    header = lines[i].strip()
    if not header or _NAME_HEADER_HINT_RE.search(header) is None:
        return i, [], []  # (no name column can be in it: see below)
    sep = _cell_sep(header)
    cells = _split_cells(header, sep)
    if len(cells) < 2 or any(len(c) > _MAX_CELL for c in cells):
        return i, [], []
    if not any(_header_word(c) in NAME_HEADERS for c in cells):
        return i, [], []  # no name column (see header_col): no table, whatever the other cells say
    cols = [header_col(c, schema) for c in cells]
    if "#name" not in cols or "#bad" in cols or not any(c and not c.startswith("#") for c in cols):
        return i, [], []
    if i + 1 >= len(lines) or len(_split_cells(lines[i + 1].strip(), sep)) < 2:
        return i, [], []
    j = i + 1
    rows: list[list[str]] = []
    while j < len(lines):
        line = lines[j].strip()
        if not line:
            break
        row = _split_cells(line, sep)
        if len(row) < 2:
            break
        if len(row) == len(cols) + 1 and _ROW_NUMBER_RE.fullmatch(row[0]):
            row = row[1:]
        if len(row) > len(cols):
            row = row[: len(cols) - 1] + [" ".join(row[len(cols) - 1 :])]
        rows.append(row)
        j += 1
    return j, cols, rows


def row_name(cols: list[str | None], row: list[str]) -> str:
    """A row's name cell (the last ``#name`` column), without a list marker."""
    name_cell = ""
    for c, v in zip(cols, row, strict=False):
        if c == "#name":
            name_cell = v.strip()
    return LIST_MARK_RE.sub("", name_cell)


def total_people(cols: list[str | None], row: list[str], schema: Schema) -> int | None:
    """The people count of a total row (``合计``), or None."""
    for c, v in zip(cols, row, strict=False):
        if c == schema.people:
            m = _COUNT_RE.search(v)
            if m:
                return int(m.group(0))
    return None


def cell_stmts(key: str, cell: str, schema: Schema, warnings: list[str]) -> list[Stmt]:
    """What one cell of the field ``key``'s column says about the row's household."""
    f = schema.fields[key]
    v = cell.strip()
    if f.type == "text":  # a remark, and what it says of symptoms or who is away (咳嗽 / 外出务工)
        if not v or v in NONE_CELLS:
            return []
        said = [Stmt(*x) for x in bind_options(tokenize(v, schema), schema) if x[0] == "field"]
        return [Stmt("note", value=v), *said]
    if not v:
        return []
    alias = Tok("alias", f.label, key=key)
    toks = [alias, *tokenize(v, schema)]
    if f.type == "temperature":
        t3 = next((is_temp3(t) for t in toks[1:] if is_temp3(t) is not None), None)
        if t3 is not None:
            return [Stmt("temp", value=t3)]
    if f.type in ("int", "bool_int") and _COUNT_RE.fullmatch(v):
        return (
            [Stmt("people", value=int(v))] if key == schema.people else [Stmt("field", key, "count", int(v))]
        )
    return bind(toks, schema, v, warnings)
