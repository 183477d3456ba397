"""`mammoth sandbox-check`: print the isolation programs get on this machine, then run a hostile
self-test through `mammoth run-programs` and say, action by action, whether it was contained.

Every hostile program aims only at files and processes this command creates in a fresh temp dir
(under /var/tmp when writable) and removes afterwards. Exit status: 0 when everything was
contained, 1 when something escaped, 3 when the sandbox refuses to run here (with the fix).
"""

from __future__ import annotations

import argparse
import json
import sys

from mammoth_assets.core.sandbox import ISOLATIONS, SandboxUnavailable, resolve_isolation
from mammoth_assets.core.sandbox.hostile import ACTIONS, HostileTargets, cli_runner, run_hostile_set


def register(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "sandbox-check",
        help="show the sandbox isolation in use and run a hostile self-test",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--isolation", choices=ISOLATIONS, default="auto", help="the isolation to check")
    parser.add_argument("--no-self-test", action="store_true", help="only print the isolation")
    parser.add_argument("--json", action="store_true", help="one JSON object instead of text")
    parser.set_defaults(handler=run)


def _modes() -> dict[str, str]:
    """What each isolation request gets here, or why it is refused."""
    found = {}
    for requested in ISOLATIONS:
        try:
            found[requested] = resolve_isolation(requested).summary()
        except SandboxUnavailable as error:
            found[requested] = f"refused: {error}"
    return found


def run(args: argparse.Namespace) -> int:
    modes = _modes()
    try:
        isolation = resolve_isolation(args.isolation)
    except SandboxUnavailable as error:
        if args.json:
            print(json.dumps({"requested": args.isolation, "refused": str(error), "modes": modes}))
        else:
            print(f"sandbox-check: isolation {args.isolation!r} refused: {error}", file=sys.stderr)
        return 3
    outcomes = []
    if not args.no_self_test:
        with HostileTargets() as targets:
            outcomes = run_hostile_set(cli_runner(targets, args.isolation), targets)
    escaped = [o for o in outcomes if not o.contained]
    if args.json:
        print(json.dumps({
            "requested": args.isolation, "isolation": isolation.describe(), "modes": modes,
            "self_test": [o.__dict__ for o in outcomes], "escaped": len(escaped),
        }, indent=2))
        return 1 if escaped else 0
    print(f"isolation requested: {args.isolation}")
    print(f"isolation in use:    {isolation.summary()}")
    for layer in isolation.layers():
        print(f"  - {layer}")
    for note in isolation.notes:
        print(f"  note: {note}")
    print("every request on this machine:")
    for requested, summary in modes.items():
        print(f"  {requested:8s} {summary}")
    if outcomes:
        print(f"self-test through `mammoth run-programs` ({len(ACTIONS)} hostile actions, then a harmless one):")
        print(f"  {'action':22s} {'status':8s} {'contained':9s} evidence")
        for outcome in outcomes:
            print(f"  {outcome.action:22s} {outcome.status:8s} {'yes' if outcome.contained else 'NO':9s} "
                  f"{outcome.evidence[:100]}")
        print(f"result: {len(outcomes) - len(escaped)}/{len(outcomes)} contained"
              + (f"; ESCAPED: {', '.join(o.action for o in escaped)}" if escaped else ""))
    return 1 if escaped else 0
