# Two commands on a fresh clone: `make demo` (GAIL on CartPole from shipped demos)
# and `make test`. Both create .venv and install what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# A pinned torch is installed first so that pip takes the CPU wheel on this
# machine's disk; set TORCH_SPEC= (empty) to let pip resolve torch normally.
TORCH_SPEC ?= torch==2.13.0
PYTEST_ARGS ?=

.PHONY: install demo test bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(if $(TORCH_SPEC),$(BIN)/pip install -q "$(TORCH_SPEC)")
	$(BIN)/pip install -q -e ".[test,bench]"
	touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/advrl gail train --env CartPole-v1 --demos experts/demos/CartPole-v1.npz --seed 1 --timesteps 50000 --out runs/gail-cartpole --overwrite
	$(BIN)/advrl gail reward runs/gail-cartpole/reward_net.pt --seed 1

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) runs
