# The two commands of the README. Both install what is needed first (idempotent).
#   make demo   full chain on the bundled samples -> ./trams-demo/
#   make test   the test suite
.PHONY: demo test setup bench clean

setup:
	@bash scripts/setup.sh

demo: setup
	.venv/bin/trams demo

test: setup
	.venv/bin/python -m pytest -n 2 --dist loadgroup -q

bench: setup
	.venv/bin/python benchmarks/run_all.py

clean:
	rm -rf trams-demo build dist *.egg-info
