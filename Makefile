# Two commands do all the set-up on a fresh machine:
#   make demo   creates .venv, installs culturebridge and runs the main job on the demo universe
#   make test   installs what the tests need, then runs ruff, mypy --strict (on src/), the
#               import contracts and pytest (on both cores)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= demo-workspace
DEMO_USERS ?= 20000
DEMO_EVENTS ?= 1000000
# every partner of the demo universe, and `platform` (the platform's analysts: all partners)
DEMO_PARTNERS ?= platform p_albion p_northlight p_lfc p_aurelia p_wren p_marlow p_kestrel \
	p_britannia p_northgate p_foxglove p_qianfan
PIP := $(BIN)/python -m pip install --disable-pip-version-check -q

.PHONY: demo test lint typecheck imports pytest bench clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip

.stamp-install: pyproject.toml | $(BIN)/python
	$(PIP) -e '.[fashion]'
	touch $@

.stamp-test: pyproject.toml | $(BIN)/python
	$(PIP) -e '.[test,fashion]'
	touch .stamp-install $@

demo: .stamp-install
	rm -rf $(DEMO_DIR)
	$(BIN)/culturebridge demo $(DEMO_DIR) --users $(DEMO_USERS) --events $(DEMO_EVENTS)
	$(BIN)/culturebridge status $(DEMO_DIR)
	$(BIN)/culturebridge overview $(DEMO_DIR)
	$(BIN)/culturebridge recommend fit --workspace $(DEMO_DIR) --out $(DEMO_DIR)/models/default
	$(BIN)/culturebridge recommend explain --model-dir $(DEMO_DIR)/models/default \
		--workspace $(DEMO_DIR) --sample 3 --n 5
	$(BIN)/culturebridge fashion trends $(DEMO_DIR) --segment gen_z_tier1 --period week --top 5 \
		--report $(DEMO_DIR)/reports/designer.html
	$(BIN)/culturebridge fashion fit $(DEMO_DIR) --collection examples/lookbook --segment gen_z_tier1
	$(BIN)/culturebridge social alerts $(DEMO_DIR)
	$(BIN)/culturebridge social topics $(DEMO_DIR) --segment gen_z --period week --sample 500 --last 2
	$(BIN)/culturebridge localise check $(DEMO_DIR)
	$(BIN)/culturebridge campaign report $(DEMO_DIR) --campaign c_britannia_summer
	$(BIN)/culturebridge esports leaderboard $(DEMO_DIR) --top 10
	$(BIN)/culturebridge esports balance $(DEMO_DIR) --teams 2 \
		--players Kite,HaoCN,Frost_5,ItsHao,PixelCN,Ming,Lei_9,Hao_82,SkyeCN,Nimbus_5
	@echo "Writing each partner's report into $(DEMO_DIR)/reports/partners/ (two at a time)"
	@printf '%s\n' $(DEMO_PARTNERS) | xargs -P 2 -I{} $(BIN)/culturebridge report $(DEMO_DIR) \
		--partner {} --output $(DEMO_DIR)/reports/partners/{}.html --json >/dev/null
	@ls $(DEMO_DIR)/reports/partners/
	$(BIN)/culturebridge keys create $(DEMO_DIR) --partner platform --scope admin --label demo
	$(BIN)/culturebridge keys create $(DEMO_DIR) --partner p_albion --label demo
	@echo
	@echo "Start the dashboard and the API (log in at http://127.0.0.1:8000/ with a key above):"
	@echo "  $(BIN)/culturebridge serve $(DEMO_DIR)"
	@echo
	@echo "Next:"
	@echo "  $(DEMO_DIR)/reports/partners/p_britannia.html      # a partner's report (HTML; --pdf too)"
	@echo "  $(DEMO_DIR)/reports/overview.html                 # the report: open it in a browser"
	@echo "  $(DEMO_DIR)/reports/designer.html                 # fashion: preferences, movers, products"
	@echo "  $(BIN)/culturebridge prefs $(DEMO_DIR) -s gen_z_tier1 --by attributes.style"
	@echo "  $(BIN)/culturebridge trends $(DEMO_DIR) --by attributes.pattern"
	@echo "  $(BIN)/culturebridge funnel $(DEMO_DIR) -s young_adults"
	@echo "  $(BIN)/culturebridge breakdown $(DEMO_DIR) --by channel --period-from 2026-08-03 --compare previous"
	@echo "  $(BIN)/culturebridge funnel $(DEMO_DIR) --step impression:game --step play:game --step purchase"
	@echo "  $(BIN)/culturebridge paths $(DEMO_DIR) --after play:film"
	@echo "  $(BIN)/culturebridge report $(DEMO_DIR) --partner p_northlight --output nl.html --lang zh"
	@echo "  $(BIN)/culturebridge audience $(DEMO_DIR) --item doc_0007"
	@echo "  $(BIN)/culturebridge recommend similar --model-dir $(DEMO_DIR)/models/default --item doc_0007"
	@echo "  $(BIN)/culturebridge recommend audience $(DEMO_DIR) --spec examples/proposed_title.toml"
	@echo "  $(BIN)/culturebridge fashion tag examples/lookbook --format jsonl"
	@echo "  $(BIN)/culturebridge fashion similar --image examples/lookbook/look_01.jpg --workspace $(DEMO_DIR)"
	@echo "  $(BIN)/culturebridge social mentions $(DEMO_DIR) --top 10"
	@echo "  $(BIN)/culturebridge social timeline $(DEMO_DIR) --item ser_0001"
	@echo "  $(BIN)/culturebridge social sentiment --input examples/posts.csv --text-column text --output scored.csv"
	@echo "  $(BIN)/culturebridge localise script '蓝色星球' --to hk"
	@echo "  $(BIN)/culturebridge campaign target $(DEMO_DIR) --campaign c_britannia_summer --budget 1000 --output next.csv"
	@echo "  $(BIN)/culturebridge campaign audit $(DEMO_DIR)"
	@echo "  $(BIN)/culturebridge esports history $(DEMO_DIR) --player Kite"
	@echo "  $(BIN)/culturebridge esports odds $(DEMO_DIR) --team Kite,Ming --team HaoCN,Lei_9"
	@echo "  cat $(DEMO_DIR)/truth.json                          # the planted answers"

