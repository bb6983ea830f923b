"""A real Odoo server in a subprocess, on the test database, for tests of real concurrency.

Odoo's HttpCase serves every request on the test's own cursor, one at a time: two requests
there can never conflict, and Odoo's replay after a serialization failure never happens.
This server is the production code path: `--workers=0` serves each request in its own
thread with its own transaction, so concurrent requests really race in PostgreSQL, and
`odoo.service.model.retrying` really replays the losers. Data the tests give it must be
committed (and removed again by the test).
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

import requests

import odoo
from odoo.tools import config

START_TIMEOUT = 120
REPLAY_LOG_RE = re.compile(r"[A-Z_]+, \d+ tries left, try again")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    def __init__(self, dbname):
        self.dbname = dbname
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.logfile = None

    def start(self):
        odoo_bin = os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "odoo-bin")
        handle, self.logfile = tempfile.mkstemp(prefix="ta_live_", suffix=".log")
        os.close(handle)
        self.process = subprocess.Popen([
            sys.executable, odoo_bin, "-c", config.rcfile, "-d", self.dbname,
            "--db-filter", f"^{re.escape(self.dbname)}$",
            "--http-interface", "127.0.0.1", "--http-port", str(self.port),
            "--workers=0", "--max-cron-threads=0", "--no-database-list",
            "--log-level=warn", "--log-handler=odoo.service.model:INFO",
            "--log-handler=werkzeug:INFO", f"--logfile={self.logfile}",
        ], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + START_TIMEOUT
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the live server exited: {self.log()[-2000:]}")
            if self._answers():
                # Odoo computes its table of static folders on the first request whose
                # path has four segments, lazily and without a lock: concurrent first
                # requests race in it (an Odoo bug). One request computes it first.
                requests.get(f"{self.url}/web/static/img/favicon.ico", timeout=30)
                return self
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("the live server did not answer in time")

    def _answers(self):
        try:
            return requests.get(f"{self.url}/web/health", timeout=2).ok
        except requests.RequestException:
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if self.logfile and os.path.exists(self.logfile):
            os.unlink(self.logfile)
        self.logfile = None

    def log_size(self):
        return os.path.getsize(self.logfile)

    def log(self, since=0):
        """The server's log, from the byte offset `since` (a former `log_size()`)."""
        with open(self.logfile, "rb") as handle:
            handle.seek(since)
            return handle.read().decode("utf-8", "replace")

    def replay_count(self, since=0):
        """How many times Odoo replayed a request after a serialization failure."""
        return len(REPLAY_LOG_RE.findall(self.log(since)))

    def errors(self, since=0):
        """Entries the server logged at ERROR or CRITICAL, except PostgreSQL's serialization
        failures: Odoo's `sql_db` logs each one as a "bad query" error, then replays the
        request (`replay_count`)."""
        entries = re.split(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ )", self.log(since))
        return [entry for entry in entries
                if re.match(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ", entry)
                and "could not serialize access" not in entry]
