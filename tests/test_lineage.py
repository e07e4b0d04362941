"""A lineage lists each data set once: given twice, or rendered again after a new manifest key."""

from diffsep.training.lineage import Lineage

TIMBRES = {"source": "mini-slakh", "seed": 23, "tracks": 4000, "soundfonts": ["TimGM6mb.sf2"]}


def test_a_set_given_twice_counts_once():
    lineage = Lineage().extended(10, 3600.0, TIMBRES, TIMBRES)
    assert lineage.data == (TIMBRES,) and (lineage.training_steps, lineage.cpu_hours) == (10, 1.0)


def test_a_set_rendered_again_with_a_later_key_at_its_default_is_the_same_set():
    rendered_again = {**TIMBRES, "one_soundfont": 0.0}
    assert Lineage().extended(1, 0.0, TIMBRES).extended(1, 0.0, rendered_again).data == (TIMBRES,)


def test_a_later_key_away_from_its_default_makes_another_set():
    bands = {**TIMBRES, "one_soundfont": 0.5}
    assert Lineage().extended(1, 0.0, TIMBRES, bands).data == (TIMBRES, bands)
