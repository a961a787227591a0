"""The photo pipeline's entry: bytes in, a :class:`bot.core.model.MemberReport` out.

This module chooses what to read and reads a found table; each stage's workings are in its own module.

1-2. **Image** (:mod:`bot.ocr.image`): decoded safely, upright per EXIF, bounded in size.
3-4. **Table**: a printed gridbot form by its markers (:mod:`bot.ocr.form`); else the ruled table
     (:mod:`bot.ocr.ruling`), deskewed, rectified and cut into cells along its fitted lines; else (no
     ruling) the bands and gutters of the writing (:mod:`bot.ocr.unruled`). A photo taken sideways or
     upside down (phones often send no EXIF orientation) is turned here until its header reads.
5.   **Columns** (:mod:`bot.ocr.cells`, :mod:`bot.ocr.columns`): the header row is found by its words; every
     cell below is cut out and scored once against every closed set; each column's key is the best
     one-to-one assignment by header words *and* contents together (a column of temperatures is the
     temperature whatever its header says).
6.   **Values** (:mod:`bot.ocr.decode`): each cell is decided in its column's set by CTC over the
     candidates, with mild priors (usual temperatures, small households); ✓/× by their shape and the
     recogniser together.
7.   **Rows and doubt** (:mod:`bot.ocr.assemble`, shared with the form): the names jointly, one row per
     household, the roster's order weighed by how well it explains the table. A field is flagged (asked
     about, not stored silently) when its value is not sure enough — the posterior among the candidates,
     softened, times how well the best candidate explains the cell — or when a consistency check fails: a
     name out of roster order, a 序号 that is not the row's, an unusual temperature, a head count unlike the
     roster's without a clear reading, a column whose mapping is nearly a tie, a row whose geometry was
     guessed, ink too faint to call a blank.

:func:`read_photo` is pure and blocking (0.5-3 s); the chat adapter runs it in a worker thread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import cv2
import numpy as np

from bot.config.ocr import OcrConfig
from bot.core.model import Member, MemberReport
from bot.core.template import Template
from bot.ocr import decode, foreign, form, framing, ruling, unruled
from bot.ocr.assemble import (
    SOFTEN,
    PhotoReading,
    build_reading,
    check_rows,
    ranked_names_jointly,
    row_households,
)
from bot.ocr.cells import BodyCell, read_cells, reread_counts
from bot.ocr.columns import (
    HEADER_CLEAR,
    LEGIBLE,
    Header,
    cell_score,
    key_kind,
    map_columns,
    read_header,
    row_fit,
)
from bot.ocr.engine import Recognizer, Scored, get_recognizer
from bot.ocr.errors import OcrError
from bot.ocr.image import load_image
from bot.ocr.table import Table

log = logging.getLogger(__name__)

#: the columns a table usually has: when one is not found while the table has unread columns, it is flagged
EXPECTED_COLUMNS = ("people", "temperature", "out", "returned")
#: a header word read with this posterior names a column that the table has
HEADED = 0.5


def read_photo(data: bytes, member: Member, template: Template, cfg: OcrConfig | None = None,
               engine: Recognizer | None = None, attempt: int = 0) -> PhotoReading:
    """Read a photo of a handwritten table or a gridbot form for ``member``.

    ``attempt`` > 0 (the member pressed 重新识别) reads again another way: the text-box fallback instead of
    the ruling. Raises :class:`OcrError` for every photo that cannot be read.
    """
    cfg = cfg or OcrConfig()
    t0 = time.monotonic()
    img = load_image(data, cfg)
    engine = engine or get_recognizer(cfg.engine)
    found = form.detect_form(img)
    if found is not None:
        framing.check_form(img, found, len(member.households)).check()
        reading = form.read_form(img, found, member, template, cfg, engine)
    else:
        reading = _read_table_photo(img, member, template, cfg, engine, attempt)
        framing.check_table(img).check()  # a part of the table outside the photo or under a finger: a retake
    reading.seconds = time.monotonic() - t0
    if not reading.report.households:
        raise OcrError("no_households" if reading.unmatched_rows else "empty")
    return reading


def _read_table_photo(img: np.ndarray, member: Member, template: Template, cfg: OcrConfig, engine: Recognizer,
                      attempt: int) -> PhotoReading:
    """The table in a photo taken at any quarter turn (phones often send no EXIF orientation): its ruling
    first (``attempt`` 0), else the writing. A turn that is surely upright (its header reads clearly, or the
    photo as taken reads as text) is read at once; otherwise each turn is judged by its header (cheap: a few
    cells), and the best is read whole."""
    ruled = ruling.find_table(img) if attempt == 0 else None
    if ruled is not None and (register := foreign.find_pairs(ruled)) is not None:
        # a printed register with check-box pairs (not gridbot's own form): read by its print
        reading = foreign.read_register(ruled, member, template, cfg, engine, register)
        if reading is not None:
            return reading
    tried = False
    fallback: PhotoReading | None = None  # a table read, but none of its rows the sender's

    def final(table: Table, header: Header) -> PhotoReading | None:
        """The reading of this table when it is the answer: the sender's rows, or a clearly headed table of
        someone else's (no other turn helps); else None, and the reading is kept as the fallback."""
        nonlocal fallback
        reading = read_table(table, member, template, cfg, engine, header)
        if reading is not None and (reading.report.households or header.quality >= HEADER_CLEAR):
            return reading
        fallback = fallback or reading
        return None

    for source in (ruled, None) if ruled is not None else (None,):
        pending: list[tuple[Table, Header, int]] = []
        for table, header, turn, settled in _turned(img, source, template, engine):
            tried = True
            if not settled:
                pending.append((table, header, turn))
            elif (reading := final(table, header)) is not None:
                return reading
        # the most legible turn first, its header breaking near ties (a turned table may happen to read a
        # little like a header, but its strokes read poorly as text); a turn without a header row only
        # upright or upside down (a table may have none)
        ranked = sorted((c for c in pending if c[1].row >= 0 or c[2] in (0, 180)),
                        key=lambda c: -(4.0 * c[1].legible + min(c[1].quality, HEADER_CLEAR)))
        for table, header, _ in ranked:
            if (reading := final(table, header)) is not None:
                return reading
    if fallback is not None:
        return fallback
    if tried:
        raise OcrError("no_table", "no header row recognised")
    raise OcrError("no_table")


