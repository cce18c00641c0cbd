"""``python -m innodex``: the commands of the Python package (``sweep``: run files as one sweep,
locally or on a Dask cluster, with one combined report; see :mod:`innodex._sweep_cli`). The
``innodex`` binary of the Rust crate has the other commands."""

import sys

from innodex._sweep_cli import main

if __name__ == "__main__":
    sys.exit(main())
