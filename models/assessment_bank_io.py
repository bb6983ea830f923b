"""Question banks in and out of Odoo: the records as the dicts of tools/bank_markdown.py, an
upload (a file or a zip of files) read into a plan of what will be created, updated or left
unchanged (keyed by each question's external key), and the plan applied. Nothing is written
unless every file of the upload is valid.

From `odoo-bin shell`, for bulk loads (an administrator's environment):
    env["assessment.bank.io"]._import_paths(["/path/bank.md", "/path/moodle.gift"])
    env.cr.commit()
and over RPC, for administrators only: assessment.question.import_bank(name, base64 content).
"""
import io
import os
import re
import zipfile

from odoo import _, api, models
from odoo.exceptions import AccessError, UserError

from ..tools import bank_markdown, bank_moodle
from ..tools.code_highlight import LANGUAGES

# Bounds of an upload: a file, a zip, the files in a zip and their total once inflated.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ZIP_ENTRIES = 500
MAX_INFLATED_BYTES = 20 * 1024 * 1024
FORMATS_BY_EXTENSION = {".md": "markdown", ".markdown": "markdown", ".gift": "gift",
                        ".txt": "aiken", ".aiken": "aiken"}
ASSESSMENT_FIELDS = {
    # file name: (field, kind)
    "title": ("name", "text"), "description": ("description", "html"),
    "time_limit": ("time_limit", "int"), "pass_rule": ("pass_rule", "selection"),
    "pass_threshold": ("pass_threshold", "float"), "recording": ("recording_required", "selection"),
    "result_visibility": ("result_visibility", "selection"),
    "reveal_answers": ("reveal_answers", "bool"), "shuffle_options": ("shuffle_options", "bool"),
    "practice_item": ("practice_item", "bool"), "retention_days": ("retention_days", "int"),
    "exposure_cap": ("exposure_cap", "int"), "consent_text": ("consent_text", "html"),
}
# The bounds of the assessment's numbers (its SQL constraints), checked before anything is
# written so that a file gets a line of error, not a database error.
ASSESSMENT_RANGES = {"time_limit": (1, 600), "pass_threshold": (0, 100),
                     "retention_days": (1, 36500), "exposure_cap": (0, 10**6)}
MAX_DRAW = 1000


class BankImportError(UserError):
    """Errors of an upload, one per line: 'file, line N: message'."""


