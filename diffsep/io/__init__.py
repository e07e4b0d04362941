"""Files in and out: audio files read in blocks, output formats and names, atomic writes,
pictures, and the run over files (:mod:`diffsep.io.job`) that feeds the separation engine
(:mod:`diffsep.separation`) and writes what it returns."""
