"""A real HTTP receiver of webhooks for the tests: it answers with the status codes it is
told, in turn, and verifies every message it gets with the `standardwebhooks` library (the
reference implementation of the specification), as an ATS would."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class WebhookReceiver:
    def __init__(self):
        self.secret = None
        self.statuses = []  # answered in turn; 204 once exhausted
        self.received = []  # (webhook-id, parsed body or None, verified, headers)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def reset(self, secret, statuses=()):
        self.secret = secret
        self.statuses = list(statuses)
        self.received = []

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {key.lower(): value for key, value in self.headers.items()}
                try:
                    payload = Webhook(receiver.secret).verify(body, headers)
                    verified = True
                except WebhookVerificationError:
                    payload, verified = json.loads(body), False
                receiver.received.append((headers.get("webhook-id"), payload, verified, headers))
                status = receiver.statuses.pop(0) if receiver.statuses else 204
                self.send_response(status)
                answer = f"answer {status} from the receiver".encode()
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_args):
                pass

        return Handler
