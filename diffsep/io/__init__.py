"""Audio in and out: files, streaming of long files through overlapping segments, output
formats, atomic writes, pictures; and the separation job that ties them to the API."""
