"""Every handler survives Odoo's replay: real concurrent requests against a real server.

Each test commits its own data (removed afterwards), fires requests from threads released
together by a barrier at a server of its own (tests/live_server.py), then checks: every
client got a 2xx (or a deliberate 4xx), every acknowledged write is stored, exactly one row
where one is due, and the server logged no error. The server log tells how many requests
PostgreSQL's serialization failures made Odoo replay: the tests that make rows conflict
assert that replays really happened, so the replay path itself is what passes.
"""
import hashlib
import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

import requests

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged

from .live_server import LiveServer

REQUEST_TIMEOUT = 120


def _webm(size, seed=0):
    body = hashlib.sha256(str(seed).encode()).digest() * (size // 32 + 1)
    return (b"\x1a\x45\xdf\xa3" + body)[:size]


def _race(count, func):
    """Run func(i) for i in range(count) in threads released together; their results."""
    barrier = threading.Barrier(count)

    def run(index):
        barrier.wait(30)
        return func(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


@tagged("post_install", "-at_install")
class TestConcurrentRequests(TransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tag = uuid.uuid4().hex[:8]
        cls.server = LiveServer(cls.env.cr.dbname).start()
        cls.addClassCleanup(cls.server.stop)
        cls.addClassCleanup(cls._remove_committed_data)

    @classmethod
    def _committed_env(cls):
        return closing(cls.registry.cursor())

    @classmethod
    def _remove_committed_data(cls):
        with cls._committed_env() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"active_test": False})
            attempts = env["assessment.attempt"].search([("name", "like", cls.tag)])
            candidates = attempts.candidate_id | env["assessment.candidate"].search(
                [("provider", "=", f"race-{cls.tag}")])
            assessments = attempts.assessment_id
            questions = assessments.line_ids.question_id
            env["mail.mail"].search([("model", "=", "assessment.attempt"),
                                     ("res_id", "in", attempts.ids)]).unlink()
            env["assessment.recording"].search([("attempt_id", "in", attempts.ids)])._drop_chunk_files()
            attempts.unlink()
            partners = candidates.partner_id
            candidates.unlink()
            partners.unlink()
            assessments.unlink()
            env["res.users.apikeys"].search([("name", "like", cls.tag)]).unlink()
            topics = questions.topic_id
            questions.unlink()
            topics.unlink()
            cr.commit()  # pylint: disable=invalid-commit

    def _make_attempt(self, items=18, recording="none", start=False):
        """A published assessment of `items` items, a candidate, an invitation (committed).
        Returns (attempt id, token, {item id: [option ids]})."""
        name = f"Race {self.tag} {uuid.uuid4().hex[:6]}"
        with self._committed_env() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            topic = env["assessment.topic"].create({"name": name})
            question = env["assessment.question"].create({
                "name": name, "topic_id": topic.id, "company_id": False,
                "item_ids": [(0, 0, {
                    "prompt": f"Item {n}", "sequence": n,
                    "option_ids": [(0, 0, {"text": f"Option {k}", "is_correct": k == 1,
                                           "sequence": k}) for k in range(1, 5)],
                }) for n in range(1, items + 1)],
            })
            assessment = env["assessment.assessment"].create({
                "name": name, "company_id": False, "time_limit": 30,
                "recording_required": recording, "is_published": True,
                "line_ids": [(0, 0, {"question_id": question.id})],
            })
            candidate = env["assessment.candidate"].create(
                {"name": f"Racer {self.tag}", "email": f"racer-{self.tag}@example.com"})
            attempt = env["assessment.attempt"].create(
                {"candidate_id": candidate.id, "assessment_id": assessment.id})
            attempt._portal_ensure_token()
            if start:
                if recording != "none":
                    attempt._give_consent(ip="127.0.0.1", user_agent="test",
                                          consent_hash=attempt._consent_text_hash())
                attempt._start()
            options = {item.id: item.option_ids.ids for item in question.item_ids}
            result = (attempt.id, attempt.access_token, options)
            cr.commit()  # pylint: disable=invalid-commit
        return result

    def _read(self, func):
        with self._committed_env() as cr:
            return func(api.Environment(cr, SUPERUSER_ID, {"active_test": False}))

    def _post_json(self, attempt_id, token, route, body):
        return requests.post(f"{self.server.url}/my/assessments/{attempt_id}/{route}", json=body,
                             headers={"X-Access-Token": token}, timeout=REQUEST_TIMEOUT)

    def setUp(self):
        super().setUp()
        self.log_start = self.server.log_size()

    def _explain(self, responses):
        """What the clients got, and what the server logged meanwhile (for a failure)."""
        return [r.text[:300] for r in responses] + self.server.errors(since=self.log_start)

    def assertNoServerErrors(self):
        self.assertEqual(self.server.errors(since=self.log_start), [],
                         "the server logged errors")

    # ------------------------------------------------------------------ autosave
    def test_autosave_different_items_at_once(self):
        attempt_id, token, options = self._make_attempt(items=18, start=True)
        items = list(options)
        chosen = {item: options[item][index % 4] for index, item in enumerate(items)}
        # 19 saves at once: every item, and the first one a second time (same choice)
        saves = [*items, items[0]]
        responses = _race(len(saves), lambda i: self._post_json(
            attempt_id, token, "answer", {"item_id": saves[i], "option_id": chosen[saves[i]]}))
        self.assertEqual([r.status_code for r in responses], [200] * len(saves),
                         [r.text for r in responses if r.status_code != 200])
        stored = self._read(lambda env: {
            answer.item_id.id: answer.option_id.id
            for answer in env["assessment.attempt"].browse(attempt_id).answer_ids})
        self.assertEqual(stored, chosen, "every acknowledged answer is stored")
        self.assertEqual(self._read(lambda env: env["assessment.attempt"].browse(
            attempt_id).answered_count), 18, "the stored progress counts them all")
        self.assertGreater(self.server.replay_count(since=self.log_start), 0,
                           "the saves conflicted on the attempt row and were replayed")
        self.assertNoServerErrors()

    def test_autosave_same_item_from_two_clients(self):
        attempt_id, token, options = self._make_attempt(items=2, start=True)
        item = next(iter(options))
        for round_ in range(3):
            sent = [options[item][(round_ + i) % 4] for i in range(2)]
            responses = _race(2, lambda i, sent=sent: self._post_json(
                attempt_id, token, "answer", {"item_id": item, "option_id": sent[i]}))
            self.assertEqual([r.status_code for r in responses], [200, 200],
                             self._explain(responses))
            stored = self._read(lambda env: env["assessment.answer"].search(
                [("attempt_id", "=", attempt_id), ("item_id", "=", item)]).option_id.id)
            self.assertIn(stored, sent, "one of the two acknowledged choices is stored")
        self.assertNoServerErrors()

    # ------------------------------------------------------------------ start and submit
    def _candidate_session(self, attempt_id, token):
        """A browser session of the candidate: the link opened, the landing page's form."""
        session = requests.Session()
        landing = session.get(f"{self.server.url}/my/assessments/{attempt_id}",
                              params={"access_token": token}, timeout=REQUEST_TIMEOUT)
        self.assertEqual(landing.status_code, 200)
        fields = dict(re.findall(r'name="(csrf_token|consent_hash)" value="([^"]*)"', landing.text))
        return session, fields

    def test_start_six_times_at_once(self):
        attempt_id, token, options = self._make_attempt(items=3, recording="webcam")
        session, fields = self._candidate_session(attempt_id, token)
        responses = _race(6, lambda i: session.post(
            f"{self.server.url}/my/assessments/{attempt_id}/start",
            data=dict(fields, consent="1"), allow_redirects=False, timeout=REQUEST_TIMEOUT))
        self.assertEqual({r.status_code for r in responses}, {303},
                         self._explain(responses))
        self.assertTrue(all(r.headers["Location"].endswith(f"/my/assessments/{attempt_id}/test")
                            for r in responses))
        state = self._read(lambda env: (
            env["assessment.attempt"].browse(attempt_id).state,
            len(env["assessment.answer"].search([("attempt_id", "=", attempt_id)])),
            env["assessment.event"].search_count([("attempt_id", "=", attempt_id),
                                                  ("kind", "=", "start")]),
            env["assessment.event"].search_count([("attempt_id", "=", attempt_id),
                                                  ("kind", "=", "consent")]),
        ))
        self.assertEqual(state, ("in_progress", 3, 1, 1),
                         "one start: one set of answer lines, one start and one consent event")
        self.assertGreater(self.server.replay_count(since=self.log_start), 0)
        self.assertNoServerErrors()

    def test_submit_five_times_at_once(self):
        attempt_id, token, options = self._make_attempt(items=2, start=True)
        responses = _race(5, lambda i: self._post_json(attempt_id, token, "submit", {}))
        self.assertEqual([r.status_code for r in responses], [200] * 5, self._explain(responses))
        self.assertEqual({r.json()["state"] for r in responses}, {"submitted"})
        events = self._read(lambda env: env["assessment.event"].search_count(
            [("attempt_id", "=", attempt_id), ("kind", "=", "submit")]))
        self.assertEqual(events, 1)
        self.assertNoServerErrors()

    # ------------------------------------------------------------------ recording chunks
    def _chunk_poster(self, attempt_id, token):
        session, _fields = self._candidate_session(attempt_id, token)
        page = session.get(f"{self.server.url}/my/assessments/{attempt_id}/test",
                           timeout=REQUEST_TIMEOUT)
        csrf = re.search(r'data-ta-csrf="([^"]+)"', page.text).group(1)

        def post(seq, data, segment=1):
            return session.post(
                f"{self.server.url}/my/assessments/{attempt_id}/recording/webcam/{seq}",
                params={"sha256": hashlib.sha256(data).hexdigest(), "segment": str(segment)},
                data=data, headers={"X-Access-Token": token, "X-CSRF-Token": csrf,
                                    "Content-Type": "video/webm"}, timeout=REQUEST_TIMEOUT)
        return post

    def _chunk_rows(self, attempt_id):
        return self._read(lambda env: sorted(
            (chunk.sequence, chunk.recording_id.segment, chunk.size, bool(chunk.store_key))
            for chunk in env["assessment.recording.chunk"].search(
                [("attempt_id", "=", attempt_id)])))

    def test_same_chunk_four_times_at_once(self):
        attempt_id, token, _options = self._make_attempt(items=1, recording="webcam", start=True)
        post = self._chunk_poster(attempt_id, token)
        data = _webm(300_000, seed=1)
        responses = _race(4, lambda i: post(0, data))
        self.assertEqual([r.status_code for r in responses], [200] * 4, self._explain(responses))
        self.assertEqual(sorted(r.json()["stored"] for r in responses), [False, False, False, True],
                         "stored once, the others answered as idempotent replays")
        self.assertEqual(self._chunk_rows(attempt_id), [(0, 1, len(data), True)])
        self.assertNoServerErrors()

    def test_two_chunks_open_a_segment_at_once(self):
        attempt_id, token, _options = self._make_attempt(items=1, recording="webcam", start=True)
        post = self._chunk_poster(attempt_id, token)
        chunks = [_webm(200_000, seed=seq) for seq in range(4)]
        responses = _race(4, lambda i: post(i, chunks[i], segment=2))
        self.assertEqual([r.status_code for r in responses], [200] * 4, self._explain(responses))
        self.assertEqual(self._chunk_rows(attempt_id),
                         [(seq, 2, len(chunks[seq]), True) for seq in range(4)],
                         "every chunk stored, in the one recording of segment 2")
        recordings = self._read(lambda env: [
            (r.segment, r.chunk_count, r.total_bytes) for r in env["assessment.recording"].search(
                [("attempt_id", "=", attempt_id)])])
        self.assertEqual(recordings, [(2, 4, sum(map(len, chunks)))])
        self.assertGreater(self.server.replay_count(since=self.log_start), 0)
        self.assertNoServerErrors()

    # ------------------------------------------------------------------ API
    def test_api_put_of_one_candidate_at_once(self):
        with self._committed_env() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            admin = env.ref("base.user_admin")
            key = env["res.users.apikeys"].with_user(admin)._generate(None, f"race {self.tag}")
            cr.commit()  # pylint: disable=invalid-commit
        provider = f"race-{self.tag}"
        responses = _race(4, lambda i: requests.put(
            f"{self.server.url}/api/tech_assessment/v1/candidates/{provider}/X-1",
            json={"name": f"Racer {self.tag} {i}", "email": f"race-{self.tag}@example.com"},
            headers={"Authorization": f"Bearer {key}"}, timeout=REQUEST_TIMEOUT))
        self.assertEqual(sorted(r.status_code for r in responses), [200, 200, 200, 201],
                         self._explain(responses))
        self.assertEqual(len({r.json()["candidate"]["id"] for r in responses}), 1)
        count = self._read(lambda env: env["assessment.candidate"].search_count(
            [("provider", "=", provider)]))
        self.assertEqual(count, 1, "one candidate for one external id")
        self.assertNoServerErrors()