#: a table found with at least this many rows (and clearly more rows than columns) is upright or upside
#: down: turned a quarter it would be a table of that many columns
TALL_ROWS = 10


def _turned(img: np.ndarray, ruled: Table | None, template: Template,
            engine: Recognizer) -> Iterator[tuple[Table, Header, int, bool]]:
    """The table at each quarter turn, with its header and whether the turn is surely upright: from the
    ruled table's rectified image turned (the photo is not searched again), or else from the writing of the
    turned photo (the recogniser's text boxes last, upright or upside down only). A table usually has more
    rows than columns, so one that lies the other way is tried sideways first, and a long one is not tried
    sideways at all. Ends after a clear header."""

    def at(turn: int) -> Table | None:
        if ruled is not None:
            return ruled if turn == 0 else ruling.table_from_rectified(_rotate90(ruled.image, turn))
        view = _rotate90(img, turn)
        t = unruled.table_from_writing(view)
        if t is None and turn in (0, 180):
            t = unruled.table_from_boxes(view, engine.detect(view), writing=False)
        return t

    first = at(0)
    if first is not None and first.n_rows >= TALL_ROWS and first.n_rows >= first.n_cols + 3:
        turns: tuple[int, ...] = (0, 180)  # a long table: nobody writes one with that many columns
    elif first is not None and first.n_cols > first.n_rows:
        turns = (90, 270, 0, 180)  # most likely lying on its side (but a short table is wider than tall)
    else:
        turns = (0, 180, 90, 270)
    sideways = turns[0] == 90
    for turn in turns:
        t = first if turn == 0 else at(turn)
        if t is None:
            continue
        header = read_header(t, template, engine)
        clear = header.quality >= HEADER_CLEAR
        yield t, header, turn, clear or (turn == 0 and not sideways and header.legible >= LEGIBLE)
        if clear:
            return


