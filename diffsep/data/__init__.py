"""Data: mini-Slakh rendered from procedural MIDI, Slakh2100 and MIDI readers, datasets."""
