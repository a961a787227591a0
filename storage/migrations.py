"""Numbered schema migrations. The database's ``PRAGMA user_version`` is the last one applied.

Never edit a migration that has shipped: add a new one. Each runs in its own transaction, with foreign key
enforcement off and a ``PRAGMA foreign_key_check`` before its commit (``storage/db.py:migrate``), so that a
migration may rebuild a table by SQLite's procedure (https://www.sqlite.org/lang_altertable.html#otheralter):
create ``new_X``, copy the rows, drop ``X``, rename ``new_X`` to ``X``, recreate its indexes.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "initial schema: roster, bindings, links, messages, reports, audit",
        """
        CREATE TABLE grids (
            id INTEGER PRIMARY KEY,
            town TEXT NOT NULL DEFAULT '',
            village TEXT NOT NULL DEFAULT '',
            name TEXT NOT NULL,
            leader_name TEXT,
            leader_account TEXT,
            leader_user_id INTEGER,
            active INTEGER NOT NULL DEFAULT 1,
            UNIQUE (town, village, name)
        );
        CREATE TABLE members (
            id INTEGER PRIMARY KEY,
            grid_id INTEGER NOT NULL REFERENCES grids(id),
            name TEXT NOT NULL,
            account TEXT,
            tg_user_id INTEGER,
            tg_username TEXT,
            active INTEGER NOT NULL DEFAULT 1,
            UNIQUE (grid_id, name)
        );
        CREATE INDEX members_user ON members(tg_user_id);
        CREATE TABLE households (
            id INTEGER PRIMARY KEY,
            town TEXT NOT NULL DEFAULT '',
            village TEXT NOT NULL DEFAULT '',
            name TEXT NOT NULL,
            address TEXT NOT NULL DEFAULT '',
            member_id INTEGER NOT NULL REFERENCES members(id),
            people INTEGER,
            position INTEGER NOT NULL DEFAULT 0,
            active INTEGER NOT NULL DEFAULT 1,
            UNIQUE (town, village, name, address)
        );
        CREATE INDEX households_member ON households(member_id);
        CREATE TABLE bindings (
            chat_id INTEGER NOT NULL,
            grid_id INTEGER NOT NULL REFERENCES grids(id),
            active INTEGER NOT NULL DEFAULT 1,
            bound_by INTEGER,
            bound_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, grid_id)
        );
        CREATE TABLE link_requests (
            id INTEGER PRIMARY KEY,
            chat_id INTEGER NOT NULL,
            user_id INTEGER NOT NULL,
            username TEXT,
            display_name TEXT NOT NULL DEFAULT '',
            member_id INTEGER NOT NULL REFERENCES members(id),
            status TEXT NOT NULL DEFAULT 'pending',
            created_at TEXT NOT NULL,
            decided_by INTEGER,
            decided_at TEXT
        );
        CREATE INDEX link_requests_user ON link_requests(user_id, status);
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            chat_id INTEGER NOT NULL,
            message_id INTEGER NOT NULL,
            sender_user_id INTEGER,
            day TEXT NOT NULL,
            text TEXT NOT NULL,
            received_at TEXT NOT NULL,
            UNIQUE (chat_id, message_id)
        );
        CREATE TABLE member_reports (
            id INTEGER PRIMARY KEY,
            message_row_id INTEGER REFERENCES messages(id),
            member_id INTEGER NOT NULL REFERENCES members(id),
            day TEXT NOT NULL,
            covers_all INTEGER NOT NULL DEFAULT 0,
            same_as_yesterday INTEGER NOT NULL DEFAULT 0,
            totals_households INTEGER,
            totals_people INTEGER,
            unmatched TEXT NOT NULL DEFAULT '[]',
            chain_hash TEXT,
            via TEXT NOT NULL DEFAULT 'text',
            sender_user_id INTEGER,
            created_at TEXT NOT NULL,
            undone INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX member_reports_member_day ON member_reports(member_id, day);
        CREATE TABLE reports (
            id INTEGER PRIMARY KEY,
            household_id INTEGER NOT NULL REFERENCES households(id),
            day TEXT NOT NULL,
            member_id INTEGER NOT NULL REFERENCES members(id),
            member_report_id INTEGER NOT NULL REFERENCES member_reports(id),
            data TEXT NOT NULL,
            anomaly INTEGER NOT NULL DEFAULT 0,
            source_chat_id INTEGER,
            source_message_id INTEGER,
            sender_user_id INTEGER,
            reported_at TEXT NOT NULL,
            via TEXT NOT NULL DEFAULT 'text',
            UNIQUE (household_id, day)
        );
        CREATE INDEX reports_day_member ON reports(day, member_id);
        CREATE TABLE report_audit (
            id INTEGER PRIMARY KEY,
            household_id INTEGER NOT NULL,
            day TEXT NOT NULL,
            member_id INTEGER NOT NULL,
            member_report_id INTEGER NOT NULL,
            data TEXT NOT NULL,
            anomaly INTEGER NOT NULL DEFAULT 0,
            source_chat_id INTEGER,
            source_message_id INTEGER,
            sender_user_id INTEGER,
            reported_at TEXT NOT NULL,
            via TEXT NOT NULL,
            replaced_at TEXT NOT NULL,
            reason TEXT NOT NULL
        );
        CREATE INDEX report_audit_household_day ON report_audit(household_id, day);
        CREATE TABLE processed_updates (
            update_id INTEGER PRIMARY KEY,
            processed_at TEXT NOT NULL
        );
        """,
    ),
    (
        2,
        "photo file ids on reports, hint throttling, roster import log",
        """
        ALTER TABLE reports ADD COLUMN photo_file_id TEXT;
        ALTER TABLE report_audit ADD COLUMN photo_file_id TEXT;
        CREATE TABLE hints (
            user_id INTEGER NOT NULL,
            chat_id INTEGER NOT NULL,
            kind TEXT NOT NULL,
            sent_at TEXT NOT NULL,
            PRIMARY KEY (user_id, chat_id, kind)
        );
        CREATE TABLE roster_imports (
            id INTEGER PRIMARY KEY,
            imported_at TEXT NOT NULL,
            source TEXT NOT NULL,
            added INTEGER NOT NULL,
            updated INTEGER NOT NULL,
            moved INTEGER NOT NULL,
            deactivated INTEGER NOT NULL
        );
        """,
    ),
    (
        3,
        "deadlines and reminders: per-grid schedules, pauses, leaves, sent nags, private chats",
        """
        CREATE TABLE grid_schedules (
            grid_id INTEGER PRIMARY KEY REFERENCES grids(id),
            open_at TEXT,
            reminders TEXT,
            deadline TEXT,
            escalate_at TEXT,
            updated_by INTEGER,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE grid_pauses (
            grid_id INTEGER PRIMARY KEY REFERENCES grids(id),
            until_day TEXT,
            reason TEXT NOT NULL DEFAULT '',
            paused_by INTEGER,
            paused_at TEXT NOT NULL
        );
        CREATE TABLE member_leaves (
            id INTEGER PRIMARY KEY,
            member_id INTEGER NOT NULL REFERENCES members(id),
            start_day TEXT NOT NULL,
            end_day TEXT NOT NULL,
            created_by INTEGER,
            created_at TEXT NOT NULL,
            cancelled INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX member_leaves_member ON member_leaves(member_id, start_day);
        CREATE TABLE nags_sent (
            grid_id INTEGER NOT NULL,
            day TEXT NOT NULL,
            kind TEXT NOT NULL,
            slot_at TEXT NOT NULL,
            status TEXT NOT NULL,
            claimed_at TEXT NOT NULL,
            finished_at TEXT,
            chat_ids TEXT NOT NULL DEFAULT '[]',
            named INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (grid_id, day, kind)
        );
        CREATE TABLE nag_named (
            grid_id INTEGER NOT NULL,
            day TEXT NOT NULL,
            kind TEXT NOT NULL,
            member_id INTEGER NOT NULL,
            missing INTEGER NOT NULL,
            PRIMARY KEY (grid_id, day, kind, member_id)
        );
        CREATE INDEX nag_named_day ON nag_named(day, member_id);
        CREATE TABLE nag_followups (
            grid_id INTEGER NOT NULL,
            day TEXT NOT NULL,
            member_id INTEGER NOT NULL,
            kind TEXT NOT NULL,
            sent_at TEXT NOT NULL,
            PRIMARY KEY (grid_id, day, member_id, kind)
        );
        CREATE TABLE private_chats (
            user_id INTEGER PRIMARY KEY,
            active INTEGER NOT NULL DEFAULT 1,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL
        );
        """,
    ),
    (
        4,
        "statisticians' summaries: report figures as indexed columns, statisticians, retention indexes",
        """
        ALTER TABLE reports ADD COLUMN v_people INTEGER GENERATED ALWAYS AS (json_extract(data, '$.people')) VIRTUAL;
        ALTER TABLE reports ADD COLUMN v_fever INTEGER GENERATED ALWAYS AS (json_extract(data, '$.fever')) VIRTUAL;
        ALTER TABLE reports ADD COLUMN v_returned INTEGER
            GENERATED ALWAYS AS (json_extract(data, '$.returned')) VIRTUAL;
        ALTER TABLE reports ADD COLUMN v_isolated INTEGER
            GENERATED ALWAYS AS (json_extract(data, '$.isolated')) VIRTUAL;
        ALTER TABLE reports ADD COLUMN v_visitors INTEGER
            GENERATED ALWAYS AS (json_extract(data, '$.visitors')) VIRTUAL;
        CREATE INDEX reports_household_figures
            ON reports(household_id, day, v_people, v_fever, v_returned, v_isolated, v_visitors, anomaly);
        CREATE INDEX reports_day_figures
            ON reports(day, household_id, v_people, v_fever, v_returned, v_isolated, v_visitors, anomaly);
        CREATE INDEX households_member_cover ON households(member_id, active, people);
        CREATE INDEX report_audit_day ON report_audit(day);
        CREATE INDEX member_reports_day ON member_reports(day);
        CREATE INDEX messages_day ON messages(day);
        CREATE TABLE statisticians (
            id INTEGER PRIMARY KEY,
            user_id INTEGER,
            username TEXT,
            scope TEXT NOT NULL,
            added_by INTEGER,
            added_at TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX statisticians_user ON statisticians(user_id);
        CREATE INDEX statisticians_username ON statisticians(username);
        """,
    ),
    (
        5,
        "photos of handwritten tables: readings waiting for the sender's confirmation",
        """
        CREATE TABLE ocr_pending (
            id INTEGER PRIMARY KEY,
            nonce TEXT NOT NULL,
            chat_id INTEGER NOT NULL,
            message_id INTEGER NOT NULL,
            reply_message_id INTEGER,
            sender_user_id INTEGER NOT NULL,
            member_id INTEGER NOT NULL REFERENCES members(id),
            grid_id INTEGER NOT NULL REFERENCES grids(id),
            day TEXT NOT NULL,
            photo_file_id TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'table',
            result TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 1,
            status TEXT NOT NULL DEFAULT 'pending',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            decided_by INTEGER,
            reoffered_at TEXT,
            UNIQUE (chat_id, message_id)
        );
        CREATE INDEX ocr_pending_grid_day ON ocr_pending(grid_id, day, status);
        CREATE INDEX ocr_pending_reply ON ocr_pending(chat_id, reply_message_id);
        """,
    ),
    (
        6,
        "the durable inbox (every update, committed before Telegram is told it arrived) and the replies "
        "committed with a report, sent after",
        """
        CREATE TABLE inbox (
            update_id INTEGER PRIMARY KEY,
            chat_id INTEGER,
            payload TEXT NOT NULL,
            received_at TEXT NOT NULL,
            done_at TEXT
        );
        CREATE INDEX inbox_open ON inbox(done_at, update_id);
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            update_id INTEGER,
            chat_id INTEGER NOT NULL,
            reply_to INTEGER,
            text TEXT NOT NULL,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            sent_message_id INTEGER,
            failed_at TEXT
        );
        CREATE INDEX outbox_unsent ON outbox(sent_at, id);
        """,
    ),
    (
        7,
        "asking instead of guessing: the fields of a stored report the parser was unsure of (stored as null "
        "until answered), and the chain lines a group was already asked about (a repost does not ask again)",
        """
        ALTER TABLE reports ADD COLUMN uncertain TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE report_audit ADD COLUMN uncertain TEXT NOT NULL DEFAULT '[]';
        CREATE INDEX reports_waiting ON reports(day) WHERE uncertain != '[]';
        CREATE TABLE chain_questions (
            chat_id INTEGER NOT NULL,
            day TEXT NOT NULL,
            line_key TEXT NOT NULL,
            asked_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, day, line_key)
        );
        """,
    ),
]


def _tg(column: str) -> str:
    """A stored Telegram chat, user or update id (an integer) as a qualified id (``bot/core/ids.py``)."""
    return f"'tg:' || {column}"


def _text(column: str) -> str:
    """A stored Telegram message id (an integer) as text."""
    return f"CAST({column} AS TEXT)"


def _rebuild(table: str, create: str, columns: dict[str, str], indexes: tuple[str, ...] = ()) -> str:
    """Rebuild ``table`` with the definition ``create`` (``CREATE TABLE new_<table> ...``): the rows are copied
    with ``columns`` (the new column -> the expression over the old row that fills it), the old table is
    dropped, the new one renamed, and ``indexes`` (the old table's, dropped with it) created again."""
    names = ", ".join(columns)
    exprs = ", ".join(columns.values())
    copy = f"INSERT INTO new_{table} ({names}) SELECT {exprs} FROM {table}"  # noqa: S608 - the names are fixed
    drop = "DROP TABLE " + table
    rename = "ALTER TABLE new_" + table + " RENAME TO " + table
    return ";\n".join([create, copy, drop, rename, *indexes]) + ";\n"


def _same(*names: str) -> dict[str, str]:
    return {n: n for n in names}


#: migration 8: every chat, user, message and update id becomes text (chat, user and update ids qualified:
#: ``tg:<id>``; message ids the platform's own, as text); ``members.tg_user_id`` / ``tg_username`` become
#: ``user_id`` / ``username``; the inbox is kept in arrival order (``seq``) under a qualified ``update_key``
_QUALIFIED_IDS = "".join([
    _rebuild("grids", """CREATE TABLE new_grids (
            id INTEGER PRIMARY KEY,
            town TEXT NOT NULL DEFAULT '',
            village TEXT NOT NULL DEFAULT '',
            name TEXT NOT NULL,
            leader_name TEXT,
            leader_account TEXT,
            leader_user_id TEXT,
            active INTEGER NOT NULL DEFAULT 1,
            UNIQUE (town, village, name)
        )""", {**_same("id", "town", "village", "name", "leader_name", "leader_account"),
               "leader_user_id": _tg("leader_user_id"), "active": "active"}),
    _rebuild("members", """CREATE TABLE new_members (
            id INTEGER PRIMARY KEY,
            grid_id INTEGER NOT NULL REFERENCES grids(id),
            name TEXT NOT NULL,
            account TEXT,
            user_id TEXT,
            username TEXT,
            active INTEGER NOT NULL DEFAULT 1,
            UNIQUE (grid_id, name)
        )""", {**_same("id", "grid_id", "name", "account"), "user_id": _tg("tg_user_id"), "username": "tg_username",
               "active": "active"},
             ("CREATE INDEX members_user ON members(user_id)",)),
    _rebuild("bindings", """CREATE TABLE new_bindings (
            chat_id TEXT NOT NULL,
            grid_id INTEGER NOT NULL REFERENCES grids(id),
            active INTEGER NOT NULL DEFAULT 1,
            bound_by TEXT,
            bound_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, grid_id)
        )""", {"chat_id": _tg("chat_id"), **_same("grid_id", "active"), "bound_by": _tg("bound_by"),
               "bound_at": "bound_at"}),
    _rebuild("link_requests", """CREATE TABLE new_link_requests (
            id INTEGER PRIMARY KEY,
            chat_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            username TEXT,
            display_name TEXT NOT NULL DEFAULT '',
            member_id INTEGER NOT NULL REFERENCES members(id),
            status TEXT NOT NULL DEFAULT 'pending',
            created_at TEXT NOT NULL,
            decided_by TEXT,
            decided_at TEXT
        )""", {"id": "id", "chat_id": _tg("chat_id"), "user_id": _tg("user_id"),
               **_same("username", "display_name", "member_id", "status", "created_at"),
               "decided_by": _tg("decided_by"), "decided_at": "decided_at"},
             ("CREATE INDEX link_requests_user ON link_requests(user_id, status)",)),
    _rebuild("messages", """CREATE TABLE new_messages (
            id INTEGER PRIMARY KEY,
            chat_id TEXT NOT NULL,
            message_id TEXT NOT NULL,
            sender_user_id TEXT,
            day TEXT NOT NULL,
            text TEXT NOT NULL,
            received_at TEXT NOT NULL,
            UNIQUE (chat_id, message_id)
        )""", {"id": "id", "chat_id": _tg("chat_id"), "message_id": _text("message_id"),
               "sender_user_id": _tg("sender_user_id"), **_same("day", "text", "received_at")},
             ("CREATE INDEX messages_day ON messages(day)",)),
    _rebuild("member_reports", """CREATE TABLE new_member_reports (
            id INTEGER PRIMARY KEY,
            message_row_id INTEGER REFERENCES messages(id),
            member_id INTEGER NOT NULL REFERENCES members(id),
            day TEXT NOT NULL,
            covers_all INTEGER NOT NULL DEFAULT 0,
            same_as_yesterday INTEGER NOT NULL DEFAULT 0,
            totals_households INTEGER,
            totals_people INTEGER,
            unmatched TEXT NOT NULL DEFAULT '[]',
            chain_hash TEXT,
            via TEXT NOT NULL DEFAULT 'text',
            sender_user_id TEXT,
            created_at TEXT NOT NULL,
            undone INTEGER NOT NULL DEFAULT 0
        )""", {**_same("id", "message_row_id", "member_id", "day", "covers_all", "same_as_yesterday",
                       "totals_households", "totals_people", "unmatched", "chain_hash", "via"),
               "sender_user_id": _tg("sender_user_id"), **_same("created_at", "undone")},
             ("CREATE INDEX member_reports_member_day ON member_reports(member_id, day)",
              "CREATE INDEX member_reports_day ON member_reports(day)")),
    _rebuild("reports", """CREATE TABLE new_reports (
            id INTEGER PRIMARY KEY,
            household_id INTEGER NOT NULL REFERENCES households(id),
            day TEXT NOT NULL,
            member_id INTEGER NOT NULL REFERENCES members(id),
            member_report_id INTEGER NOT NULL REFERENCES member_reports(id),
            data TEXT NOT NULL,
            anomaly INTEGER NOT NULL DEFAULT 0,
            source_chat_id TEXT,
            source_message_id TEXT,
            sender_user_id TEXT,
            reported_at TEXT NOT NULL,
            via TEXT NOT NULL DEFAULT 'text',
            photo_file_id TEXT,
            v_people INTEGER GENERATED ALWAYS AS (json_extract(data, '$.people')) VIRTUAL,
            v_fever INTEGER GENERATED ALWAYS AS (json_extract(data, '$.fever')) VIRTUAL,
            v_returned INTEGER GENERATED ALWAYS AS (json_extract(data, '$.returned')) VIRTUAL,
            v_isolated INTEGER GENERATED ALWAYS AS (json_extract(data, '$.isolated')) VIRTUAL,
            v_visitors INTEGER GENERATED ALWAYS AS (json_extract(data, '$.visitors')) VIRTUAL,
            uncertain TEXT NOT NULL DEFAULT '[]',
            UNIQUE (household_id, day)
        )""", {**_same("id", "household_id", "day", "member_id", "member_report_id", "data", "anomaly"),
               "source_chat_id": _tg("source_chat_id"), "source_message_id": _text("source_message_id"),
               "sender_user_id": _tg("sender_user_id"), **_same("reported_at", "via", "photo_file_id", "uncertain")},
             ("CREATE INDEX reports_day_member ON reports(day, member_id)",
              "CREATE INDEX reports_household_figures "
              "ON reports(household_id, day, v_people, v_fever, v_returned, v_isolated, v_visitors, anomaly)",
              "CREATE INDEX reports_day_figures "
              "ON reports(day, household_id, v_people, v_fever, v_returned, v_isolated, v_visitors, anomaly)",
              "CREATE INDEX reports_waiting ON reports(day) WHERE uncertain != '[]'")),
    _rebuild("report_audit", """CREATE TABLE new_report_audit (
            id INTEGER PRIMARY KEY,
            household_id INTEGER NOT NULL,
            day TEXT NOT NULL,
            member_id INTEGER NOT NULL,
            member_report_id INTEGER NOT NULL,
            data TEXT NOT NULL,
            anomaly INTEGER NOT NULL DEFAULT 0,
            source_chat_id TEXT,
            source_message_id TEXT,
            sender_user_id TEXT,
            reported_at TEXT NOT NULL,
            via TEXT NOT NULL,
            replaced_at TEXT NOT NULL,
            reason TEXT NOT NULL,
            photo_file_id TEXT,
            uncertain TEXT NOT NULL DEFAULT '[]'
        )""", {**_same("id", "household_id", "day", "member_id", "member_report_id", "data", "anomaly"),
               "source_chat_id": _tg("source_chat_id"), "source_message_id": _text("source_message_id"),
               "sender_user_id": _tg("sender_user_id"),
               **_same("reported_at", "via", "replaced_at", "reason", "photo_file_id", "uncertain")},
             ("CREATE INDEX report_audit_household_day ON report_audit(household_id, day)",
              "CREATE INDEX report_audit_day ON report_audit(day)")),
    _rebuild("processed_updates", """CREATE TABLE new_processed_updates (
            update_id TEXT PRIMARY KEY,
            processed_at TEXT NOT NULL
        )""", {"update_id": _tg("update_id"), "processed_at": "processed_at"}),
    _rebuild("hints", """CREATE TABLE new_hints (
            user_id TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            sent_at TEXT NOT NULL,
            PRIMARY KEY (user_id, chat_id, kind)
        )""", {"user_id": _tg("user_id"), "chat_id": _tg("chat_id"), **_same("kind", "sent_at")}),
    _rebuild("grid_schedules", """CREATE TABLE new_grid_schedules (
            grid_id INTEGER PRIMARY KEY REFERENCES grids(id),
            open_at TEXT,
            reminders TEXT,
            deadline TEXT,
            escalate_at TEXT,
            updated_by TEXT,
            updated_at TEXT NOT NULL
        )""", {**_same("grid_id", "open_at", "reminders", "deadline", "escalate_at"),
               "updated_by": _tg("updated_by"), "updated_at": "updated_at"}),
    _rebuild("grid_pauses", """CREATE TABLE new_grid_pauses (
            grid_id INTEGER PRIMARY KEY REFERENCES grids(id),
            until_day TEXT,
            reason TEXT NOT NULL DEFAULT '',
            paused_by TEXT,
            paused_at TEXT NOT NULL
        )""", {**_same("grid_id", "until_day", "reason"), "paused_by": _tg("paused_by"), "paused_at": "paused_at"}),
    _rebuild("member_leaves", """CREATE TABLE new_member_leaves (
            id INTEGER PRIMARY KEY,
            member_id INTEGER NOT NULL REFERENCES members(id),
            start_day TEXT NOT NULL,
            end_day TEXT NOT NULL,
            created_by TEXT,
            created_at TEXT NOT NULL,
            cancelled INTEGER NOT NULL DEFAULT 0
        )""", {**_same("id", "member_id", "start_day", "end_day"), "created_by": _tg("created_by"),
               **_same("created_at", "cancelled")},
             ("CREATE INDEX member_leaves_member ON member_leaves(member_id, start_day)",)),
    # a JSON list of chat ids, element by element, in its order
    "UPDATE nags_sent SET chat_ids = (SELECT json_group_array(q) FROM (SELECT 'tg:' || j.value AS q "
    "FROM json_each(nags_sent.chat_ids) j ORDER BY j.key));\n",
    _rebuild("private_chats", """CREATE TABLE new_private_chats (
            user_id TEXT PRIMARY KEY,
            active INTEGER NOT NULL DEFAULT 1,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL
        )""", {"user_id": _tg("user_id"), **_same("active", "first_seen", "last_seen")}),
    _rebuild("statisticians", """CREATE TABLE new_statisticians (
            id INTEGER PRIMARY KEY,
            user_id TEXT,
            username TEXT,
            scope TEXT NOT NULL,
            added_by TEXT,
            added_at TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1
        )""", {"id": "id", "user_id": _tg("user_id"), **_same("username", "scope"), "added_by": _tg("added_by"),
               **_same("added_at", "active")},
             ("CREATE INDEX statisticians_user ON statisticians(user_id)",
              "CREATE INDEX statisticians_username ON statisticians(username)")),
    _rebuild("ocr_pending", """CREATE TABLE new_ocr_pending (
            id INTEGER PRIMARY KEY,
            nonce TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            message_id TEXT NOT NULL,
            reply_message_id TEXT,
            sender_user_id TEXT NOT NULL,
            member_id INTEGER NOT NULL REFERENCES members(id),
            grid_id INTEGER NOT NULL REFERENCES grids(id),
            day TEXT NOT NULL,
            photo_file_id TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'table',
            result TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 1,
            status TEXT NOT NULL DEFAULT 'pending',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            decided_by TEXT,
            reoffered_at TEXT,
            UNIQUE (chat_id, message_id)
        )""", {**_same("id", "nonce"), "chat_id": _tg("chat_id"), "message_id": _text("message_id"),
               "reply_message_id": _text("reply_message_id"), "sender_user_id": _tg("sender_user_id"),
               **_same("member_id", "grid_id", "day", "photo_file_id", "kind", "result", "attempts", "status",
                       "created_at", "updated_at"),
               "decided_by": _tg("decided_by"), "reoffered_at": "reoffered_at"},
             ("CREATE INDEX ocr_pending_grid_day ON ocr_pending(grid_id, day, status)",
              "CREATE INDEX ocr_pending_reply ON ocr_pending(chat_id, reply_message_id)")),
    _rebuild("inbox", """CREATE TABLE new_inbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            update_key TEXT NOT NULL UNIQUE,
            chat_id TEXT,
            payload TEXT NOT NULL,
            received_at TEXT NOT NULL,
            done_at TEXT
        )""", {"seq": "ROW_NUMBER() OVER (ORDER BY update_id)", "update_key": _tg("update_id"),
               "chat_id": _tg("chat_id"), **_same("payload", "received_at", "done_at")},
             ("CREATE INDEX inbox_open ON inbox(done_at, seq)",)),
    _rebuild("outbox", """CREATE TABLE new_outbox (
            id INTEGER PRIMARY KEY,
            update_id TEXT,
            chat_id TEXT NOT NULL,
            reply_to TEXT,
            text TEXT NOT NULL,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            sent_message_id TEXT,
            failed_at TEXT
        )""", {"id": "id", "update_id": _tg("update_id"), "chat_id": _tg("chat_id"), "reply_to": _text("reply_to"),
               **_same("text", "created_at", "sent_at"), "sent_message_id": _text("sent_message_id"),
               "failed_at": "failed_at"},
             ("CREATE INDEX outbox_unsent ON outbox(sent_at, id)",)),
    _rebuild("chain_questions", """CREATE TABLE new_chain_questions (
            chat_id TEXT NOT NULL,
            day TEXT NOT NULL,
            line_key TEXT NOT NULL,
            asked_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, day, line_key)
        )""", {"chat_id": _tg("chat_id"), **_same("day", "line_key", "asked_at")}),
])

MIGRATIONS.append((
    8,
    "platform-qualified ids (a second chat platform beside Telegram): chat, user, message and update ids are "
    "text, the stored Telegram ones converted (tg:<id>); members' user_id and username; the inbox in arrival "
    "order (seq) under a qualified update_key",
    _QUALIFIED_IDS,
))

MIGRATIONS.append((
    9,
    "corrections from the console: the reason the statistician or leader gave, kept with the member report "
    "that stored the corrected value (its rows keep it when they go to the audit table)",
    """
    ALTER TABLE member_reports ADD COLUMN reason TEXT;
    """,
))

MIGRATIONS.append((
    10,
    "the web console: its signing secret, the sign-in links sent (single use), the sessions (by the hash of "
    "the cookie), and a version per report day that triggers bump on every change of that day's reports (the "
    "live pages ask it, one row, instead of re-reading the figures)",
    """
    CREATE TABLE web_secret (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        secret TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE web_links (
        jti TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        username TEXT,
        issued_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT
    );
    CREATE INDEX web_links_user ON web_links(user_id, issued_at);
    CREATE TABLE web_sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        username TEXT,
        created_at TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        ended_at TEXT
    );
    CREATE INDEX web_sessions_seen ON web_sessions(seen_at);
    CREATE TABLE report_versions (
        day TEXT PRIMARY KEY,
        version INTEGER NOT NULL
    );
    CREATE TRIGGER report_versions_insert AFTER INSERT ON reports BEGIN
        INSERT INTO report_versions (day, version) VALUES (NEW.day, 1)
        ON CONFLICT (day) DO UPDATE SET version = version + 1;
    END;
    CREATE TRIGGER report_versions_update AFTER UPDATE ON reports BEGIN
        INSERT INTO report_versions (day, version) VALUES (NEW.day, 1)
        ON CONFLICT (day) DO UPDATE SET version = version + 1;
    END;
    CREATE TRIGGER report_versions_delete AFTER DELETE ON reports BEGIN
        INSERT INTO report_versions (day, version) VALUES (OLD.day, 1)
        ON CONFLICT (day) DO UPDATE SET version = version + 1;
    END
    """,
))

MIGRATIONS.append((
    11,
    "a chat platform's API calls per day and kind (Feishu's free tenant has a monthly quota), and the quota "
    "notices sent (once a month each)",
    """
    CREATE TABLE api_calls (
        platform TEXT NOT NULL,
        day TEXT NOT NULL,
        kind TEXT NOT NULL,
        calls INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (platform, day, kind)
    );
    CREATE TABLE quota_notices (
        platform TEXT NOT NULL,
        month TEXT NOT NULL,
        level TEXT NOT NULL,
        sent_at TEXT NOT NULL,
        PRIMARY KEY (platform, month, level)
    )
    """,
))

MIGRATIONS.append((
    12,
    "confirming instead of guessing: what the parser read for a doubtful field, kept beside the row's "
    "uncertain keys (shown in the question, 体温36.5℃，对吗？, and stored when the member confirms it)",
    """
    ALTER TABLE reports ADD COLUMN read_values TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE report_audit ADD COLUMN read_values TEXT NOT NULL DEFAULT '{}';
    """,
))

LATEST = MIGRATIONS[-1][0]
