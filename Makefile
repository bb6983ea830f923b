# Entry points; everything heavy lives under the user's data directory
# (${XDG_DATA_HOME:-~/.local/share}/tech_assessment), shared by every clone.
# ODOO_SRC=<Odoo 17 source tree, tarball or git directory> is used when set.
.PHONY: setup run test lint bench pot pot-check

setup:
	bash scripts/setup.sh

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

lint:
	bash scripts/lint.sh

bench:
	bash scripts/bench.sh

# i18n/tech_assessment.pot from the code (a throwaway database, about 30 s): `make pot` writes
# it, `make pot-check` fails when the committed one is out of date (also run by `make lint`).
pot:
	bash scripts/i18n.sh write

pot-check:
	bash scripts/i18n.sh check
