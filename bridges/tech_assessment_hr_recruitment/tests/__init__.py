# Odoo's own runner (--test-enable) imports the test modules from here; pytest-odoo
# collects the files directly.
from . import test_recruitment
from . import test_applicant_tour
