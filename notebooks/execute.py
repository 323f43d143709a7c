"""Executes notebooks top to bottom with nbclient; any error fails.

usage: execute.py OUT_DIR NOTEBOOK...   (OUT_DIR "-" writes them in place)

Each notebook runs with the repository root as its working directory and
RETRYSIM pointing at the release binary, so it produces its own outputs.
"""
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient

root = pathlib.Path(__file__).resolve().parent.parent
out_dir = sys.argv[1]
for path in map(pathlib.Path, sys.argv[2:]):
    nb = nbformat.read(path, as_version=4)
    start = time.monotonic()
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(root)}}).execute()
    target = path if out_dir == "-" else pathlib.Path(out_dir) / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    print(f"{path.name}: ok in {time.monotonic() - start:.0f} s -> {target}")
