"""Command line: start the application, print the version, verify the audit trail.

Start-up reads as a script: harden the process, resolve folders, log safely, install the
crash handler, then (only then) import Qt and open the first window.
"""

from __future__ import annotations

import argparse
import getpass
import locale
import os
import sys
import time
from collections.abc import Sequence
from typing import Any, TextIO

from sac_desktop import __version__
from sac_desktop.domain.audit import PROBLEM_LABELS
from sac_desktop.i18n import LANGUAGES, Translator, translator
from sac_desktop.security.kdf_worker import KdfWorkerAction


def _default_language() -> str:
    for name in ("SAC_LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value[:2] in LANGUAGES:
            return value[:2]
    with_locale = (locale.getlocale()[0] or "")[:2]
    return with_locale if with_locale in LANGUAGES else "en"


def _common_options(parser: argparse.ArgumentParser, default: object, t: Translator) -> None:
    kw = {} if default is None else {"default": default}
    parser.add_argument(
        "--data-dir", metavar="DIR", help=t._("data folder (or set SAC_DATA_DIR)"), **kw
    )
    parser.add_argument("--language", choices=LANGUAGES, help=t._("interface language"), **kw)
    parser.add_argument(
        "--demo", action="store_true", help=t._("use the demo vault of synthetic cases"), **kw
    )


def build_parser(t: Translator | None = None) -> argparse.ArgumentParser:
    t = t or translator(_default_language())
    parser = argparse.ArgumentParser(prog="sac-desktop", description=t._("SAC Desktop"))
    parser.add_argument("--version", action="version", version=f"SAC Desktop {__version__}")
    # The frozen build runs the Argon2id worker as itself (sys.executable --kdf-worker).
    parser.add_argument("--kdf-worker", action=KdfWorkerAction)
    _common_options(parser, None, t)
    sub = parser.add_subparsers(dest="command")
    audit = sub.add_parser("audit", help=t._("audit trail tools"))
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser(
        "verify", help=t._("verify the audit chain of a vault (key read from standard input)")
    )
    # The same options after the subcommand; SUPPRESS keeps values given before it.
    _common_options(verify, argparse.SUPPRESS, t)
    return parser


def _read_key(stdin: TextIO, t: Translator) -> str:
    if stdin.isatty():
        return getpass.getpass(t._("Vault key (64 hexadecimal characters): "))
    return stdin.readline().strip()


def _say_vault_error(out: TextIO, t: Translator, exc: Any) -> None:
    out.write(t._(exc.message) + "\n" + t._(exc.hint) + "\n")
    if exc.detail:  # technical and case-free: which pages, which versions
        out.write(t._("Details: %(detail)s") % {"detail": exc.detail} + "\n")


def audit_verify(args: argparse.Namespace, stdin: TextIO, out: TextIO, t: Translator) -> int:
    """Exit 0: intact. 1: the first bad record is named. 2: cannot open or read the vault.
    3: an unexpected problem (a bug) stopped the check."""
    from sac_desktop.paths import resolve_paths
    from sac_desktop.security.anchors import FileAnchor
    from sac_desktop.security.keys import InvalidKeyText, VaultKey, demo_key
    from sac_desktop.services.audit import verify_vault
    from sac_desktop.services.demo import demo_vault_path
    from sac_desktop.services.vaults import open_for_verification
    from sac_desktop.storage.errors import VaultDamaged, VaultError

    paths = resolve_paths(args.data_dir)
    demo = args.demo
    vault_path = demo_vault_path(paths.demo_dir) if demo else paths.vault
    try:
        key = demo_key() if demo else VaultKey.from_hex(_read_key(stdin, t))
    except InvalidKeyText:
        out.write(t._("The key must be 64 hexadecimal characters.") + "\n")
        return 2
    try:
        vault = open_for_verification(vault_path, key)
    except VaultError as exc:
        _say_vault_error(out, t, exc)
        return 2
    try:
        reports = verify_vault(vault, [FileAnchor(paths.anchors)])
    except VaultDamaged as exc:
        pages = vault.integrity_problems()
        _say_vault_error(out, t, VaultDamaged("; ".join(pages[:5]) or exc.detail))
        return 2
    except VaultError as exc:
        _say_vault_error(out, t, exc)
        return 2
    except Exception:  # a bug: say so calmly, never print case data or a traceback
        out.write(t._("An unexpected problem stopped the verification. Please report it.") + "\n")
        return 3
    finally:
        vault.close()
    broken = [r for r in reports if not r.verification.intact]
    if not broken:
        total = sum(r.verification.records for r in reports)
        out.write(
            t.ngettext(
                "Audit trail intact: %(n)d record verified.",
                "Audit trail intact: %(n)d records verified.",
                total,
            )
            % {"n": total}
        )
        out.write("\n")
        return 0
    for report in broken:
        finding = report.verification.finding
        assert finding is not None
        out.write(t._("Audit trail broken.") + "\n")
        out.write(t._("Chain: %(chain)s") % {"chain": report.chain or "-"} + "\n")
        if finding.seq is not None:
            out.write(t._("First bad record: %(seq)d") % {"seq": finding.seq} + "\n")
        if finding.entry_id is not None:
            out.write(t._("Entry: %(entry)s") % {"entry": finding.entry_id} + "\n")
        label = t._(PROBLEM_LABELS[finding.problem])
        out.write(
            t._("Problem: %(problem)s") % {"problem": f"{label} ({finding.problem.value})"} + "\n"
        )
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    started = time.perf_counter()
    from sac_desktop.crash import disable_core_dumps

    disable_core_dumps()  # before any key or case data is in memory
    args = build_parser().parse_args(argv)
    language = args.language or _default_language()
    t = translator(language)
    if args.command == "audit":
        return audit_verify(args, sys.stdin, sys.stdout, t)
    return run_application(args, language, started)


def run_application(args: argparse.Namespace, language: str, started: float) -> int:
    from sac_desktop.crash import CrashHandler, disable_core_dumps
    from sac_desktop.logsafe import configure_logging, get_logger
    from sac_desktop.paths import resolve_paths

    disable_core_dumps()
    paths = resolve_paths(args.data_dir).create()
    configure_logging(paths.logs)
    log = get_logger("app")
    log.event(
        "app.start",
        version=__version__,
        platform=sys.platform,
        frozen=bool(getattr(sys, "frozen", False)),
    )
    crash = CrashHandler(paths.crash_dir)
    crash.install()
    from sac_desktop.ui.app import run_gui

    code = run_gui(paths, language, crash, open_demo=args.demo, started=started)
    log.event("app.exit", code=code)
    return code
