"""The browser of the recording tours: Odoo's headless Chromium with a fake camera and screen,
and, for the tests of the upload queue, the network and storage of the page under the
test's control through the DevTools protocol.

Odoo's `ChromeBrowser` is patched in the test (`startPatcher`): the switches of the fake
devices go on its command line, and before its first navigation `BrowserControl`:
- blocks the chunk uploads (`Network.setBlockedURLs`: a blocked request fails in the page
  as a network error would) when asked to;
- optionally shrinks the origin's storage quota (`Storage.overrideQuotaForOrigin`);
- adds the binding `window.taTestNetwork(message)` (`Runtime.addBinding`: it survives
  reloads). The tour calls it with "unblock" or "block" to change the network at the step
  it is at, and with "report:<json>" to hand the test what it saw in IndexedDB.
"""
import functools
import json
from unittest.mock import patch

from odoo.tests.common import ChromeBrowser

FAKE_MEDIA_SWITCHES = [
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--auto-select-desktop-capture-source=Entire screen",
]
UPLOAD_URL_PATTERNS = ["*/recording/webcam/*", "*/recording/screen/*"]
BINDING = "taTestNetwork"

_spawn_chrome = ChromeBrowser._spawn_chrome
_navigate_to = ChromeBrowser.navigate_to


def _spawn_chrome_with_fake_media(self, cmd):
    # the last argument is the start URL: the switches go before it
    return _spawn_chrome(self, cmd[:-1] + FAKE_MEDIA_SWITCHES + cmd[-1:])


def use_fake_media(test):
    """Start the test's Chromium with a fake camera, microphone and screen."""
    test.startPatcher(patch.object(ChromeBrowser, "_spawn_chrome", _spawn_chrome_with_fake_media))


class BrowserControl:
    """What the test does to the page's network and storage, and what the page reported."""

    def __init__(self, test, block_uploads=False, quota_bytes=None):
        self.origin = test.base_url()
        self.block_uploads = block_uploads
        self.quota_bytes = quota_bytes
        self.reports = []
        self.commands = []
        control = self

        def navigate_to(browser, url, wait_stop=False):
            if not getattr(browser, "_ta_control", None):
                browser._ta_control = control
                control._set_up(browser)
            return _navigate_to(browser, url, wait_stop=wait_stop)

        test.startPatcher(patch.object(ChromeBrowser, "navigate_to", navigate_to))

    def _set_up(self, browser):
        browser._websocket_request("Network.enable")
        if self.block_uploads:
            browser._websocket_request("Network.setBlockedURLs", params={"urls": UPLOAD_URL_PATTERNS})
        if self.quota_bytes is not None:
            browser._websocket_request("Storage.overrideQuotaForOrigin", params={
                "origin": self.origin, "quotaSize": self.quota_bytes})
        browser._websocket_request("Runtime.addBinding", params={"name": BINDING})
        browser._handlers["Runtime.bindingCalled"] = functools.partial(self._on_binding, browser)

    def _on_binding(self, browser, name, payload, **kwargs):
        """Runs in the browser's websocket thread: it sends commands, never waits for them."""
        if name != BINDING:
            return
        command, _sep, data = payload.partition(":")
        self.commands.append(command)
        if command == "unblock":
            browser._websocket_send("Network.setBlockedURLs", params={"urls": []})
        elif command == "block":
            browser._websocket_send("Network.setBlockedURLs", params={"urls": UPLOAD_URL_PATTERNS})
        elif command == "report":
            self.reports.append(json.loads(data))

    def report(self, phase):
        """The last report of that phase the page sent."""
        reports = [report for report in self.reports if report.get("phase") == phase]
        if not reports:
            raise AssertionError(f"the page sent no {phase!r} report (got {self.commands})")
        return reports[-1]
