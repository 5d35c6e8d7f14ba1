"""``advrl demos`` — inspect and convert expert demonstration files."""

from __future__ import annotations

import argparse

from advrl.cli.help import DefaultsFormatter
from advrl.demos.loader import FORMATS


def register(sub: argparse._SubParsersAction) -> None:
    demos = sub.add_parser("demos", help="inspect / convert expert demonstration files")
    verbs = demos.add_subparsers(dest="verb", required=True, metavar="VERB")
    formats = ("auto", *FORMATS)

    inspect = verbs.add_parser("inspect", help="print format, episodes, lengths, returns and spaces of FILE",
                               formatter_class=DefaultsFormatter)
    inspect.add_argument("file", help="demonstrations file or dataset folder")
    inspect.add_argument("--env", default=None, help="gymnasium env id to validate against")
    inspect.add_argument("--format", default="auto", choices=formats, help="file format (auto: detected)")
    inspect.add_argument("--allow-pickle", action="store_true", help="load pickled fields (only for trusted files)")
    inspect.add_argument("--json", action="store_true", help="print the summary as JSON")
    inspect.set_defaults(func=_inspect)

    convert = verbs.add_parser("convert", help="write IN in the native advrl .npz format",
                               formatter_class=DefaultsFormatter)
    convert.add_argument("input", metavar="IN", help="demonstrations file or dataset folder")
    convert.add_argument("output", metavar="OUT", help="native .npz to write (atomically)")
    convert.add_argument("--env", default=None, help="gymnasium env id to validate against (recorded in the file)")
    convert.add_argument("--format", default="auto", choices=formats, help="file format (auto: detected)")
    convert.add_argument("--allow-pickle", action="store_true", help="load pickled fields (only for trusted files)")
    convert.add_argument("--overwrite", action="store_true", help="replace an existing OUT")
    convert.set_defaults(func=_convert)


def _fmt_stats(stats: dict[str, float] | None, digits: int = 1) -> str:
    if stats is None:
        return "n/a (no rewards in file)"
    return (f"{stats['mean']:.{digits}f} ± {stats['std']:.{digits}f} "
            f"(min {stats['min']:.{digits}f}, max {stats['max']:.{digits}f})")


def _inspect(args: argparse.Namespace) -> int:
    import json

    from advrl.demos import load_demos
    from advrl.demos.summary import summarize

    demos = load_demos(args.file, format=args.format, env=args.env, allow_pickle=args.allow_pickle)
    s = summarize(demos)
    if args.json:
        print(json.dumps(s, indent=2, default=str))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"demonstrations: {args.file}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    table.add_row("format", str(s["format"]))
    if s["env_id"]:
        table.add_row("env", f"{s['env_id']}" + (" (validated)" if args.env else ""))
    table.add_row("episodes", str(s["episodes"]))
    table.add_row("steps", str(s["steps"]))
    lengths = s["lengths"]
    table.add_row("lengths", f"min {lengths['min']:.0f}, mean {lengths['mean']:.1f}, max {lengths['max']:.0f}")
    table.add_row("returns", _fmt_stats(s["returns"], 2))
    if "stored_returns" in s:
        st = s["stored_returns"]
        verdict = {True: "match", False: "MISMATCH", None: "cannot check (no rewards)"}[st["match"]]
        extra = f", max |diff| {st['max_abs_diff']:.3g}" if st.get("max_abs_diff") is not None else ""
        extra += f"; {st['note']}" if st.get("note") else ""
        table.add_row("stored returns", f"'{st['field']}' mean {st['mean']:.2f}: {verdict} with recomputed{extra}")
    table.add_row("observation space", s["spaces"]["obs"])
    table.add_row("action space", s["spaces"]["acts"])
    if s["terminals_known"]:
        table.add_row("episode ends", f"{s['terminations']} terminations, {s['truncations_or_unknown']} truncations")
    else:
        table.add_row("episode ends", f"{s['episodes']} (termination vs truncation not stored; all marked terminal)")
    table.add_row("final obs missing", f"{s['final_obs_missing']} episode(s)")
    table.add_row("skipped", "; ".join(s["skipped"]) if s["skipped"] else "nothing")
    for note in s["notes"]:
        table.add_row("note", note)
    Console(width=120).print(table)
    return 0


def _convert(args: argparse.Namespace) -> int:
    from advrl.core import check_output_file
    from advrl.demos import load_demos, save_demos

    check_output_file(args.output, flag="OUT", overwrite=args.overwrite)
    demos = load_demos(args.input, format=args.format, env=args.env, allow_pickle=args.allow_pickle)
    out = save_demos(demos, args.output)
    skipped = demos.metadata.get("skipped") or []
    print(f"wrote {out} (advrl format v1): {demos.n_episodes} episodes, {demos.n_steps} steps from "
          f"{demos.metadata.get('format')} file {args.input}" + (f"; skipped: {'; '.join(skipped)}" if skipped else ""))
    return 0
