"""The commit horizon (tools/commit_horizon.py) against real PostgreSQL sessions: another
connection's open transaction holds it back to that transaction's start, its end releases it,
and a session that this role may not inspect makes it fall back to the settle delay."""
from contextlib import closing
from datetime import timedelta

from odoo.addons.tech_assessment.tools.commit_horizon import (
    SETTLE_DELAY,
    START_MARGIN,
    read_horizon,
)
from odoo.sql_db import db_connect
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestCommitHorizon(TransactionCase):
    def _other_connection(self):
        """A real second session on the test database (not the test's cursor)."""
        return closing(db_connect(self.cr.dbname).cursor())

    def _statement_time(self):
        self.cr.execute("SELECT statement_timestamp() AT TIME ZONE 'UTC'")
        return self.cr.fetchone()[0]

    def _sessions(self):
        """What pg_stat_activity shows, for the failure messages."""
        self.cr.execute("SELECT pid, state, xact_start, left(query, 60) FROM pg_stat_activity"
                        " WHERE datname = current_database()")
        return self.cr.fetchall()

    def test_an_open_transaction_holds_the_horizon_at_its_start(self):
        with self._other_connection() as other:
            other.execute("SELECT now() AT TIME ZONE 'UTC'")  # begins its transaction
            opened_at = other.fetchone()[0]
            self.assertEqual(other.now(), opened_at, "Odoo stamps rows with this time")
            self.assertEqual(read_horizon(self.cr), opened_at - START_MARGIN, self._sessions())
            other.rollback()
            # Ended: the horizon is the time of the reading statement, less the margin.
            before = self._statement_time()
            horizon = read_horizon(self.cr)
            after = self._statement_time()
            self.assertTrue(before - START_MARGIN <= horizon <= after - START_MARGIN,
                            (before, horizon, after, self._sessions()))
            self.assertGreater(horizon, opened_at - START_MARGIN)

    def test_an_idle_session_does_not_hold_it(self):
        with self._other_connection() as other:
            other.execute("SELECT 1")
            other.commit()  # idle, not in a transaction
            before = self._statement_time()
            self.assertGreaterEqual(read_horizon(self.cr), before - START_MARGIN,
                                    self._sessions())

    def test_a_session_this_role_cannot_inspect_falls_back_to_the_settle_delay(self):
        self.cr.execute("SELECT rolsuper OR rolcreaterole FROM pg_roles"
                        " WHERE rolname = current_user")
        if not self.cr.fetchone()[0]:
            self.skipTest("the database role of the tests cannot create a role")
        # A role without pg_read_all_stats sees the other sessions of the test's role with
        # their state and times hidden (NULL). The role is created in the test's transaction
        # and rolled back with it.
        self.cr.execute("CREATE ROLE ta_horizon_probe NOLOGIN")
        with self._other_connection() as other:
            other.execute("SELECT 1")
            other.commit()
            before = self._statement_time()
            self.cr.execute("SET ROLE ta_horizon_probe")
            try:
                horizon = read_horizon(self.cr)
            finally:
                self.cr.execute("RESET ROLE")
            after = self._statement_time()
        self.assertTrue(before - SETTLE_DELAY - START_MARGIN <= horizon
                        <= after - SETTLE_DELAY - START_MARGIN, (before, horizon, after))
        self.assertGreater(SETTLE_DELAY, timedelta(minutes=1))
