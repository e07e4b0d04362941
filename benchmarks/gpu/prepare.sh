#!/usr/bin/env bash
# Here, before a GPU run: fetch the wheels the GPU machine lacks into .whl and copy the 20 test
# songs into .gpudata (16-bit WAV, to fit the 64 MiB the device tool carries); both git-ignored.
# Usage: bash benchmarks/gpu/prepare.sh data/heldout99        (then run benchmarks/gpu/check.sh there)
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${1:?usage: prepare.sh DATA (a mini-Slakh set, e.g. data/heldout99)}
for ignored in /.whl/ /.gpudata/; do grep -qxF "$ignored" .git/info/exclude 2>/dev/null || echo "$ignored" >> .git/info/exclude; done
# The GPU machine runs Python 3.12 with torch, numpy, einops, accelerate, safetensors, typer, rich,
# matplotlib and pyyaml; these are what diffsep needs beyond them (audio-diffusion-pytorch's
# data-science-types holds type stubs only and is left out).
rm -rf .whl && python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform manylinux1_x86_64 -d .whl \
    audio-diffusion-pytorch==0.0.43 einops-exts==0.0.4 soundfile==0.14.0 soxr==1.1.0 cffi==2.1.1 pycparser==3.12
rm -rf .gpudata && .venv/bin/python - "$data" <<'PY'
import json, shutil, sys
from pathlib import Path
import soundfile
from diffsep.data.layout import tracks

source, target = Path(sys.argv[1]), Path(".gpudata") / Path(sys.argv[1]).name
for folder in tracks(source, "test")[:20]:
    (target / "test" / folder.name).mkdir(parents=True)
    for stem in ("bass", "drums", "guitar", "piano"):
        audio, rate = soundfile.read(folder / f"{stem}.wav", dtype="float32")
        soundfile.write(target / "test" / folder.name / f"{stem}.wav", audio, rate, subtype="PCM_16")
shutil.copy(source / "dataset.json", target / "dataset.json")
print(json.dumps({"songs": len(list((target / "test").iterdir())), "folder": str(target)}))
PY
du -sh .whl .gpudata
