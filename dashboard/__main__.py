"""``python -m dashboard [--server.option value ...]``: serve the atlas. The one start command.

Runs ``streamlit run dashboard/server.py`` (Streamlit's app behind the request guard) in this process,
with the options given. Without ``--server.address`` (or ``STREAMLIT_SERVER_ADDRESS``) it listens on
127.0.0.1 only: ``--server.address 0.0.0.0`` serves a class on the local network (docs/deploy.md).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

SERVER_SCRIPT = Path(__file__).resolve().parent / "server.py"
DEFAULT_ADDRESS = "127.0.0.1"


def streamlit_args(argv: list[str], environ: dict[str, str] | os._Environ[str] = os.environ) -> list[str]:
    """The ``streamlit`` command-line arguments for ``argv`` (options as ``--server.port 8501`` or ``=8501``)."""
    has_address = any(arg == "--server.address" or arg.startswith("--server.address=") for arg in argv)
    address = [] if has_address or environ.get("STREAMLIT_SERVER_ADDRESS") else ["--server.address", DEFAULT_ADDRESS]
    return ["run", str(SERVER_SCRIPT), *address, *argv]


def main(argv: list[str] | None = None) -> None:
    from streamlit.web import cli

    cli.main(streamlit_args(list(sys.argv[1:] if argv is None else argv)), prog_name="streamlit")


if __name__ == "__main__":
    main()
