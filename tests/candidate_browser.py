"""The browser of the candidate's tours: Odoo's headless Chromium, as a desktop (1366×768) or
as a phone (390×844, a phone's user agent, touch), with page checks the tours call.

Before its first navigation, the browser is given, for every page it loads
(`Page.addScriptToEvaluateOnNewDocument`):
- axe-core (npm, installed by `make setup`; its path comes in `TECH_ASSESSMENT_AXE_JS`);
- `window.taPageChecks(label)`: runs axe-core for WCAG 2.0 A/AA and 2.1 AA and measures
  horizontal overflow on the element that scrolls (Odoo's frontend scrolls `#wrapwrap`, not
  the document: see ODOO17-NOTES.md), and reports any finding with `console.error`, which
  fails the tour;
- optionally, a browser without screen sharing (`getDisplayMedia` removed), as on phones.
"""
import json
import os
from unittest.mock import patch

from odoo.tests.common import ChromeBrowser

AXE_ENV = "TECH_ASSESSMENT_AXE_JS"
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21aa")
PHONE_SIZE = (390, 844)
PHONE_USER_AGENT = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
                    "(KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36")

PAGE_CHECKS_JS = os.path.join(os.path.dirname(__file__), "page_checks.js")


NO_SCREEN_SHARING_JS = """
if (window.MediaDevices && MediaDevices.prototype.getDisplayMedia) {
    delete MediaDevices.prototype.getDisplayMedia;
}
"""

_navigate_to = ChromeBrowser.navigate_to


def axe_source():
    path = os.environ.get(AXE_ENV)
    if not path or not os.path.isfile(path):
        raise AssertionError(f"axe-core not found (${AXE_ENV}={path!r}): run the tests through "
                             "`make test`, which installs it and sets the variable")
    with open(path, encoding="utf-8") as axe:
        return axe.read()


def use_candidate_browser(test, phone=False, screen_sharing=True):
    """Give the test's Chromium the page checks, and a phone's screen and user agent."""
    with open(PAGE_CHECKS_JS, encoding="utf-8") as checks:
        scripts = [axe_source(), f"window.taAxeTags = {json.dumps(AXE_TAGS)};", checks.read()]
    if not screen_sharing:
        scripts.append(NO_SCREEN_SHARING_JS)
    source = "\n;\n".join(scripts)

    def navigate_to(browser, url, wait_stop=False):
        if not getattr(browser, "_ta_candidate_setup", False):
            browser._ta_candidate_setup = True
            browser._websocket_request("Page.addScriptToEvaluateOnNewDocument",
                                       params={"source": source})
            if phone:
                width, height = PHONE_SIZE
                browser._websocket_request("Emulation.setDeviceMetricsOverride", params={
                    "width": width, "height": height, "deviceScaleFactor": 1, "mobile": True,
                    "screenWidth": width, "screenHeight": height})
                browser._websocket_request("Emulation.setUserAgentOverride",
                                           params={"userAgent": PHONE_USER_AGENT})
                browser._websocket_request("Emulation.setTouchEmulationEnabled",
                                           params={"enabled": True, "maxTouchPoints": 5})
        return _navigate_to(browser, url, wait_stop=wait_stop)

    test.startPatcher(patch.object(ChromeBrowser, "navigate_to", navigate_to))