def _rotate90(img: np.ndarray, clockwise: int) -> np.ndarray:
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return img if clockwise == 0 else cv2.rotate(img, codes[clockwise])


def read_table(table: Table, member: Member, template: Template, cfg: OcrConfig,
               engine: Recognizer, header: Header | None = None) -> PhotoReading | None:
    """Decode a found table; None when it has no column of names (no header row recognised, no names).

    The header row is found by its words; every cell below it is scored against every closed set (names,
    counts, temperatures, marks, 序号) in one recogniser pass; the columns are mapped by header words and
    contents together; then each cell is decided in its column's set, the names jointly (one row per
    household, the roster's order weighed), and the consistency checks flag what they doubt."""
    names = [h.name for h in member.households]
    header_row, posts, _, _ = header or read_header(table, template, engine)
    n_body = table.n_rows - header_row - 1
    ms = decode.MultiSet.of({
        "name": decode.name_set(names),
        "people": decode.count_set(cfg.people_max),
        "temperature": decode.temperature_set(cfg.temperature_min, cfg.temperature_max),
        "mark": decode.mark_set(with_counts=0),
        "index": decode.index_set(max(n_body, len(names)) + 2),
    })
    body = read_cells(table, header_row + 1, ms, engine)
    if not any(x.scored is not None for col in body.values() for x in col):
        return PhotoReading(MemberReport(member=member.name), "table", 0, table.method)
    keys = ["household", "index", *template.keys()]
    mapping, unsure_cols = map_columns(posts, body, ms, keys, template, header_row)
    if "household" not in mapping:
        return None
    if header_row < 0:
        # no header was read: the first row is the header still when its cells fit their columns far worse
        # than the other rows' do (words, not values)
        kinds = {c: key_kind(template, k) for k, c in mapping.items()}
        others = [row_fit(ms, body, kinds, r) for r in range(1, table.n_rows)]
        if others and row_fit(ms, body, kinds, 0) < float(np.median(others)) - 6.0:
            header_row = 0
            body = {c: [x for x in col if x.r > 0] for c, col in body.items()}
            mapping, unsure_cols = map_columns([], body, ms, keys, template, header_row)
            if "household" not in mapping:
                return None
        elif not any(cell_score(ms, x, "name", 0) > -4 for x in body[mapping["household"]]):
            return None  # no header and no names: not a table of this member's households
    if "people" in mapping:  # a count's digits read twice (o3-forms: see cells.reread_counts)
        reread_counts(body[mapping["people"]], ms, engine)
    # header words read clearly: a column the header names but the body does not hold was merged into another
    headed = {k for ps in posts for k, p in ps.items() if p >= HEADED}
    return _decide_table(table, member, template, cfg, ms, body, mapping, unsure_cols, header_row, headed)


