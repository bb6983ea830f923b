"""Concurrent requests: make the loser of a race replay with a fresh snapshot.

Odoo runs each request in a REPEATABLE READ transaction and replays the whole request when
PostgreSQL reports a serialization failure (`odoo.service.model.retrying`). A unique
violation between two concurrent inserts is *not* replayed by Odoo (it becomes a
ValidationError), and the loser cannot see the winner's row in its own snapshot: turning
that violation into a serialization failure gives the loser a replay that sees the row.
"""
import logging
import threading
from contextlib import contextmanager

from psycopg2.errors import UniqueViolation

from odoo.tools import SQL

_expecting_conflict = threading.local()


class _ExpectedConflicts(logging.Filter):
    """Drops `odoo.sql_db`'s "bad query" error for the insert that lost an expected race, in
    the thread that expects it only (`mute_logger` swaps the logger's handlers for every
    thread of a threaded server, and can leave them swapped when two threads overlap)."""

    def filter(self, record):
        return not getattr(_expecting_conflict, "active", False)


logging.getLogger("odoo.sql_db").addFilter(_ExpectedConflicts())


def replay_transaction(cr, reason):
    """Raise PostgreSQL's serialization failure (SQLSTATE 40001): Odoo's request and cron
    wrappers roll the transaction back and run it again."""
    message = f"tech_assessment: {reason}, retry".replace("'", " ")
    cr.execute(SQL(
        "DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = 'serialization_failure', "
        "MESSAGE = %s; END $$", message,
    ), log_exceptions=False)


@contextmanager
def replay_on_unique_violation(cr, *constraints):
    """Run the block in a savepoint; a violation of one of the unique `constraints` (their
    PostgreSQL names) by a concurrent transaction replays the request instead."""
    _expecting_conflict.active = True
    try:
        with cr.savepoint():
            yield
    except UniqueViolation as exc:
        if exc.diag.constraint_name not in constraints:
            raise
        _expecting_conflict.active = False
        replay_transaction(cr, f"concurrent insert into {exc.diag.constraint_name}")
    finally:
        _expecting_conflict.active = False
