# Entry points; everything heavy lives under the user's data directory
# (${XDG_DATA_HOME:-~/.local/share}/tech_assessment), shared by every clone.
# ODOO_SRC=<Odoo 17 source tree, tarball or git directory> is used when set.
.PHONY: setup run test lint format bench pot pot-check

setup:
	bash scripts/setup.sh

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

# The pre-commit hooks of .pre-commit-config.yaml on every file, then pot-check (SKIP_POT=1: not).
lint:
	bash scripts/lint.sh

# The automatic fixes: oca-checks-odoo-module --fix, then prettier --write (JS and XML).
format:
	bash scripts/lint.sh format

bench:
	bash scripts/bench.sh

# i18n/tech_assessment.pot from the code (a throwaway database, about 30 s): `make pot` writes
# it, `make pot-check` fails when the committed one is out of date (also run by `make lint`).
pot:
	bash scripts/i18n.sh write

pot-check:
	bash scripts/i18n.sh check
