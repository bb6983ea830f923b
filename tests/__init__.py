# Odoo's own runner (--test-enable) imports the test modules from here; pytest-odoo
# collects the files directly.
from . import test_accommodation
from . import test_accommodation_portal
from . import test_api
from . import test_api_accommodation
from . import test_api_concurrency
from . import test_api_contract
from . import test_api_fuzz
from . import test_api_horizon_walk
from . import test_api_input
from . import test_api_pages
from . import test_attempt
from . import test_attempt_isolation
from . import test_code_highlight
from . import test_commit_horizon
from . import test_concurrency
from . import test_fuzz_portal
from . import test_hardening
from . import test_install
from . import test_invitation
from . import test_performance
from . import test_portal
from . import test_question_bank
from . import test_recording
from . import test_recording_tour
from . import test_report
from . import test_rpc_surface
