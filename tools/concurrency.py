"""Concurrent requests: make the loser of a race replay with a fresh snapshot.

Odoo runs each request in a REPEATABLE READ transaction and replays the whole request when
PostgreSQL reports a serialization failure (`odoo.service.model.retrying`). A unique
violation between two concurrent inserts is *not* replayed by Odoo (it becomes a
ValidationError), and the loser cannot see the winner's row in its own snapshot: turning
that violation into a serialization failure gives the loser a replay that sees the row.
"""
from contextlib import contextmanager

from psycopg2.errors import UniqueViolation

from odoo.tools import SQL, mute_logger


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
    try:
        with cr.savepoint(), mute_logger("odoo.sql_db"):
            yield
    except UniqueViolation as exc:
        if exc.diag.constraint_name not in constraints:
            raise
        replay_transaction(cr, f"concurrent insert into {exc.diag.constraint_name}")
