.PHONY: run test lint bench

run:  ## serve Hearth on http://127.0.0.1:8000
	./scripts/run.sh

test:  ## the whole test suite
	./scripts/test.sh

lint:
	./scripts/test.sh --co -q >/dev/null && .venv/bin/ruff check src tests bench && .venv/bin/ruff format --check src tests bench && .venv/bin/mypy
