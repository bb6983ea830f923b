"""Integration API: two real transactions upsert one candidate at once (the model)."""
import threading
import time
import uuid
from contextlib import closing

from odoo import SUPERUSER_ID, api
from odoo.service.model import retrying
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestApiConcurrentUpserts(TransactionCase):
    """Two real transactions upsert the same key at the same time (committed data: it is
    removed again afterwards). Transaction A writes first and commits while B waits on it;
    B, wrapped like every request in ``odoo.service.model.retrying``, fails with a
    serialization failure, is replayed on a fresh snapshot and updates A's row."""

    def setUp(self):
        super().setUp()
        self.admin_id = self.env.ref("base.user_admin").id
        self.company_id = self.env.ref("base.main_company").id
        self.provider = f"race-{uuid.uuid4().hex[:10]}"
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with closing(self.registry.cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"active_test": False})
            candidates = env["assessment.candidate"].search([("provider", "=", self.provider)])
            partners = candidates.partner_id
            attempts = candidates.attempt_ids
            env["mail.mail"].search([("model", "=", "assessment.attempt"),
                                     ("res_id", "in", attempts.ids)]).unlink()
            attempts.unlink()
            candidates.unlink()
            partners.unlink()
            assessments = env["assessment.assessment"].search([("name", "=", self.provider)])
            questions = assessments.line_ids.question_id
            topics = questions.topic_id
            assessments.unlink()
            questions.unlink()
            topics.unlink()
            cr.commit()  # pylint: disable=invalid-commit

    def _upsert(self, env, name, assessment_id=None):
        Candidate = env["assessment.candidate"]
        company = env["res.company"].browse(self.company_id)
        assessment = env["assessment.assessment"].browse(assessment_id) if assessment_id else None
        candidate, created, attempt, attempt_created = Candidate._api_upsert(
            company, self.provider, "X-1", {"name": name, "email": "race@example.com"},
            assessment)
        return candidate.id, created, attempt.id if attempt else None, attempt_created

    def _race(self, assessment_id=None):
        """A upserts, B upserts and blocks on A, A commits, B is replayed. Returns both."""
        results, errors, b_pid, b_runs = {}, [], [], []
        b_started = threading.Event()

        def run_b(env_b):
            b_runs.append(1)
            return self._upsert(env_b, "Name from B", assessment_id)

        def transaction_b():
            thread = threading.current_thread()
            thread.testing, thread.dbname = True, self.env.cr.dbname
            try:
                with closing(self.registry.cursor()) as cr_b:
                    b_pid.append(cr_b._cnx.get_backend_pid())
                    b_started.set()
                    env_b = api.Environment(cr_b, self.admin_id, {})
                    with mute_logger("odoo.service.model"):
                        results["b"] = retrying(lambda: run_b(env_b), env_b)
            except Exception as exc:  # reported by the main thread
                errors.append(exc)
            finally:
                b_started.set()

        with closing(self.registry.cursor()) as cr_a:
            env_a = api.Environment(cr_a, self.admin_id, {})
            results["a"] = self._upsert(env_a, "Name from A", assessment_id)
            env_a.flush_all()
            thread_b = threading.Thread(target=transaction_b)
            thread_b.start()
            try:
                self.assertTrue(b_started.wait(10))
                self.assertFalse(errors, errors)
                a_pid = cr_a._cnx.get_backend_pid()
                deadline = time.time() + 20
                while True:  # until B waits for A's lock
                    cr_a.execute("SELECT %s = ANY(pg_blocking_pids(%s))", [a_pid, b_pid[0]])
                    if cr_a.fetchone()[0]:
                        break
                    self.assertLess(time.time(), deadline, "B never waited for A")
                    time.sleep(0.05)
                cr_a.commit()
            finally:
                cr_a.rollback()  # releases B if the test failed before the commit
                thread_b.join(60)
        self.assertFalse(thread_b.is_alive())
        self.assertFalse(errors, errors)
        self.assertEqual(len(b_runs), 2, "B failed once, then was replayed")
        return results["a"], results["b"]

    def _rows(self):
        with closing(self.registry.cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"active_test": False})
            candidates = env["assessment.candidate"].search([("provider", "=", self.provider)])
            return [(c.id, c.name, sorted(c.attempt_ids.mapped(lambda a: (a.id, a.state))))
                    for c in candidates]

    def test_concurrent_creates_make_one_candidate(self):
        (a_id, a_created, _, _), (b_id, b_created, _, _) = self._race()
        self.assertTrue(a_created)
        self.assertFalse(b_created, "B was replayed and found A's candidate")
        self.assertEqual(a_id, b_id)
        self.assertEqual(self._rows(), [(a_id, "Name from B", [])])

    def _committed_assessment(self):
        """A published assessment of one item, committed (removed again by _cleanup)."""
        with closing(self.registry.cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            topic = env["assessment.topic"].create({"name": self.provider})
            question = env["assessment.question"].create({
                "name": self.provider, "topic_id": topic.id, "company_id": False,
                "item_ids": [(0, 0, {"prompt": "Item", "option_ids": [
                    (0, 0, {"text": "Right", "is_correct": True}),
                    (0, 0, {"text": "Wrong", "is_correct": False})]})],
            })
            assessment = env["assessment.assessment"].create({
                "name": self.provider, "company_id": False, "is_published": True,
                "line_ids": [(0, 0, {"question_id": question.id})],
            })
            cr.commit()  # pylint: disable=invalid-commit
            return assessment.id

    def test_concurrent_invitations_make_one_attempt(self):
        assessment_id = self._committed_assessment()
        with closing(self.registry.cursor()) as cr:  # the candidate exists, committed
            self._upsert(api.Environment(cr, self.admin_id, {}), "Existing")
            cr.commit()  # pylint: disable=invalid-commit
        a, b = self._race(assessment_id)
        self.assertFalse(a[1] or b[1], "the candidate existed")
        self.assertTrue(a[3])
        self.assertFalse(b[3], "B reused A's invitation")
        self.assertEqual(a[2], b[2])
        self.assertEqual(self._rows(), [(a[0], "Name from B", [(a[2], "invited")])])
