#!/usr/bin/env bash
# There, on a lent GPU machine (after benchmarks/gpu/prepare.sh here), as ONE device run:
#   run(command="bash benchmarks/gpu/check.sh", carry=[".whl", ".gpudata"], timeout_s=540)
# 1. the CUDA tests (bf16/fp16 autocast against fp32), 2. the paper-size network's forward time
# and its whole paper separation of a 12-s chunk (anchor: 4.6 s on an RTX A6000), 3. real-time
# factors of a 3-minute file with the shipped prior (fast and paper presets), 4. the same with an
# untrained network of the paper's size (speed only). JSON lines and logs land in $OUT.
set -uo pipefail
cd "$(dirname "$0")/../.."
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1
out=${OUT:-/tmp/gpu-check}
mkdir -p "$out"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$out/gpu.txt" 2>&1
python3 -m pytest -q -x tests/test_faults.py -k precision 2>&1 | tee "$out/tests.log"
python3 benchmarks/network_speed.py --device cuda --precision fp32,bf16,fp16 --batch 1,4 --separate | tee "$out/network_speed.jsonl"
speed() { python3 benchmarks/separation_speed.py --data .gpudata/heldout99 --device cuda --min-seconds 180 "$@"; }
speed --settings fast,fast-bf16,fast-gpu-batched,paper,paper-bf16,paper-gpu-batched | tee "$out/separation_speed.jsonl"
python3 - <<'PY'
from diffsep.priors import learned_io
import torch
learned_io.save(learned_io.from_size("msdm", "paper", ["bass", "drums", "guitar", "piano"], 22050), "/tmp/paper-untrained.safetensors", dtype=torch.float16)
PY
speed --msdm /tmp/paper-untrained.safetensors --settings fast-gpu-batched,paper-gpu-batched | tee "$out/paper_network_speed.jsonl"
