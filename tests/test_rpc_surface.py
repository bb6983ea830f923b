"""Every public method is an endpoint: Odoo's `call_kw` runs any model method whose name does
not start with `_`, for any logged-in user, on any ids.

`TestPublicMethods` finds every such method this module defines (on its own models and on
the models it extends), and calls each one as a portal user, the public user and a recruiter
of another company, on records they do not own. Each call must be refused with an
AccessError, or (for the few methods listed in NO_DATA_METHODS) change nothing and return
nothing of those records. A new public method that needs arguments fails the test until it
is given arguments in METHOD_ARGUMENTS: whoever adds one has to think about who may call it.
"""
import inspect
import json

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import TechAssessmentCase, TechAssessmentHttpCase

MODULE = "odoo.addons.tech_assessment."
# Public methods that refuse nobody but change nothing and return none of the records' data:
# `init` (called by the registry; creates indexes IF NOT EXISTS) and the wizard's
# `default_get` (default values only; no access to any record is given by them).
NO_DATA_METHODS = {"init", "default_get"}
METHOD_ARGUMENTS = {
    "create": lambda case: ([{"name": "Intruder", "company_id": case.company_a.id}],),
    "write": lambda case: ({"name": "Changed by an intruder"},),
    "default_get": lambda case: (["candidate_ids", "assessment_id", "template_id"],),
    "import_bank": lambda case: ("bank.txt", "UT8KQS4geWVzCkIuIG5vCkFOU1dFUjogQQo=", "aiken",
                                 False, "Intruder topic"),
}


def public_methods_of_module(env):
    """{(model, method)} for every public method defined by this module's classes."""
    found = set()
    for model_name in env.registry:
        for klass in type(env[model_name]).__mro__:
            if not klass.__module__.startswith(MODULE):
                continue
            for name, value in vars(klass).items():
                if name.startswith("_") or isinstance(value, fields.Field):
                    continue
                if inspect.isfunction(value):
                    found.add((model_name, name))
    return found


@tagged("post_install", "-at_install")
class TestPublicMethods(TechAssessmentCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.assessment = cls._make_assessment("Company A assessment", company=cls.company_a,
                                              recording_required="webcam", reveal_answers=True)
        cls.candidate = cls.env["assessment.candidate"].create(
            {"name": "Someone else", "email": "someone@example.com", "company_id": cls.company_a.id})
        cls.attempt = cls.env["assessment.attempt"].create(
            {"candidate_id": cls.candidate.id, "assessment_id": cls.assessment.id})
        cls.attempt._give_consent(consent_hash=cls.attempt._consent_text_hash())
        cls.attempt._start()
        cls.attempt._save_answer(cls.attempt.answer_ids[0].item_id.id,
                                 cls.attempt.answer_ids[0]._option_order_ids()[0])
        cls.recording = cls.env["assessment.recording"].create(
            {"attempt_id": cls.attempt.id, "kind": "webcam"})
        cls.wizard = cls.env["assessment.invite.wizard"].with_user(cls.recruiter).create({
            "assessment_id": cls.assessment.id, "candidate_ids": [(6, 0, cls.candidate.ids)],
        })
        item = cls.assessment.question_ids.item_ids[0]
        graded = cls.env["assessment.attempt"].create(
            {"candidate_id": cls.candidate.id, "assessment_id": cls.assessment.id})
        graded._give_consent(consent_hash=graded._consent_text_hash())
        graded._start()
        graded._submit()
        cls.analysis = cls.env["assessment.analysis"].browse(
            cls.assessment.with_user(cls.recruiter).action_open_item_analysis()["res_id"])
        cls.key_wizard = cls.env["assessment.key.change.wizard"].with_user(cls.manager).create({
            "item_id": item.id, "new_option_id": item.option_ids[1].id, "reason": "RPC test",
        })
        cls.targets = {
            "assessment.assessment": cls.assessment,
            "assessment.attempt": cls.attempt,
            "assessment.candidate": cls.candidate,
            "assessment.recording": cls.recording,
            "assessment.event": cls.attempt.event_ids[:1],
            "assessment.invite.wizard": cls.wizard,
            "assessment.add.time.wizard": cls.env["assessment.add.time.wizard"].with_user(
                cls.recruiter).create({"attempt_id": cls.attempt.id, "minutes": 5,
                                       "reason": "Intruders must not get here"}),
            "res.partner": cls.candidate.partner_id,
            "assessment.item": item,
            "assessment.option": item.option_ids[0],
            "assessment.analysis": cls.analysis,
            "assessment.analysis.item": cls.analysis.item_ids[:1],
            "assessment.key.change.wizard": cls.key_wizard,
            "assessment.answer": cls.attempt.answer_ids[:1],
            "assessment.question": cls.assessment.question_ids,
            "assessment.bank.import.wizard": cls.env["assessment.bank.import.wizard"].with_user(
                cls.manager).create({"upload": "UT8KQS4geWVzCkIuIG5vCkFOU1dFUjogQQo=",
                                     "filename": "bank.txt"}),
            "assessment.bank.export.wizard": cls.env["assessment.bank.export.wizard"].browse(
                cls.assessment.question_ids.with_user(cls.manager).action_export_bank()["res_id"]),
            **cls._webhook_targets(),
        }
        cls.intruders = {
            "portal user": cls.portal_user,
            "public user": cls.env.ref("base.public_user"),
            "recruiter of company B": cls.recruiter_b,
        }

    @classmethod
    def _webhook_targets(cls):
        endpoint = cls.env["assessment.webhook.endpoint"].create(
            {"name": "ATS", "url": "https://ats.example.com/hooks"})
        delivery = cls.env["assessment.webhook.delivery"]._enqueue_for(
            endpoint, "ping", [{"message": "RPC test"}])
        return {"assessment.webhook.endpoint": endpoint,
                "assessment.webhook.delivery": delivery}

    def _snapshot(self):
        """Row counts and latest write of every table of the module's models."""
        self.env.flush_all()
        snapshot = {}
        for model_name in sorted({model for model, _method in public_methods_of_module(self.env)}
                                 | set(self.targets)):
            table = self.env[model_name]._table
            self.env.cr.execute(f'SELECT count(*), max(write_date) FROM "{table}"')  # noqa: S608
            snapshot[table] = self.env.cr.fetchone()
        return snapshot

    def _arguments(self, method, function):
        required = [parameter for parameter in list(inspect.signature(function).parameters.values())[1:]
                    if parameter.default is inspect.Parameter.empty
                    and parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD)]
        if method in METHOD_ARGUMENTS:
            return METHOD_ARGUMENTS[method](self)
        self.assertFalse(required, f"{method} needs arguments: add them to METHOD_ARGUMENTS")
        return ()

    def _data_of(self, record):
        """The texts of the target record that a caller must not get back."""
        record = record.sudo()
        return {str(record[name]) for name, field in record._fields.items()
                if field.type in ("char", "text") and field.store and record[name]
                and name not in ("display_name",)}

    def test_every_public_method_refuses_intruders(self):
        methods = public_methods_of_module(self.env)
        self.assertIn(("assessment.attempt", "action_submit"), methods, "the scan finds methods")
        missing = {model for model, _method in methods} - set(self.targets)
        self.assertFalse(missing, f"add target records for {missing}")
        checked = 0
        for model_name, method in sorted(methods):
            target = self.targets[model_name]
            function = getattr(type(self.env[model_name]), method)
            arguments = self._arguments(method, function)
            for who, user in self.intruders.items():
                with self.subTest(model=model_name, method=method, user=who):
                    self._assert_refused_or_harmless(user, target, method, arguments)
                    checked += 1
        self.assertGreaterEqual(checked, 3 * 15)

    def _call_and_undo(self, records, method, arguments):
        """Call the method in a savepoint, then undo whatever it did: (result, snapshot)."""
        try:
            with self.env.cr.savepoint():
                result = getattr(records, method)(*arguments)
                raise _Undo(result, self._snapshot())
        except _Undo as undone:
            return undone.result, undone.after

    def _assert_refused_or_harmless(self, user, target, method, arguments):
        before = self._snapshot()
        self.env.invalidate_all()  # as in a request: nothing of the records in the cache
        records = target.with_user(user).with_context(active_model=target._name,
                                                      active_ids=target.ids, active_id=target.id)
        try:
            result, after = self._call_and_undo(records, method, arguments)
        except AccessError:
            return
        self.assertIn(method, NO_DATA_METHODS,
                      f"{user.login} called {target._name}.{method} without an AccessError")
        self.assertEqual(after, before, f"{target._name}.{method} changed data")
        leaked = [text for text in self._data_of(target)
                  if text in json.dumps(result, default=str)]
        self.assertFalse(leaked, f"{target._name}.{method} returned the record's data")


