"""The commit horizon of the database: a time before which no row stamp can still appear.

Odoo stamps ``write_date`` with ``cr.now()``, PostgreSQL's ``now()``: the start of the writing
transaction, not its commit. A transaction that started at 10:00:00 and commits at 10:00:12
makes rows stamped 10:00:00 appear at 10:00:12. A reader that served every row up to 10:00:05
in the meantime has passed them for good. The horizon is the earliest time such a row can
still carry:

- the start of the oldest transaction still open on this database, as PostgreSQL publishes it
  in ``pg_stat_activity.xact_start`` (the same value as that transaction's ``now()``; a
  session's own role sees it for all of its sessions: every Odoo worker of one database);
- else the time of the reading statement: a transaction that starts later stamps later.

Why that is exact, given that the rows are then read by a transaction whose snapshot is taken
**after** the horizon was read (``read_horizon`` then a new transaction; see the caller):
a transaction stamping t < horizon was not open when ``pg_stat_activity`` was read, so it had
ended; PostgreSQL makes a commit visible (``ProcArrayEndTransaction``) before it clears the
session's ``xact_start``; the snapshot taken afterwards therefore holds its rows.

Two windows are covered by margins rather than known exactly:

- PostgreSQL fixes a transaction's timestamp when its first statement arrives, and publishes
  it a few microseconds later, when the transaction starts: ``START_MARGIN`` (1 s) below the
  horizon covers that window, also for a server descheduled in between;
- a session of another database role that Odoo's role may not inspect (its ``state`` reads
  NULL without the ``pg_read_all_stats`` role), or a session with ``track_activities`` off:
  its transactions cannot be known, and the horizon is then held ``SETTLE_DELAY`` (300 s)
  behind the reading statement, a bounded settle delay.
"""
from datetime import timedelta

START_MARGIN = timedelta(seconds=1)
SETTLE_DELAY = timedelta(seconds=300)

# pg_stat_clear_snapshot(): PostgreSQL reads pg_stat_activity once per transaction and keeps
# that copy until the transaction ends; a long transaction (a test's) would see an old one.
# Sessions: client backends of this database but this one; a session whose state is NULL but
# whose role is known is one of another role that this role may not inspect (background
# processes have no role).
_HORIZON_QUERY = """
SELECT pg_stat_clear_snapshot();
SELECT statement_timestamp() AT TIME ZONE 'UTC',
       min(COALESCE(xact_start, CASE WHEN state = 'active' THEN query_start END))
           AT TIME ZONE 'UTC',
       COALESCE(bool_or(state = 'disabled' OR (state IS NULL AND usesysid IS NOT NULL)), false)
  FROM pg_stat_activity
 WHERE datid = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND pid <> pg_backend_pid()
   AND (backend_type = 'client backend' OR backend_type IS NULL)
"""


def read_horizon(cr):
    """The commit horizon (naive UTC, like ``write_date``), in one query on ``cr``.

    Rows stamped before it are all committed (or rolled back) and visible to a transaction
    that starts after this call; rows stamped at or after it may still be on their way.
    Read it **before** the snapshot that reads the rows: a transaction whose snapshot is
    older may miss rows stamped before the horizon.
    """
    cr.execute(_HORIZON_QUERY)
    statement_time, oldest_open, unknown_sessions = cr.fetchone()
    horizon = min(statement_time, oldest_open or statement_time)
    if unknown_sessions:
        horizon = min(horizon, statement_time - SETTLE_DELAY)
    return horizon - START_MARGIN
