"""Reading the statisticians' roster file (CSV or XLSX) into validated rows.

One row per household. Headers may be Chinese or English; extra columns are ignored. Every bad row is
reported with its row number (as the spreadsheet shows it, header = row 1) and the reason. Reading is pure:
applying the rows to the database is ``storage.repo.ReportRepo.import_roster``, which does it in one transaction.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.ids import parse_id
from bot.core.model import Household, Member, Roster

#: canonical column -> accepted header spellings (compared after normalisation: NFKC, no spaces, lower case)
COLUMNS: dict[str, tuple[str, ...]] = {
    "town": ("镇", "乡镇", "镇街", "街道", "town"),
    "village": ("村", "村庄", "村社区", "社区", "village"),
    "grid": ("网格", "网格名", "网格名称", "grid"),
    "member": ("网格员", "网格员姓名", "包联人", "member"),
    "account": ("账号", "帐号", "telegram", "tg", "account"),
    "household": ("户主", "户主姓名", "household", "head"),
    "address": ("住址", "地址", "门牌", "address"),
    "people": ("人口", "人数", "家庭人口", "people"),
    "leader": ("网格长", "组长", "leader"),
    "leader_account": ("网格长账号", "网格长帐号", "leader_account"),
}
REQUIRED = ("grid", "member", "household")

MAX_ROWS = 200_000
MAX_PEOPLE = 99

_ACCOUNT_RE = re.compile(
    r"^(@[A-Za-z][A-Za-z0-9_]{3,31}|[A-Za-z][A-Za-z0-9_]{3,31}|-?\d{1,15}|[a-z]{2,10}:[A-Za-z0-9_-]{1,64})$")


_QUALIFIED_RE = re.compile(r"[a-z]{2,10}:[A-Za-z0-9_-]{1,64}")


def account_user_id(account: str | None) -> str | None:
    """The chat user a roster 账号 names by id: digits are a Telegram user id (``42`` → ``tg:42``), a
    qualified id is itself; an @username (or nothing) names no id yet (None)."""
    if not account or account.startswith("@"):
        return None
    try:
        return parse_id(account)
    except ValueError:
        return None


class RosterFileError(Exception):
    """The file as a whole cannot be read (format, encoding, missing columns)."""


@dataclass(frozen=True)
class RosterRow:
    row: int
    town: str
    village: str
    grid: str
    member: str
    account: str | None
    household: str
    address: str
    people: int | None
    leader: str | None = None
    leader_account: str | None = None


@dataclass
class RowError:
    row: int
    reason: str

    def __str__(self) -> str:
        return f"第{self.row}行：{self.reason}"


@dataclass
class RosterFile:
    rows: list[RosterRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def _norm_header(h: object) -> str:
    s = unicodedata.normalize("NFKC", str(h or "")).strip().lower()
    return re.sub(r"[\s*＊:：()（）]", "", s)


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return unicodedata.normalize("NFKC", str(v)).strip()


def normalize_account(raw: str) -> str | None:
    """``@Name`` / ``Name`` -> ``@name`` (usernames are case-insensitive); digits stay a numeric (Telegram) id,
    and a platform-qualified id (``feishu:ou_…``) stays as it is."""
    raw = raw.strip()
    if not raw:
        return None
    if re.fullmatch(r"-?\d+", raw) or _QUALIFIED_RE.fullmatch(raw):
        return raw
    return "@" + raw.lstrip("@").lower()


def _decode_csv(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")  # a superset of GBK
    except UnicodeDecodeError:
        raise RosterFileError("无法识别文件编码（支持 UTF-8、带 BOM 的 UTF-8 和 GBK）") from None


def _table_from_csv(data: bytes) -> list[list[str]]:
    text = _decode_csv(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    try:
        return [[_cell(c) for c in r] for r in csv.reader(io.StringIO(text, newline=""), dialect)]
    except csv.Error as e:  # e.g. a bare carriage return inside an unquoted cell
        raise RosterFileError(f"CSV 文件格式有误：{e}") from None


def _table_from_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds on a broken file
        raise RosterFileError(f"无法读取 Excel 文件：{type(e).__name__}") from None
    try:
        ws = wb.worksheets[0]
        out: list[list[str]] = []
        for r in ws.iter_rows(values_only=True):
            out.append([_cell(c) for c in r])
            if len(out) > MAX_ROWS + 1:
                break
        return out
    finally:
        wb.close()


def read_roster_bytes(data: bytes, filename: str = "roster.csv") -> RosterFile:
    """Parse a roster file's bytes. Raises :class:`RosterFileError` when the file cannot be read at all."""
    is_xlsx = filename.lower().endswith((".xlsx", ".xlsm")) or data[:2] == b"PK"
    table = _table_from_xlsx(data) if is_xlsx else _table_from_csv(data)
    # skip leading empty lines and title lines (a roster file often has a title row above the header)
    start = 0
    while start < len(table) and start < 10:
        normed = {_norm_header(c) for c in table[start]}
        if sum(1 for col in REQUIRED if normed & {_norm_header(a) for a in COLUMNS[col]}) >= 2:
            break
        start += 1
    else:
        start = 0
    if start >= len(table):
        raise RosterFileError("文件是空的")
    header = table[start]
    mapping: dict[str, int] = {}
    ignored: list[str] = []
    for idx, h in enumerate(header):
        nh = _norm_header(h)
        if not nh:
            continue
        for col, names in COLUMNS.items():
            if nh in {_norm_header(n) for n in names}:
                if col not in mapping:
                    mapping[col] = idx
                break
        else:
            ignored.append(str(h))
    missing = [c for c in REQUIRED if c not in mapping]
    if missing:
        names = "、".join(f"{COLUMNS[c][0]}/{COLUMNS[c][-1]}" for c in missing)
        raise RosterFileError(f"缺少必需的列：{names}")
    if len(table) - start - 1 > MAX_ROWS:
        raise RosterFileError(f"行数超过上限 {MAX_ROWS}")

    result = RosterFile(ignored_columns=ignored)
    seen: dict[tuple[str, str, str, str, str], int] = {}
    member_accounts: dict[tuple[str, str, str, str], tuple[str | None, int]] = {}
    for offset, raw in enumerate(table[start + 1 :]):
        rownum = start + 2 + offset  # 1-based, as the spreadsheet shows it
        if not any(raw):
            continue

        def get(col: str, raw: list[str] = raw) -> str:
            i = mapping.get(col)
            return raw[i] if i is not None and i < len(raw) else ""

        town, village, grid = get("town"), get("village"), get("grid")
        member, household, address = get("member"), get("household"), get("address")
        reasons: list[str] = []
        if not grid:
            reasons.append("缺少网格")
        if not member:
            reasons.append("缺少网格员")
        if not household:
            reasons.append("缺少户主")
        people: int | None = None
        praw = get("people")
        if praw:
            try:
                pval = float(praw.rstrip("人口"))
                if not pval.is_integer() or not 0 <= pval <= MAX_PEOPLE:
                    raise ValueError
                people = int(pval)
            except ValueError:
                reasons.append(f"人口不是有效的数字：{praw}")
        account_raw = get("account")
        account = None
        if account_raw:
            if _ACCOUNT_RE.fullmatch(account_raw):
                account = normalize_account(account_raw)
            else:
                reasons.append(f"账号格式不对：{account_raw}（应为 @用户名 或数字 ID）")
        leader = get("leader") or None
        leader_account = None
        la = get("leader_account")
        if la:
            if _ACCOUNT_RE.fullmatch(la):
                leader_account = normalize_account(la)
            else:
                reasons.append(f"网格长账号格式不对：{la}")
        if member and grid:
            mkey = (town, village, grid, member)
            prev = member_accounts.get(mkey)
            if prev and account and prev[0] and prev[0] != account:
                reasons.append(f"网格员 {member} 的账号与第{prev[1]}行不一致")
            elif account or not prev:
                member_accounts[mkey] = (account or (prev[0] if prev else None), rownum)
        if household and member and grid:
            key = (town, village, grid, member, household + "\x00" + address)
            if key in seen:
                reasons.append(f"与第{seen[key]}行重复：同一网格员下户主 {household} 出现两次")
            else:
                seen[key] = rownum
        if reasons:
            result.errors.append(RowError(rownum, "；".join(reasons)))
            continue
        result.rows.append(
            RosterRow(rownum, town, village, grid, member, account, household, address, people, leader, leader_account)
        )
    if not result.rows and not result.errors:
        raise RosterFileError("文件里没有任何住户行")
    return result


def read_roster_file(path: str | Path) -> RosterFile:
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise RosterFileError(f"无法读取文件 {p.name}：{e.strerror}") from None
    return read_roster_bytes(data, p.name)


def roster_from_rows(rows: list[RosterRow]) -> Roster:
    """Build an in-memory :class:`Roster` (for the parser CLI, which needs no database)."""
    members: dict[tuple[str, str, str, str], list[RosterRow]] = {}
    for r in rows:
        members.setdefault((r.town, r.village, r.grid, r.member), []).append(r)
    out = []
    for (town, village, grid, name), rs in members.items():
        account = next((r.account for r in rs if r.account), None)
        hh = tuple(
            Household(r.household, name, grid, village, town, r.address, r.people) for r in rs
        )
        out.append(Member(name, grid, village, town, account, hh))
    return Roster(out)


def load_roster(path: str | Path) -> Roster:
    """Read a roster file into a :class:`Roster`; raises :class:`RosterFileError` listing bad rows."""
    rf = read_roster_file(path)
    if rf.errors:
        raise RosterFileError("；".join(str(e) for e in rf.errors[:20]))
    return roster_from_rows(rf.rows)
