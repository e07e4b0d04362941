"""SI-SDR, the MSDM evaluation protocol, and scoring of whole data sets."""
