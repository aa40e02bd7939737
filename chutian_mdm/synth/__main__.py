"""``python -m chutian_mdm.synth samples [OUT_DIR]`` and ``… police-csv PATH --rows N``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import DEFAULT_OUT_DIR, write_samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chutian_mdm.synth",
                                     description="Generate synthetic, dirty sample data.")
    commands = parser.add_subparsers(dest="command", required=True)
    samples = commands.add_parser("samples", help="regenerate the committed sample set")
    samples.add_argument("out_dir", nargs="?", type=Path, default=DEFAULT_OUT_DIR,
                         help=f"folder to write (default: {DEFAULT_OUT_DIR})")
    police = commands.add_parser("police-csv", help="a large police-style population CSV")
    police.add_argument("path", type=Path)
    police.add_argument("--rows", type=int, default=1_000_000)
    police.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        if args.command == "samples":
            for path in write_samples(args.out_dir):
                print(path)
        else:
            from .bulk import write_police_csv

            started = time.perf_counter()
            write_police_csv(args.path, args.rows, args.seed)
            print(f"{args.path}: {args.rows} rows in {time.perf_counter() - started:.1f} s")
    except RuntimeError as exc:  # Faker missing
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