lint: .stamp-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: .stamp-test
	$(BIN)/mypy src

# the layers (import-linter contract in pyproject.toml); tests/test_architecture.py checks the rest
imports: .stamp-test
	$(BIN)/lint-imports

# Debian's Chromium for the dashboard and report tests (and `report --pdf`), with CJK fonts for
# the Chinese pages' screenshots and PDFs: installed when missing and this is a root shell with
# apt-get (CI); elsewhere those tests skip and say why.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk \
				>/dev/null) || echo "note: could not install chromium; browser tests will skip"; \
		else echo "note: chromium is not installed (apt-get install chromium); browser tests will skip"; fi; }

# both cores: each worker takes whole test files, so module fixtures are built once
pytest: .stamp-test browser
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

test: lint typecheck imports pytest

bench: .stamp-install
	$(PIP) -e '.[fashion,bench]'
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/demo.py
	$(BIN)/python benchmarks/recommend.py
	$(BIN)/python benchmarks/fashion.py
	$(BIN)/python benchmarks/sentiment.py
	$(BIN)/python benchmarks/social.py
	$(BIN)/python benchmarks/localise.py
	$(BIN)/python benchmarks/esports.py
	$(BIN)/python benchmarks/esports_demo.py
	$(BIN)/python benchmarks/uplift.py
	test -f $(DEMO_DIR)/workspace.toml || $(MAKE) demo
	$(BIN)/python benchmarks/api.py --workspace $(DEMO_DIR)

clean:
	rm -rf $(VENV) .stamp-* $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache
