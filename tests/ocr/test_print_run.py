"""Print runs: a whole grid's members and several days in one PDF, one page per member and day (plus a member's
continuation pages); every page carries its own form id, and a photo of any page reads."""

from __future__ import annotations

import dataclasses
import io
import json
import random
from datetime import date, timedelta

import cv2
import numpy as np
import pytest
from PIL import Image, PdfParser

from bot.cli.main import main
from bot.core.model import Household
from bot.core.template import default_template
from bot.ocr.form import (
    ROWS_PER_PAGE,
    FormMeta,
    detect_form,
    member_hash,
    page_layout,
    render_run,
    run_layout,
    run_pages,
)
from bot.ocr.reader import read_photo
from handlers.offline import synth
from tests.ocr.helpers import neat_hand, rows_for, sample_roster

TPL = default_template()
FIRST = date(2020, 2, 10)


def pdf_pages(data: bytes) -> list[Image.Image]:
    """Every page of a PDF written by :func:`render_run`, as the image it holds."""
    pdf = PdfParser.PdfParser(buf=data)
    out = []
    for ref in pdf.pages:
        page = pdf.read_indirect(ref)
        stream = pdf.read_indirect(page.Resources.XObject.image)
        out.append(Image.open(io.BytesIO(stream.buf)).convert("L"))
    return out


def page_meta(page: Image.Image) -> FormMeta | None:
    """The form id of a page as the photo path reads it (markers, then the QR code or the printed id)."""
    found = detect_form(cv2.cvtColor(np.asarray(page), cv2.COLOR_GRAY2BGR))
    return None if found is None else found.meta


@pytest.fixture(scope="module")
def grid1():
    """第一网格's members, and one of them with more households than one page holds."""
    members = [m for m in sample_roster().members if m.grid == "第一网格"]
    big = members[1]
    extra = tuple(Household(f"住户{i:02d}", big.name, big.grid, big.village, big.town, "", 2)
                  for i in range(ROWS_PER_PAGE + 5 - len(big.households)))
    members[1] = dataclasses.replace(big, households=big.households + extra)
    return members


@pytest.fixture(scope="module")
def run(grid1):
    days = [FIRST + timedelta(days=i) for i in range(3)]
    out = io.BytesIO()
    index = render_run([(m, f"{m.village}{m.grid}") for m in grid1], TPL, days, out)
    return days, out.getvalue(), index


def test_one_page_per_member_and_day_plus_continuations(grid1, run) -> None:
    days, data, index = run
    assert data.startswith(b"%PDF")
    sizes = [-(-len(m.households) // ROWS_PER_PAGE) for m in grid1]
    assert sizes == [1, 2, 1]  # the second member keeps a continuation page
    pages = pdf_pages(data)
    assert len(pages) == len(index) == run_pages(grid1, days) == len(days) * sum(sizes) == 12
    # member by member, each one's days in order, a member's pages of one day together
    expect = [(m.name, d, p) for m, n in zip(grid1, sizes, strict=True) for d in days for p in range(1, n + 1)]
    assert [(p.member, p.day, p.page) for p in index] == expect
    assert run_layout(index)["pages"][3] == {"n": 4, "member": grid1[1].name, "grid": "第一网格",
                                             "date": "2020-02-10", "form_id": index[3].form_id, "page": 1, "pages": 2}


def test_every_page_decodes_to_its_member_and_day(grid1, run) -> None:
    days, data, index = run
    by_hash = {member_hash(m): m for m in grid1}
    for page, want in zip(pdf_pages(data), index, strict=True):
        meta = page_meta(page)
        assert meta is not None, want
        assert meta.form_id == want.form_id
        member = by_hash[meta.member_hash]
        assert (member.name, meta.day, meta.page) == (want.member, want.day, want.page)
        assert meta.households == len(member.households) and meta.pages == want.pages


def test_a_photo_of_one_page_reads_through_the_photo_path(grid1, run) -> None:
    """The third member's form for the second day, taken out of the PDF, filled in, photographed, read."""
    days, data, index = run
    k = next(i for i, p in enumerate(index) if p.member == grid1[2].name and p.day == days[1])
    member = grid1[2]
    page = pdf_pages(data)[k].convert("RGB")
    meta = FormMeta(days[1], member_hash(member), len(member.households), 1, 1)
    lay = page_layout([h.name for h in member.households], TPL, meta)
    rows = rows_for(member, len(member.households), seed=5)
    for r in rows:
        if isinstance(r["temperature"], float):
            r["temperature"] = min(r["temperature"], 39.9)
    photo = synth.photograph(synth.fill_form(page, lay, rows, neat_hand(5)), random.Random(5), strength=0.6,
                             max_side=1600, quality=85, crop_to_page=False)
    reading = read_photo(photo, member, TPL)
    assert reading.kind == "form" and reading.form_id == index[k].form_id
    got = {h.household: h for h in reading.report.households}
    right = total = 0
    for r in rows:
        h = got.get(r["household"])
        for key in ("people", "temperature", "out", "returned"):
            total += 1
            right += h is not None and h.values.get(key) == r[key]
    assert right / total >= 0.9, f"{right}/{total}"


def test_cli_prints_a_grid_for_several_days(tmp_path, capsys) -> None:
    roster = tmp_path / "roster.csv"
    from bot.sample import roster_bytes

    roster.write_bytes(roster_bytes())
    out = tmp_path / "run.pdf"
    code = main(["form", "--roster", str(roster), "--grid", "第一网格", "--from", "2020-02-10", "--days", "2",
                 "--out", str(out)])
    assert code == 0
    members = [m for m in sample_roster().members if m.grid == "第一网格"]
    pages = pdf_pages(out.read_bytes())
    assert len(pages) == 2 * len(members)
    index = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))["pages"]
    assert [(p["member"], p["date"]) for p in index] == [(m.name, d) for m in members
                                                         for d in ("2020-02-10", "2020-02-11")]
    assert page_meta(pages[-1]).form_id == index[-1]["form_id"]
    # a run is a PDF only, and has bounds
    assert main(["form", "--roster", str(roster), "--grid", "第一网格", "--days", "2",
                 "--out", str(tmp_path / "run.png")]) == 2
    assert main(["form", "--roster", str(roster), "--grid", "第一网格", "--days", "30",
                 "--out", str(out)]) == 2
    assert main(["form", "--roster", str(roster), "--grid", "第九网格", "--out", str(out)]) == 1
    assert main(["form", "--roster", str(roster), "--out", str(out)]) == 2