def _decide_table(table: Table, member: Member, template: Template, cfg: OcrConfig, ms: decode.MultiSet,
                  body: dict[int, list[BodyCell]], mapping: dict[str, int], unsure_cols: set[str],
                  header_row: int, headed: set[str]) -> PhotoReading:
    """Each cell's value in its column's set, the names jointly, the consistency checks, the report."""
    names = [h.name for h in member.households]
    name_col = mapping["household"]
    fields = [(k, c) for k, c in mapping.items() if k not in ("household", "index") and template.has(k)]
    priors = {"temperature": decode.temperature_prior(cfg.temperature_min, cfg.temperature_max),
              "people": decode.people_prior(cfg.people_max)}
    rows: list[int] = []
    blanks: dict[int, set[str]] = {}
    notes: dict[int, Any] = {}
    decisions: dict[tuple[int, str], decode.FieldDecision] = {}
    name_scores: dict[int, tuple[Scored, decode.CandidateSet, decode.FieldDecision]] = {}
    flags: dict[int, dict[str, str]] = {}
    index_of: dict[int, Any] = {}
    by_rc = {(x.r, x.c): x for col in body.values() for x in col}
    for r in range(header_row + 1, table.n_rows):
        row_no = r - header_row
        name_cell = by_rc.get((r, name_col))
        field_cells = {k: by_rc[(r, c)] for k, c in fields if (r, c) in by_rc}
        if (name_cell is None or name_cell.scored is None) and all(x.scored is None for x in field_cells.values()):
            continue  # an empty row
        rows.append(row_no)
        blanks[row_no] = set()
        flags[row_no] = {}
        if table.doubtful(r):
            flags[row_no]["*"] = "row geometry"
        if name_cell is not None and name_cell.scored is not None:
            sc, cs = ms.view(name_cell.scored, "name")
            d = decode.decide(sc, cs, temp=SOFTEN)
            decisions[(row_no, "household")] = d
            name_scores[row_no] = (sc, cs, d)
        index_cell = by_rc.get((r, mapping["index"])) if "index" in mapping else None
        if index_cell is not None and index_cell.scored is not None:
            di = decode.decide(*ms.view(index_cell.scored, "index"))
            index_of[row_no] = di.value if di.confidence >= 0.9 else None
        for k, x in field_cells.items():
            kind = key_kind(template, k)
            if x.scored is None:
                blanks[row_no].add(k)
                if x.cell.ink > 0.5 * x.cell.need:
                    flags[row_no][k] = "faint blank"  # some ink, too little to read: say so
                elif x.cell.edge_ink >= x.cell.need:
                    flags[row_no][k] = "stroke along the ruling"  # most likely the line, but it may be a 1
                continue
            if kind == "text":
                notes[row_no] = x.scored.reading  # the free reading made with the scores
                continue
            if kind in ("mark", "count"):
                d = decode.decide_mark(x.shape[0], x.shape[1], decode.decide(*ms.view(x.scored, "mark"), temp=SOFTEN))
                if kind == "count":  # a yes/no or a number
                    dp = decode.decide(*ms.view(x.scored, "people"), temp=SOFTEN)
                    if dp.value not in (None, 0) and dp.fit > d.fit + 2:
                        d = dp
            else:
                d = decode.decide(*ms.view(x.scored, kind), temp=SOFTEN, prior=priors.get(kind),
                                  min_margin=decode.CLOSE_RUNNER_UP)
                if kind == "people" and d.value == 0:
                    d.confidence = min(d.confidence, 0.5)  # nobody at home: possible, but ask
            decisions[(row_no, k)] = d
    name_options = ranked_names_jointly(name_scores, names)
    names_got = row_households(name_options, decisions)
    check_rows(rows, names_got, decisions, index_of, {h.name: h.people for h in member.households}, flags, member)
    for k in unsure_cols:
        for row_no in rows:
            flags[row_no].setdefault(k, "column mapping")
    reading = build_reading(member, template, cfg, rows, decisions, name_options, blanks, notes, fields,
                            table.method, "table", names=names_got, flags=flags)
    # a usual column that was not found while the table has unread columns, or whose header word was read,
    # or in a table without ruling (its writing may have run into a neighbour's column): its empty values
    # are not known
    unread = [k for k in EXPECTED_COLUMNS if template.has(k) and k not in mapping
              and (table.n_cols > len(mapping) or k in headed or table.method != "lines")]
    if unread:
        for hr in reading.report.households:
            for k in unread:
                hr.confidence[k] = 0.0
                if k not in hr.uncertain:
                    hr.uncertain.append(k)
                    reading.doubts[(hr.row or 0, k)] = "column not found"
    return reading
