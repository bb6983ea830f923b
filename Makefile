# Entry points; everything heavy lives under the user's data directory
# (${XDG_DATA_HOME:-~/.local/share}/tech_assessment), shared by every clone.
# ODOO_SRC=<Odoo 17 source tree, tarball or git directory> is used when set.
.PHONY: setup run test lint bench

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
