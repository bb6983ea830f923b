"""Integration API: cursor pages (walks while rows change, tampered cursors, indexes,
queries per page)."""
import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta

from odoo.addons.tech_assessment.controllers import api_common as api_module
from odoo.tests import tagged

from .api_case import T0, ApiCaseMixin, b64url
from .common import TechAssessmentHttpCase


@tagged("post_install", "-at_install")
class TestApiPages(ApiCaseMixin, TechAssessmentHttpCase):
    # ------------------------------------------------------------------
    # Cursor pages (seed Q1)
    # ------------------------------------------------------------------
    def test_walk_while_rows_change(self):
        """Walk 10 attempts by pages of 3 while rows change between pages.

        What is asserted, in (write_date, id) order:
        - rows of one timestamp come by id, also across a page break (a1..a6 share T0);
        - microseconds count (a7, a8 are 1 µs after T0);
        - a row updated before the walk reaches it comes once, at its new place (a5, a8);
        - a row updated after the walk passed it comes again at its new place (a2, a4),
          though its id is lower than the cursor's (seed Q1, line B);
        - otherwise no row is skipped or repeated: the keys (updated_at, id) of the walk
          strictly increase, and every row comes last with its current updated_at;
        - has_more is true exactly until the last page; a poll from the last cursor finds
          nothing, until a row changes again.
        """
        cands = self._candidates([f"W{n}" for n in range(1, 11)], self.company_b)
        with self._at(T0):
            batch = self._attempts(cands[:6])
        with self._at(T0 + timedelta(microseconds=1)):
            batch |= self._attempts(cands[6:8])
        with self._at(T0 + timedelta(seconds=1)):
            batch |= self._attempts(cands[8:])
        a = dict(enumerate(batch.sorted("id"), start=1))
        self.assertEqual(a[6].write_date, T0)

        walk, pages = [], []

        def page(cursor=None):
            data = self._walk_page(self.key_b, "attempts", cursor, limit=3)
            pages.append(data)
            walk.extend((item["updated_at"], item["id"]) for item in data["items"])
            return data["next_cursor"]

        cursor = page()
        with self._at(T0 + timedelta(seconds=2)):
            (a[2] | a[5] | a[8]).write({"expires_at": datetime(2031, 2, 1)})
        cursor = page(cursor)
        with self._at(T0 + timedelta(seconds=3)):
            a[4].write({"expires_at": datetime(2031, 2, 2)})
        cursor = page(cursor)
        cursor = page(cursor)

        ids = [record_id for _date, record_id in walk]
        expected = [a[n].id for n in (1, 2, 3, 4, 6, 7, 9, 10, 2, 5, 8, 4)]
        self.assertEqual(ids, expected)
        self.assertEqual([p["has_more"] for p in pages], [True, True, True, False])
        self.assertEqual(walk, sorted(set(walk)), "keys strictly increase")
        self.env.invalidate_all()
        last_seen = dict((record_id, date) for date, record_id in walk)
        self.assertEqual(last_seen, {r.id: r.write_date.isoformat() + "Z" for r in batch})
        self.assertEqual(walk[5], ((T0 + timedelta(microseconds=1)).isoformat() + "Z", a[7].id))

        poll = self._walk_page(self.key_b, "attempts", cursor, limit=3)
        self.assertEqual((poll["items"], poll["has_more"], poll["next_cursor"]),
                         ([], False, cursor))
        with self._at(T0 + timedelta(seconds=4)):
            a[1].write({"expires_at": datetime(2031, 2, 3)})
        poll = self._walk_page(self.key_b, "attempts", cursor, limit=3)
        self.assertEqual([item["id"] for item in poll["items"]], [a[1].id])
        self.assertFalse(poll["has_more"])

    def test_page_content(self):
        with self._at(T0):
            self.env["assessment.candidate"].create({
                "name": "Linus", "email": "linus@example.com", "company_id": self.company_b.id,
                "provider": "ats", "external_id": "a/b c",
            })
            candidate = self.env["assessment.candidate"].search([("external_id", "=", "a/b c")])
            attempt = self._attempts(candidate)
        page = self._get("/attempts", self.key_b, limit=200).json()
        item = next(i for i in page["items"] if i["id"] == attempt.id)
        self.assertEqual(item["state"], "invited")
        self.assertEqual(item["candidate"]["external_id"], "a/b c")
        self.assertTrue(item["links"]["candidate"].endswith("/candidates/ats/a%2Fb%20c"))
        self.assertTrue(item["links"]["backend"].endswith(
            f"/web#id={attempt.id}&model=assessment.attempt&view_type=form"))
        for field in ("score", "max_score", "percent", "passed", "invited_at", "expires_at",
                      "started_at", "submitted_at", "deadline", "updated_at", "created_at"):
            self.assertIn(field, item)
        page = self._get("/candidates", self.key_b, limit=200).json()
        item = next(i for i in page["items"] if i["id"] == candidate.id)
        self.assertEqual((item["name"], item["attempt_count"], item["active"]),
                         ("Linus", 1, True))

    def test_rows_stamped_after_the_horizon_wait(self):
        """Rows stamped at or after the commit horizon (here: an hour ahead, as a transaction
        still running would stamp them relative to a walk) are not served yet; the walk ends
        before them and says how far it got (`as_of`)."""
        candidates = self._candidates(["Early", "Late"], self.company_b)
        ahead = datetime.utcnow() + timedelta(hours=1)
        with self._at(T0):
            early = self._attempts(candidates[0])
            candidates[0].write({"phone": "1"})
        with self._at(ahead):
            self._attempts(candidates[1])
            candidates[1].write({"phone": "2"})
        for kind, record in (("attempts", early), ("candidates", candidates[0])):
            with self.subTest(kind=kind):
                before = datetime.utcnow()
                page = self._walk_page(self.key_b, kind, limit=5)
                self.assertEqual([item["id"] for item in page["items"]], [record.id])
                self.assertFalse(page["has_more"])
                as_of = datetime.fromisoformat(page["as_of"].removesuffix("Z"))
                self.assertTrue(T0 < as_of < before < ahead, page["as_of"])
                again = self._walk_page(self.key_b, kind, page["next_cursor"], limit=5)
                self.assertEqual((again["items"], again["next_cursor"]),
                                 ([], page["next_cursor"]), "a later poll starts there")

    def test_tampered_cursors_are_400(self):
        with self._at(T0):
            self._attempts(self._candidates(["C1", "C2"], self.company_b))
        cursor = self._get("/attempts", self.key_b, limit=1).json()["next_cursor"]
        payload_b64, signature_b64 = cursor.rsplit(".", 1)
        payload = json.loads(base64.urlsafe_b64decode(payload_b64 + "=" * (-len(payload_b64) % 4)))

        def dump(data):
            return json.dumps(data, separators=(",", ":"), sort_keys=True)

        def resign(data, secret="another database's secret"):
            message = repr((api_module.CURSOR_SCOPE, dump(data))).encode()
            signature = hmac.new(secret.encode(), message, hashlib.sha256).digest()
            return f"{b64url(dump(data).encode())}.{b64url(signature)}"

        moved = dict(payload, i=payload["i"] - 1)
        tampered = [
            f"{b64url(dump(moved).encode())}.{signature_b64}",
            f"{payload_b64}.{signature_b64[:-2]}AA",
            f"{payload_b64}.",
            payload_b64,
            "not a cursor",
            "%%%.%%%",
            cursor + "x",
            resign(payload),
            "x" * 600,
        ]
        for bad in tampered:
            with self.subTest(cursor=bad[:40]):
                self._assert_error(self._get("/attempts", self.key_b, cursor=bad),
                                   400, "invalid_cursor")
        # A real cursor of the other list is refused too.
        error = self._assert_error(self._get("/candidates", self.key_b, cursor=cursor),
                                   400, "invalid_cursor")
        self.assertIn("attempts", error["message"])
        self.assertEqual(self._get("/attempts", self.key_b, cursor=cursor).status_code, 200)

    # ------------------------------------------------------------------
    # Performance
    # ------------------------------------------------------------------
    def test_indexes_exist(self):
        for table in ("assessment_attempt", "assessment_candidate"):
            self.env.cr.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s",
                                [f"{table}_write_date_id_idx"])
            self.assertIn("(write_date, id)", self.env.cr.fetchone()[0])

    def test_queries_per_page_are_constant(self):
        candidates = self._candidates([f"Q{n}" for n in range(1, 31)], self.company_b)
        for n, candidate in enumerate(candidates):
            with self._at(T0 + timedelta(seconds=n)):
                self._attempts(candidate)

        def page_cost(cursor, limit):
            before = self.cr.sql_log_count
            data = self._walk_page(self.key_b, "attempts", cursor, limit=limit)
            return self.cr.sql_log_count - before, data

        self._walk_page(self.key_b, "attempts", limit=5)  # warm the caches
        costs, cursor = [], None
        for _page in range(5):
            cost, data = page_cost(cursor, 5)
            self.assertEqual(len(data["items"]), 5)
            costs.append(cost)
            cursor = data["next_cursor"]
        self.assertEqual(len(set(costs)), 1, f"queries per page: {costs}")
        self.assertLessEqual(costs[0], 20, f"queries per page: {costs}")
        cost_20, data = page_cost(None, 20)
        self.assertEqual(len(data["items"]), 20)
        self.assertEqual(cost_20, costs[0], "as many queries for 20 rows as for 5")
