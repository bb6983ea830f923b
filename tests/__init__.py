# Odoo's own runner (--test-enable) imports the test modules from here; pytest-odoo
# collects the files directly.
from . import (
    test_api,
    test_attempt,
    test_code_highlight,
    test_install,
    test_invitation,
    test_performance,
    test_portal,
    test_question_bank,
    test_recording,
    test_report,
)
