"""The shell commands of README.md and docs/quickstart.md run as written, on small inputs.

Each `.venv/bin/...` line of a page's bash blocks runs in a folder that holds the files the pages
name (`song.wav`, `drums.wav`, `albums/`, `my_stems/`, `msdm.ckpt`), cut from the bundled example.
Options appended to a line make its work small (the last value of an option is the one taken);
a line that reads a data set first runs the page's own command that makes it.
"""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import soundfile
from typer.testing import CliRunner

from diffsep.cli import app

from helpers import STEMS, lightning_checkpoint

ROOT = Path(__file__).parents[1]
BIN = Path(sys.executable).parent
PAGES = ("README.md", "docs/quickstart.md")
SMALL = {  # options appended per command, so that each runs in seconds
    "run": ["--steps", "4"],
    "data": ["--tracks", "10", "--seconds", "3"],
    "train": ["--steps", "2", "--batch-size", "2", "--chunk", "8192", "--val-every", "1000", "-q"],
    "generate": ["--seconds", "1", "--steps", "4"],
    "impute": ["--steps", "4"],
    "evaluate": ["--steps", "4"],
}
SECONDS = 1.5  # of the example cut into the pages' files


def _commands(page: str) -> list[list[str]]:
    blocks = re.findall(r"```bash\n(.*?)```", (ROOT / page).read_text(), re.S)
    lines = [line for block in blocks for line in block.splitlines()]
    return [shlex.split(line, comments=True) for line in lines if line.startswith(".venv/bin/")]


COMMANDS = [(page, words) for page in PAGES for words in _commands(page)]


def _write(source: Path, target: Path) -> None:
    audio, rate = soundfile.read(source, dtype="float32")
    target.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(target, audio[: int(SECONDS * rate)], rate)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The files the pages name, cut from the bundled example."""
    root = tmp_path_factory.mktemp("docs")
    example = ROOT / "examples" / "audio"
    _write(example / "mixture.wav", root / "song.wav")
    _write(example / "reference" / "drums.wav", root / "drums.wav")
    for stem in STEMS:
        _write(example / "reference" / f"{stem}.wav", root / "my_stems" / "song" / f"{stem}.wav")
    _write(example / "mixture.wav", root / "albums" / "first" / "one.flac")
    _write(example / "reference" / "guitar.wav", root / "albums" / "second" / "two.flac")
    lightning_checkpoint(root / "msdm.ckpt", len(STEMS))
    return root


def _run(words: list[str], folder: Path, monkeypatch) -> None:
    """``.venv/bin/diffsep`` runs in this process (the same app, without a second start of torch)."""
    program, args = words[0].removeprefix(".venv/bin/"), words[1:]
    subcommand = args[2] if program == "torchrun" else args[0]
    args = args + SMALL.get(subcommand, [])
    if program == "diffsep":
        monkeypatch.chdir(folder)
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, f"{shlex.join(words)}\n{result.output[-3000:]}\n{result.exception!r}"
        return
    done = subprocess.run([str(BIN / program), *args], cwd=folder, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{shlex.join(words)}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"


def _maker(page: str, path: str) -> list[str]:
    """The page's command that writes ``path`` (a data set the page's later commands read)."""
    for other, words in COMMANDS:
        if other == page and words[1] == "data" and {"-o", "--out"} & set(words) and path in words:
            return words
    raise AssertionError(f"{page} reads {path} but no command of it makes it")


@pytest.mark.parametrize("page, words", COMMANDS, ids=[f"{page}:{' '.join(words[1:3])}" for page, words in COMMANDS])
def test_documented_command_runs_as_written(folder, monkeypatch, page, words):
    for path in (word for word in words[2:] if word.startswith("data/")):
        if words[1] != "data" and not (folder / path).exists():
            _run(_maker(page, path), folder, monkeypatch)
    _run(words, folder, monkeypatch)
    out = next((words[n + 1] for n, word in enumerate(words) if word in ("-o", "--out")), None)
    if out is not None:
        written = folder / out
        assert written.exists() and (written.is_file() or any(written.rglob("*"))), f"{out} not written"


def test_every_page_has_its_commands_checked():
    assert {page for page, _ in COMMANDS} == set(PAGES)
    assert all(words[0].removeprefix(".venv/bin/") in ("diffsep", "torchrun") for _, words in COMMANDS)
