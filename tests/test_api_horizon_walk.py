"""Integration API: a walk never misses a row that a long transaction commits late
(README, "Integration API"; tools/commit_horizon.py).

Real sessions only: a real Odoo server in a subprocess answers the walk (its requests run in
their own transactions), while the test holds another transaction open on its own connection.
The test class keeps no transaction of its own open (BaseCase, not TransactionCase): an open
transaction holds the horizon back, the test's own included. Its data is committed and
removed again afterwards.
"""
import time
import uuid
from contextlib import closing
from datetime import datetime

import requests

import odoo
from odoo import SUPERUSER_ID, api
from odoo.addons.tech_assessment.tools.commit_horizon import START_MARGIN
from odoo.tests import BaseCase, get_db_name, tagged

from .live_server import LiveServer

PREFIX = "/api/tech_assessment/v1"


@tagged("post_install", "-at_install")
class TestWalkAcrossALongTransaction(BaseCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = odoo.registry(get_db_name())
        cls.tag = f"horizon-{uuid.uuid4().hex[:8]}"
        cls.addClassCleanup(cls._remove_committed_data)
        cls.key, cls.attempt_ids, cls.created_at = cls._committed_data()
        cls.server = LiveServer(cls.registry.db_name).start()
        cls.addClassCleanup(cls.server.stop)

    @classmethod
    def _env(cls, cr):
        return api.Environment(cr, SUPERUSER_ID, {"active_test": False})

    @classmethod
    def _committed_data(cls):
        """A recruiter with an API key, in a company of its own, and three invitations."""
        with closing(cls.registry.cursor()) as cr:
            env = cls._env(cr)
            company = env["res.company"].create({"name": cls.tag})
            user = env["res.users"].with_context(no_reset_password=True).create({
                "name": cls.tag, "login": cls.tag,
                "company_id": company.id, "company_ids": [(6, 0, company.ids)],
                "groups_id": [(6, 0, [env.ref("tech_assessment.group_assessment_user").id])],
            })
            key = env["res.users.apikeys"].with_user(user)._generate("rpc", cls.tag)
            topic = env["assessment.topic"].create({"name": cls.tag})
            question = env["assessment.question"].create({
                "name": cls.tag, "topic_id": topic.id, "company_id": False,
                "item_ids": [(0, 0, {"prompt": "Item", "option_ids": [
                    (0, 0, {"text": "Right", "is_correct": True}),
                    (0, 0, {"text": "Wrong", "is_correct": False})]})],
            })
            assessment = env["assessment.assessment"].create({
                "name": cls.tag, "company_id": False, "recording_required": "none",
                "is_published": True, "line_ids": [(0, 0, {"question_id": question.id})],
            })
            candidates = env["assessment.candidate"].create([
                {"name": f"{cls.tag} {n}", "email": f"{cls.tag}-{n}@example.com",
                 "company_id": company.id} for n in range(3)])
            attempts = env["assessment.attempt"].create([
                {"candidate_id": c.id, "assessment_id": assessment.id, "company_id": company.id}
                for c in candidates])
            created_at = cr.now()
            cr.commit()  # pylint: disable=invalid-commit
            return key, attempts.ids, created_at

    @classmethod
    def _remove_committed_data(cls):
        with closing(cls.registry.cursor()) as cr:
            env = cls._env(cr)
            company = env["res.company"].search([("name", "=", cls.tag)])
            attempts = env["assessment.attempt"].search([("company_id", "in", company.ids)])
            candidates = attempts.candidate_id
            assessments = attempts.assessment_id
            questions = assessments.line_ids.question_id
            env["mail.mail"].search([("model", "=", "assessment.attempt"),
                                     ("res_id", "in", attempts.ids)]).unlink()
            attempts.unlink()
            partners = candidates.partner_id
            candidates.unlink()
            partners.unlink()
            assessments.unlink()
            topics = questions.topic_id
            questions.unlink()
            topics.unlink()
            users = env["res.users"].search([("login", "=", cls.tag)])
            env["res.users.apikeys"].search([("user_id", "in", users.ids)]).unlink()
            user_partners = users.partner_id
            users.unlink()
            user_partners.unlink()
            company.unlink()
            cr.commit()  # pylint: disable=invalid-commit

    def _walk(self, cursor=None):
        """Pages of 1 row until has_more is false. Returns (rows, last page)."""
        rows = []
        while True:
            params = {"limit": 1, "updated_since": self.created_at.isoformat() + "Z"}
            if cursor:
                params["cursor"] = cursor
            response = requests.get(f"{self.server.url}{PREFIX}/attempts", params=params,
                                    headers={"Authorization": f"Bearer {self.key}"}, timeout=30)
            self.assertEqual(response.status_code, 200, response.text)
            page = response.json()
            rows += [(item["id"], item["updated_at"]) for item in page["items"]]
            cursor = page["next_cursor"]
            if not page["has_more"]:
                return rows, page

    @staticmethod
    def _stamp(when):
        return when.isoformat() + "Z"

    @staticmethod
    def _wait_until_older_than_the_margin(when):
        time.sleep(max(0, (when + START_MARGIN - datetime.utcnow()).total_seconds()) + 0.2)

    def test_a_row_committed_late_with_an_old_stamp_arrives_exactly_once(self):
        first, second, third = self.attempt_ids
        self._wait_until_older_than_the_margin(self.created_at)
        # X: a long transaction (as the expiry cron or a regrade is) stamps `first` and stays
        # open. Odoo stamps the row with X's start, not with its commit.
        with closing(self.registry.cursor()) as cr_x:
            env_x = self._env(cr_x)
            env_x["assessment.attempt"].browse(first).write({"expires_at": datetime(2031, 1, 1)})
            env_x.flush_all()
            x_stamp = cr_x.now()
            # Y: a short transaction changes `second` after X began, and commits.
            with closing(self.registry.cursor()) as cr_y:
                env_y = self._env(cr_y)
                env_y["assessment.attempt"].browse(second).write(
                    {"expires_at": datetime(2031, 1, 2)})
                y_stamp = cr_y.now()
                cr_y.commit()  # pylint: disable=invalid-commit
            self.assertLess(x_stamp, y_stamp)
            # Past Y's stamp by more than the start margin: only X holds the horizon back. A
            # walk by write_date alone would now serve `second` (Y) and pass X's stamp for good.
            self._wait_until_older_than_the_margin(y_stamp)

            during, last_page = self._walk()
            as_of = datetime.fromisoformat(last_page["as_of"].removesuffix("Z"))
            self.assertEqual(as_of, x_stamp - START_MARGIN, "the horizon is X's start")
            self.assertEqual(sorted(during), sorted([
                (first, self._stamp(self.created_at)),  # its committed version, before X
                (third, self._stamp(self.created_at)),
            ]), "Y's row waits behind the horizon; X's change is not committed")
            cursor = last_page["next_cursor"]
            self.assertTrue(cursor)
            again, _page = self._walk(cursor)
            self.assertEqual(again, [], "nothing new while X is open")
            cr_x.commit()  # pylint: disable=invalid-commit

        # X committed: from the saved cursor, X's row (stamped before Y's) and Y's row
        # arrive, in (updated_at, id) order, each exactly once.
        after, last_page = self._walk(cursor)
        self.assertEqual(after, [(first, self._stamp(x_stamp)), (second, self._stamp(y_stamp))])
        self.assertGreater(datetime.fromisoformat(last_page["as_of"].removesuffix("Z")), y_stamp)
        final, _page = self._walk(last_page["next_cursor"])
        self.assertEqual(final, [])
        # The whole walk: every row ends with its current stamp, no row in between is lost.
        seen = dict(during + after)
        with closing(self.registry.cursor()) as cr:
            current = {a.id: self._stamp(a.write_date)
                       for a in self._env(cr)["assessment.attempt"].browse(self.attempt_ids)}
        self.assertEqual(seen, current)
        self.assertEqual(len(seen), len(during + after) - 1, "only `first` came twice")