class _Undo(Exception):
    """Rolls back the savepoint of a call that was not refused, keeping what it returned."""

    def __init__(self, result, after):
        super().__init__()
        self.result, self.after = result, after


@tagged("post_install", "-at_install")
class TestAnswerKeyOverRpc(TechAssessmentHttpCase):
    """Finding 1 as it was reproduced: a logged-in candidate calls model methods of their own
    running attempt through /web/dataset/call_kw and watches the key appear."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.assessment = cls._make_assessment("Key assessment", items=3)
        cls.candidate = cls.env["assessment.candidate"].create(
            {"name": "Portal candidate", "partner_id": cls.portal_user.partner_id.id})
        cls.attempt = cls.env["assessment.attempt"].create(
            {"candidate_id": cls.candidate.id, "assessment_id": cls.assessment.id})
        cls.attempt._start()

    def _call_kw(self, model, method, args, kwargs=None):
        response = self.url_open("/web/dataset/call_kw", data=json.dumps({
            "jsonrpc": "2.0", "method": "call", "id": 1,
            "params": {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        }), headers={"Content-Type": "application/json"})
        self.assertEqual(response.status_code, 200)
        return response.json()

    def test_candidate_cannot_read_the_key_during_the_test(self):
        self.authenticate("ta_portal", "ta_portal-pass")
        answer = self.attempt.answer_ids[0]
        self.attempt._save_answer(answer.item_id.id, answer._option_order_ids()[0])  # correct
        for method in ("_topic_breakdown", "get_topic_breakdown", "_compute_scores"):
            reply = self._call_kw("assessment.attempt", method, [self.attempt.ids])
            self.assertIn("error", reply, method)
        for fname in ("score", "percent", "passed", "pass_rate", "answer_ids"):
            reply = self._call_kw("assessment.attempt", "read", [self.attempt.ids, [fname]])
            if "error" not in reply:  # readable fields must carry nothing about correctness
                self.assertEqual(fname, "answer_ids")
                self.assertEqual(reply["result"][0]["answer_ids"], self.attempt.answer_ids.ids)
        for model in ("assessment.answer", "assessment.option", "assessment.item"):
            reply = self._call_kw(model, "search_read", [[]], {"fields": ["is_correct"]}
                                  if model != "assessment.item" else {"fields": ["explanation"]})
            self.assertIn("error", reply, model)
            self.assertIn("AccessError", reply["error"]["data"]["name"], model)
        reply = self._call_kw("assessment.attempt", "read",
                              [self.attempt.ids, ["answered_count", "item_count", "state"]])
        self.assertEqual(reply["result"][0]["answered_count"], 1, "own progress stays readable")
