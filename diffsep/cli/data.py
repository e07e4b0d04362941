"""``diffsep data``: make a mini-Slakh data set, render MIDI files, or prepare Slakh2100."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from diffsep.cli.common import friendly, progress_bar
from diffsep.data.corpus import COMPOSERS

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Make or prepare data sets (MSDM layout).")

OUT = typer.Option(..., "--out", "-o", help="Output folder: OUT/{train,validation,test}/<track>/<stem>.wav.")
RATE = typer.Option(22050, "--sample-rate", help="Sample rate of the written files, Hz.")
RENDER_RATE = typer.Option(
    44100, "--render-rate", metavar="HZ",
    help="The rate the synthesizers play at (at least --sample-rate); the stems are resampled to --sample-rate "
         "after, so no partial above its Nyquist frequency folds back. Equal to --sample-rate: rendered at it, "
         "as every set was before this option.")
OVERWRITE = typer.Option(False, "--overwrite", help="Write into a non-empty OUT.")
RESUME = typer.Option(False, "--resume", help="Continue an interrupted render into OUT: tracks already written whole are kept (a track depends on --seed and its index alone), others are removed; refused if its tracks were rendered at another --sample-rate or --render-rate.")
SOUNDFONT = typer.Option(
    None, "--soundfont", metavar="[STEM=]PATH",
    help="A General MIDI SoundFont (.sf2/.sf3) or a folder of them to draw each stem's timbre from; "
         "STEM=PATH gives all of a SoundFont's presets to one stem (a drum kit, a piano). "
         "Repeatable. Default: pretty_midi's TimGM6mb.")

ONE_SOUNDFONT = typer.Option(
    0.0, "--one-soundfont", min=0.0, max=1.0, metavar="SHARE",
    help="The share of songs whose stems all play one SoundFont, drawn among those that play every stem "
         "(a band on one synthesizer, as the held-out test songs are); the others draw one for each stem.")


def _check_rate(sample_rate: int, render_rate: int | None = None) -> None:
    from diffsep.errors import DiffsepError

    for name, rate in (("--sample-rate", sample_rate), ("--render-rate", render_rate)):
        if rate is not None and rate <= 0:
            raise DiffsepError(f"{name} must be positive, got {rate}")


TRACKS = typer.Option(100, min=1, help="Number of songs (split 80/10/10 into train/validation/test).")
SECONDS = typer.Option(12.0, min=0.5, help="Length of each song, seconds.")
SEED = typer.Option(0, help="Seed; the same seed gives the same files whatever --workers.")
WORKERS = typer.Option(1, min=1, help="Processes rendering in parallel.")


@app.command("synth")
@friendly
def synth(
    out: Path = OUT,
    tracks: int = TRACKS,
    seconds: float = SECONDS,
    seed: int = SEED,
    sample_rate: int = RATE,
    render_rate: int = RENDER_RATE,
    workers: int = WORKERS,
    soundfont: Optional[List[str]] = SOUNDFONT,
    one_soundfont: float = ONE_SOUNDFONT,
    overwrite: bool = OVERWRITE,
    resume: bool = RESUME,
) -> None:
    """Compose and render procedural four-stem songs (bass, drums, guitar, piano)."""
    from diffsep.data.synth import SynthConfig

    _check_rate(sample_rate, render_rate)
    _make(SynthConfig(out, tracks, seconds, seed, sample_rate, tuple(soundfont or ()), one_soundfont, render_rate), workers,
          overwrite, resume)


@app.command("corpus")
@friendly
def corpus(
    out: Path = OUT,
    tracks: int = TRACKS,
    seconds: float = SECONDS,
    composers: str = typer.Option(",".join(COMPOSERS), help="Comma-separated composers of music21's corpus "
                                  "(Bach is reserved and refused)."),
    seed: int = SEED,
    sample_rate: int = RATE,
    render_rate: int = RENDER_RATE,
    workers: int = WORKERS,
    soundfont: Optional[List[str]] = SOUNDFONT,
    one_soundfont: float = ONE_SOUNDFONT,
    overwrite: bool = OVERWRITE,
    resume: bool = RESUME,
) -> None:
    """Excerpts of real multi-part scores (music21's corpus) as four-stem songs, drums in their meter."""
    from diffsep.data.corpus import CorpusConfig

    _check_rate(sample_rate, render_rate)
    names = tuple(name.strip() for name in composers.split(",") if name.strip())
    _make(CorpusConfig(out, tracks, seconds, seed, sample_rate, tuple(soundfont or ()), one_soundfont, render_rate, composers=names),
          workers, overwrite, resume)


def _make(config, workers: int, overwrite: bool, resume: bool) -> None:
    """Render ``config``'s tracks with a progress bar, then say how many went to each split."""
    from diffsep.data.synth import synthesize

    with progress_bar("rendering songs", config.tracks) as advance:
        counts = synthesize(config, workers, overwrite, advance, resume)
    typer.echo(f"wrote {config.tracks} tracks to {config.out}: " + ", ".join(f"{n} {split}" for split, n in counts.items()))


@app.command("render-midi")
@friendly
def render_midi(
    inputs: List[Path] = typer.Argument(..., help="MIDI files or folders (searched recursively).", show_default=False),
    out: Path = OUT,
    sample_rate: int = RATE,
    render_rate: int = RENDER_RATE,
    split: Optional[str] = typer.Option(None, help="Put every track in this split [default: 80/10/10]."),
    soundfont: Optional[List[str]] = SOUNDFONT,
    one_soundfont: float = ONE_SOUNDFONT,
    seed: int = typer.Option(0, help="Seed of the timbres drawn for each file's stems."),
    overwrite: bool = OVERWRITE,
) -> None:
    """Render General MIDI files to stems by Slakh class (piano, guitar, bass, drums)."""
    import numpy as np

    from diffsep.data.layout import prepare_output
    from diffsep.data.midi_files import midi_files, render_midi_file, track_folders
    from diffsep.data.soundfonts import Palette

    _check_rate(sample_rate, render_rate)
    palette = Palette.load(soundfont, one_soundfont)
    files = midi_files(inputs)
    prepare_output(out, overwrite)
    left_out = {}
    with progress_bar("rendering MIDI", len(files)) as advance:
        for index, (path, folder) in enumerate(zip(files, track_folders(files, out, split))):
            file_seed = int(np.random.SeedSequence([seed, index]).generate_state(1)[0])
            rendered = render_midi_file(path, folder, sample_rate, palette, file_seed, render_rate)
            if rendered.left_out:
                left_out[path.name] = rendered.left_out
            advance(1)
    typer.echo(f"wrote {len(files)} tracks to {out}")
    for name, programs in left_out.items():
        typer.echo(f"  {name}: left out {', '.join(programs)}")


@app.command("prepare-slakh")
@friendly
def prepare_slakh(
    raw_root: Path = typer.Argument(..., help="Raw Slakh2100: RAW/<split>/TrackXXXXX/{metadata.yaml,stems/}.", show_default=False),
    out: Path = OUT,
    sample_rate: int = RATE,
    overwrite: bool = OVERWRITE,
) -> None:
    """Sum each class's stems of raw Slakh2100, mono, at the chosen rate."""
    from diffsep.data.layout import prepare_output
    from diffsep.data.slakh import prepare_track, raw_tracks

    _check_rate(sample_rate)
    found = raw_tracks(raw_root)
    prepare_output(out, overwrite)
    with progress_bar("preparing Slakh2100", len(found)) as advance:
        for split, raw in found:
            prepare_track(raw, out / split / raw.name, sample_rate)
            advance(1)
    typer.echo(f"wrote {len(found)} tracks to {out}")
