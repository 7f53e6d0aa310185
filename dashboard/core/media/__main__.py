"""python -m dashboard.core.media OUTDIR [--lang en|ru|zh|all] [--url ADDRESS]: every slide and handout file."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dashboard.core.i18n import LANGUAGES
from dashboard.core.loaders import load_atlas
from dashboard.core.media.mapimage import DEFAULT_URL
from dashboard.core.media.pack import write_media


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.core.media",
                                     description="Write map images, the range change (GIF, MP4) and the handout "
                                                 "PDFs of the Amur Leopard Atlas into OUTDIR/media/.")
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--lang", choices=[*LANGUAGES, "all"], default="all")
    parser.add_argument("--url", default=DEFAULT_URL, help="the Atlas's address, printed on every file")
    args = parser.parse_args(argv)
    atlas = load_atlas()
    for lang in LANGUAGES if args.lang == "all" else [args.lang]:
        print(f"{lang}:", file=sys.stderr)
        files = write_media(args.outdir, atlas, lang, url=args.url, report=True)
        print(f"{lang}: wrote {len(files)} files to {args.outdir / 'media'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