class AssessmentBankIo(models.AbstractModel):
    _name = "assessment.bank.io"
    _description = "Question Bank Import and Export"

    # ------------------------------------------------------------------------------------
    # Export
    # ------------------------------------------------------------------------------------
    @api.model
    def _ensure_keys(self, questions):
        """Give the questions without an external key a stable one (their XML id's name, or
        their title and id), so that their export can be imported again as updates."""
        missing = questions.filtered(lambda question: not question.external_key)
        xmlids = missing._get_external_ids() if missing else {}
        for question in missing:
            names = xmlids.get(question.id) or []
            key = names[0].split(".", 1)[1] if names else bank_moodle.stable_key(
                "question", f"{question.name}-{question.id}")
            question.sudo().external_key = key

    @api.model
    def _question_data(self, question):
        return {
            "key": question.external_key, "title": question.name,
            "topic": question.topic_id.name, "difficulty": question.difficulty,
            "sequence": question.sequence, "exposure_cap": question.exposure_cap,
            "scenario": str(question.scenario or ""),
            "snippets": [{"caption": snippet.caption or "", "language": snippet.language,
                          "code": snippet.code} for snippet in question.snippet_ids],
            "items": [{
                "prompt": item.prompt, "points": item.points,
                "explanation": str(item.explanation or ""),
                "correction_note": item.correction_note or "",
                "options": [{"text": option.text, "correct": option.is_correct}
                            for option in item.option_ids],
            } for item in question.item_ids],
        }

    @api.model
    def _assessment_header(self, assessment):
        values = {"key": assessment.external_key}
        for name, (field, kind) in ASSESSMENT_FIELDS.items():
            value = assessment[field]
            values[name] = str(value or "") if kind in ("html", "text") else value
        lines = []
        for line in assessment.line_ids.sorted():
            if line.line_type == "question":
                lines.append({"question": line.question_id.external_key})
            else:
                draw = {"topic": line.draw_topic_id.name, "count": line.draw_count}
                if line.draw_difficulty:
                    draw["difficulty"] = line.draw_difficulty
                lines.append({"draw": draw})
        values["lines"] = lines
        return values

    @api.model
    def _export_markdown(self, questions, assessment=None):
        """The bank file of `questions` (and of `assessment`: its settings and lines)."""
        questions = questions.sorted(lambda question: (question.sequence, question.id))
        self._ensure_keys(questions)
        header = {"topics": [{"name": topic.name, "description": topic.description or "",
                              "sequence": topic.sequence}
                             for topic in questions.topic_id.sorted()]}
        if assessment:
            if not assessment.external_key:
                assessment.sudo().external_key = bank_moodle.stable_key(
                    "assessment", f"{assessment.name}-{assessment.id}")
            header["assessment"] = self._assessment_header(assessment)
        data = [self._question_data(question) for question in questions]
        text = bank_markdown.write_bank(header, data)
        self._check_round_trip(text, data)
        return text

    @api.model
    def _check_round_trip(self, text, data):
        """The file must read back as the questions written: a value the format cannot
        carry (a prompt that begins with a blank line, an option's trailing spaces...) is
        an error here, not a silent change after an import."""
        _header, parsed, errors = bank_markdown.parse_bank(text, self._languages())
        if errors:
            raise UserError(_("The export cannot be read back (line %(line)s: %(message)s).",
                              line=errors[0][0], message=errors[0][1]))
        if len(parsed) != len(data):
            raise UserError(_("The export cannot be read back: %(read)s questions read, "
                              "%(written)s written.", read=len(parsed), written=len(data)))
        for written, read in zip(data, parsed, strict=True):
            for question in (written, read):
                question.pop("line", None)
                for item in question["items"]:
                    item.pop("line", None)
                    for option in item["options"]:
                        option.pop("line", None)
            if written != read:
                raise UserError(_("Question “%s” holds text that the Markdown format cannot "
                                  "carry exactly (leading or trailing blank lines or spaces): "
                                  "correct it, then export again.", written["title"]))

    # ------------------------------------------------------------------------------------
    # Reading an upload
    # ------------------------------------------------------------------------------------
    @api.model
    def _languages(self):
        return [key for key, _label in LANGUAGES]

    @api.model
    def _decode(self, filename, data, errors):
        """The text of a file, or None with an error at the line of the first bad byte."""
        if len(data) > MAX_FILE_BYTES:
            errors.append((filename, 0, _("the file is larger than %s MB",
                                          MAX_FILE_BYTES // 1024 // 1024)))
            return None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[:exc.start].count(b"\n") + 1
            errors.append((filename, line, _("the file is not UTF-8 text (byte %s)", exc.start)))
            return None
        if "\x00" in text:
            errors.append((filename, text[:text.index("\x00")].count("\n") + 1,
                           _("the file holds a NUL character: it is not a text file")))
            return None
        return text.replace("\r\n", "\n").replace("\r", "\n")

    @api.model
    def _files_of(self, filename, data, errors):
        """[(name, bytes)] of an upload: the file itself, or the files of a zip (bounded)."""
        if not data.startswith(b"PK"):
            return [(filename, data)]
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            infos = [info for info in archive.infolist() if not info.is_dir()]
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
            errors.append((filename, 0, _("not a valid zip file (%s)", exc)))
            return []
        if len(infos) > MAX_ZIP_ENTRIES:
            errors.append((filename, 0, _("the zip holds more than %s files", MAX_ZIP_ENTRIES)))
            return []
        files, total = [], 0
        for info in sorted(infos, key=lambda info: info.filename):
            name = info.filename
            if os.path.splitext(name)[1].lower() not in FORMATS_BY_EXTENSION:
                continue  # images, READMEs...: not questions
            try:
                with archive.open(info) as member:
                    content = member.read(MAX_FILE_BYTES + 1)
            except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError,
                    EOFError, RuntimeError) as exc:
                errors.append((name, 0, _("cannot be read from the zip (%s)", exc)))
                continue
            total += len(content)
            if len(content) > MAX_FILE_BYTES or total > MAX_INFLATED_BYTES:
                errors.append((name, 0, _("the zip inflates to more than %s MB",
                                          MAX_INFLATED_BYTES // 1024 // 1024)))
                return []
            files.append((name, content))
        if not files:
            errors.append((filename, 0, _("the zip holds no .md, .gift or .txt file")))
        return files

    @api.model
    def _read_upload(self, filename, data, file_format="auto", default_topic=""):
        """(headers, questions, errors) of an upload; errors are (file, line, message)."""
        errors, headers, questions = [], [], []
        for name, content in self._files_of(filename or "upload", data, errors):
            text = self._decode(name, content, errors)
            if text is None:
                continue
            fmt = file_format
            if fmt == "auto":
                fmt = FORMATS_BY_EXTENSION.get(os.path.splitext(name)[1].lower())
                if not fmt:
                    fmt = "markdown" if text.lstrip().startswith("---") else "gift" \
                        if "{" in text else "aiken"
            if fmt == "markdown":
                header, found, file_errors = bank_markdown.parse_bank(text, self._languages())
                if header:
                    headers.append((name, header))
            elif fmt == "gift":
                found, file_errors = bank_moodle.parse_gift(text, default_topic)
            else:
                found, file_errors = bank_moodle.parse_aiken(text, default_topic)
            errors += [(name, line, message) for line, message in file_errors]
            questions += [dict(question, file=name) for question in found]
        seen = {}
        for question in questions:
            where = (question["file"], question["line"])
            if question["key"] in seen and seen[question["key"]] != where:
                errors.append((question["file"], question["line"], _(
                    "key '%(key)s' is also used in %(file)s, line %(line)s",
                    key=question["key"], file=seen[question["key"]][0],
                    line=seen[question["key"]][1])))
            seen.setdefault(question["key"], where)
        return headers, questions, errors

    @staticmethod
    def _format_errors(errors):
        return "\n".join(_("%(file)s, line %(line)s: %(message)s", file=file, line=line,
                           message=message) for file, line, message in errors)

    # ------------------------------------------------------------------------------------
    # Planning and applying
    # ------------------------------------------------------------------------------------
    @api.model
    def _company_domain(self, company):
        return [("company_id", "=", company.id or False)]

    @api.model
    def _plan(self, headers, questions, company, errors):
        """[(kind, key, name, action, payload)] in the order they are applied."""
        plan = []
        topics = self.env["assessment.topic"].with_context(active_test=False)
        existing_topics = {topic.name: topic for topic in topics.search([])}
        declared = {}
        for file, header in headers:
            for number, topic in enumerate(header.get("topics") or []):
                if not isinstance(topic, dict) or not isinstance(topic.get("name"), str) \
                        or not topic["name"].strip():
                    errors.append((file, 1, _("topics[%s] needs a name", number)))
                    continue
                declared[topic["name"].strip()] = topic
        needed = {question["topic"] for question in questions} | set(declared)
        for name in sorted(needed):
            spec = declared.get(name, {})
            values = {"name": name}
            if isinstance(spec.get("description"), str):
                values["description"] = spec["description"]
            if isinstance(spec.get("sequence"), int) and not isinstance(spec["sequence"], bool):
                values["sequence"] = spec["sequence"]
            topic = existing_topics.get(name)
            if not topic:
                plan.append(("topic", name, name, "create", values))
            elif any((topic[field] or "") != value for field, value in values.items()):
                plan.append(("topic", name, name, "update", values))
        Question = self.env["assessment.question"].with_context(active_test=False)
        found = Question.search(self._company_domain(company)
                                + [("external_key", "in", [q["key"] for q in questions])])
        by_key = {question.external_key: question for question in found}
        for question in questions:
            record = by_key.get(question["key"])
            if not record:
                action = "create"
            else:
                current = self._question_data(record)
                incoming = {name: value for name, value in question.items()
                            if name not in ("line", "file")}
                for item in incoming["items"]:
                    item.pop("line", None)
                    for option in item["options"]:
                        option.pop("line", None)
                action = "unchanged" if current == incoming else "update"
            plan.append(("question", question["key"], question["title"], action, question))
        for file, header in headers:
            if header.get("assessment") is not None:
                plan.append(self._plan_assessment(file, header["assessment"], company, questions,
                                                  errors))
        return plan

    @api.model
    def _plan_assessment(self, file, spec, company, questions, errors):
        if not isinstance(spec, dict) or not isinstance(spec.get("key"), str) \
                or not isinstance(spec.get("title"), str):
            errors.append((file, 1, _("assessment needs a key and a title")))
            return ("assessment", "", "", "error", {})
        values = {}
        for name, (field, kind) in ASSESSMENT_FIELDS.items():
            if name not in spec:
                continue
            value = spec[name]
            expected = {"text": str, "html": str, "selection": str, "bool": bool,
                        "int": int, "float": (int, float)}[kind]
            if not isinstance(value, expected) or (kind != "bool" and isinstance(value, bool)):
                errors.append((file, 1, _("assessment: '%s' has the wrong type", name)))
                continue
            if kind == "selection":
                allowed = dict(self.env["assessment.assessment"]._fields[field].selection)
                if value not in allowed:
                    errors.append((file, 1, _("assessment: '%(name)s' must be one of %(values)s",
                                              name=name, values=", ".join(allowed))))
                    continue
            low, high = ASSESSMENT_RANGES.get(name, (None, None))
            if low is not None and not low <= value <= high:
                errors.append((file, 1, _("assessment: '%(name)s' must be from %(low)s to "
                                          "%(high)s", name=name, low=low, high=high)))
                continue
            values[field] = value
        keys = {question["key"] for question in questions}
        drawn = [line["draw"].get("topic") for line in spec.get("lines") or []
                 if isinstance(line, dict) and isinstance(line.get("draw"), dict)]
        known_topics = {question["topic"] for question in questions} | set(
            self.env["assessment.topic"].with_context(active_test=False).search(
                [("name", "in", [name for name in drawn if isinstance(name, str)])]
            ).mapped("name"))
        lines = []
        for number, line in enumerate(spec.get("lines") or [], start=1):
            sequence = number * 10
            if isinstance(line, dict) and isinstance(line.get("question"), str):
                if line["question"] not in keys:
                    errors.append((file, 1, _("assessment line %(n)s: question '%(key)s' is not "
                                              "in the upload", n=number, key=line["question"])))
                lines.append({"sequence": sequence, "question_key": line["question"]})
            elif isinstance(line, dict) and isinstance(line.get("draw"), dict) \
                    and isinstance(line["draw"].get("topic"), str) \
                    and isinstance(line["draw"].get("count"), int):
                draw = line["draw"]
                if not 1 <= draw["count"] <= MAX_DRAW or draw["topic"] not in known_topics \
                        or draw.get("difficulty") not in (None, "easy", "medium", "hard"):
                    errors.append((file, 1, _(
                        "assessment line %(n)s: a draw needs a known topic, a count from 1 to "
                        "%(max)s and a difficulty easy, medium or hard (or none)",
                        n=number, max=MAX_DRAW)))
                    continue
                lines.append({"sequence": sequence, "line_type": "draw",
                              "topic": draw["topic"], "draw_count": draw["count"],
                              "draw_difficulty": draw.get("difficulty") or False})
            else:
                errors.append((file, 1, _("assessment line %s: expected 'question: key' or "
                                          "'draw: {topic: name, count: N}'", number)))
        Assessment = self.env["assessment.assessment"].with_context(active_test=False)
        record = Assessment.search(self._company_domain(company)
                                   + [("external_key", "=", spec["key"])], limit=1)
        action = "create"
        if record:
            current = self._assessment_header(record)
            action = "unchanged" if all(spec.get(name) == value for name, value
                                        in current.items()) else "update"
        return ("assessment", spec["key"], spec["title"], action,
                {"values": values, "lines": lines, "record": record})

    @api.model
    def _apply(self, plan, company):
        topics = {}
        Topic = self.env["assessment.topic"].with_context(active_test=False)
        for kind, key, _name, action, payload in plan:
            if kind != "topic":
                continue
            if action == "create":
                topics[key] = Topic.create(payload)
            else:
                Topic.search([("name", "=", key)]).write(payload)
        Question = self.env["assessment.question"].with_context(active_test=False)
        by_key = {}
        for kind, key, _name, action, payload in plan:
            if kind != "question":
                continue
            existing = Question.search(self._company_domain(company)
                                       + [("external_key", "=", key)])
            if action == "create":
                by_key[key] = Question.create(self._question_values(payload, company))
            elif action == "update":
                self._update_question(existing, payload, company)
                by_key[key] = existing
            else:
                by_key[key] = existing
        for kind, _key, _name, action, payload in plan:
            if kind == "assessment" and action in ("create", "update"):
                self._apply_assessment(payload, by_key, company, _key)
        return by_key

    @api.model
    def _topic_id(self, name):
        return self.env["assessment.topic"].with_context(active_test=False).search(
            [("name", "=", name)], limit=1).id

    @api.model
    def _question_values(self, question, company):
        return {
            "name": question["title"], "external_key": question["key"],
            "company_id": company.id or False, "topic_id": self._topic_id(question["topic"]),
            "difficulty": question["difficulty"], "sequence": question["sequence"],
            "exposure_cap": question["exposure_cap"], "scenario": question["scenario"] or False,
            "snippet_ids": [(0, 0, dict(snippet, sequence=(n + 1) * 10))
                            for n, snippet in enumerate(question["snippets"])],
            "item_ids": [(0, 0, self._item_values(item, n)) for n, item
                         in enumerate(question["items"])],
        }

    @api.model
    def _item_values(self, item, number):
        return {
            "sequence": (number + 1) * 10, "prompt": item["prompt"], "points": item["points"],
            "explanation": item["explanation"] or False,
            "correction_note": item["correction_note"] or False,
            "option_ids": [(0, 0, {"sequence": (n + 1) * 10, "text": option["text"],
                                   "is_correct": option["correct"]})
                           for n, option in enumerate(item["options"])],
        }

    @api.model
    def _update_question(self, record, question, company):
        """Update in place, position by position; items and options that attempts answered
        are archived rather than deleted, and a changed key regrades (with its history)."""
        values = self._question_values(question, company)
        snippets = values.pop("snippet_ids")
        items = values.pop("item_ids")
        record.write(values)
        record.snippet_ids.unlink()
        record.write({"snippet_ids": snippets})
        current = record.item_ids
        for number, (_c, _z, item_values) in enumerate(items):
            options = item_values.pop("option_ids")
            if number >= len(current):
                record.write({"item_ids": [(0, 0, dict(item_values, option_ids=options))]})
                continue
            item = current[number]
            old = item.option_ids
            # one write: the item's "exactly one correct option" holds after all of it, and
            # a changed key goes through the options' tracked write (history, regrade)
            commands = [(1, option.id, values)
                        for option, (_c2, _z2, values) in zip(old, options, strict=False)]
            commands += options[len(old):]
            answered = item.is_answered
            commands += [(1, option.id, {"active": False}) if answered else (2, option.id)
                         for option in old[len(options):]]
            item.write(dict(item_values, option_ids=commands))
        self._retire(current[len(items):])

    @api.model
    def _retire(self, records):
        """Delete the items no attempt answered; archive the others."""
        for item in records:
            if item.is_answered:
                item.active = False
            else:
                item.unlink()

    @api.model
    def _apply_assessment(self, payload, by_key, company, key):
        lines = []
        for line in payload["lines"]:
            if line.get("line_type") == "draw":
                lines.append((0, 0, {"sequence": line["sequence"], "line_type": "draw",
                                     "draw_topic_id": self._topic_id(line["topic"]),
                                     "draw_count": line["draw_count"],
                                     "draw_difficulty": line["draw_difficulty"]}))
            else:
                lines.append((0, 0, {"sequence": line["sequence"],
                                     "question_id": by_key[line["question_key"]].id}))
        values = dict(payload["values"], external_key=key, company_id=company.id or False)
        record = payload["record"]
        if record:
            if record.attempt_count:
                raise UserError(_("Assessment “%s” already has attempts: its questions cannot "
                                  "be replaced by an import.", record.name))
            record.line_ids.unlink()
            record.write(dict(values, line_ids=lines))
        else:
            record = self.env["assessment.assessment"].create(dict(values, line_ids=lines))
        return record

    # ------------------------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------------------------
    @api.model
    def _check_import_rights(self):
        for model in ("assessment.question", "assessment.topic", "assessment.assessment"):
            if not self.env[model].check_access_rights("create", raise_exception=False):
                raise AccessError(_("Only assessment administrators can import questions."))

    @api.model
    def _prepare_import(self, filename, data, file_format="auto", company=None, topic=""):
        """(plan, errors) of an upload, nothing written."""
        company = company if company is not None else self.env["res.company"]
        headers, questions, errors = self._read_upload(filename, data, file_format, topic)
        plan = self._plan(headers, questions, company, errors) if not errors else []
        return plan, errors

    @api.model
    def _import(self, filename, data, file_format="auto", company=None, topic=""):
        """Import an upload or raise BankImportError listing every error; returns the plan."""
        company = company if company is not None else self.env["res.company"]
        plan, errors = self._prepare_import(filename, data, file_format, company, topic)
        if errors:
            raise BankImportError(self._format_errors(errors))
        with self.env.cr.savepoint():
            self._apply(plan, company)
        return plan

    @api.model
    def _import_paths(self, paths, file_format="auto", company=None, topic=""):
        """Shell only (private: it reads the server's files): import files from disk."""
        totals = {}
        for path in paths:
            with open(path, "rb") as handle:
                data = handle.read(MAX_FILE_BYTES * 4 + 1)
            plan = self._import(os.path.basename(path), data, file_format, company, topic)
            for action, count in self._counts(plan).items():
                totals[action] = totals.get(action, 0) + count
        return totals

    @staticmethod
    def _counts(plan):
        counts = {"create": 0, "update": 0, "unchanged": 0}
        for _kind, _key, _name, action, _payload in plan:
            counts[action] = counts.get(action, 0) + 1
        return counts

    @staticmethod
    def _safe_filename(name):
        return re.sub(r"[^\w.-]+", "_", name or "bank").strip("_")[:80] or "bank"
