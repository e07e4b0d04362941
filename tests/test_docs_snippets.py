"""The Python snippets of README.md and docs/quickstart.md run as written (in a copy of the
examples, where their relative paths point)."""

import re
import runpy
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
SNIPPETS = [(page, index, code) for page in ("README.md", "docs/quickstart.md")
            for index, code in enumerate(re.findall(r"```python\n(.*?)```", (ROOT / page).read_text(), re.S))]


@pytest.mark.parametrize("page, index, code", SNIPPETS, ids=[f"{page}#{index}" for page, index, _ in SNIPPETS])
def test_python_snippet_runs_as_written(tmp_path, monkeypatch, page, index, code):
    shutil.copytree(ROOT / "examples" / "audio", tmp_path / "examples" / "audio")
    monkeypatch.chdir(tmp_path)
    script = tmp_path / "snippet.py"
    script.write_text(code)
    runpy.run_path(str(script), run_name="__main__")


def test_every_page_has_its_snippets_checked():
    assert {page for page, _, _ in SNIPPETS} == {"README.md", "docs/quickstart.md"}
