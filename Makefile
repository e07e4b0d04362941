# Two commands for a newcomer: `make demo` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch is pinned in pyproject (2.13.0, the CPU build on this disk): never a CUDA download
	$(BIN)/python -m pip install --quiet -e '.[test]'
	# the MIDI renderer; --no-deps skips pyaudio, which it needs only for live playback
	$(BIN)/python -m pip install --quiet --no-deps 'tinysoundfont==0.3.7'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/diffsep run examples/audio/mixture.wav --prior msdm --likelihood dirac \
		--constrained bass --out demo-output --plot
	@echo "stems and overview.png written to demo-output/mixture/"

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) demo-output
