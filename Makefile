# The two commands of the README: `make run` and `make test`. Both set up first if needed.
.PHONY: setup run test evaluate bench

setup:
	@bash scripts/setup.sh

run: setup
	.venv/bin/assistant serve

test: setup
	.venv/bin/python -m pytest

evaluate: setup
	.venv/bin/assistant evaluate --output docs/evaluation.md

bench: setup
	.venv/bin/python bench/run.py
