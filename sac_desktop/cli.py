"""Command line: start the application, build a training vault, verify the audit trail.

Start-up reads as a script: harden the process, resolve folders, log safely, install the
crash handler, then (only then) import Qt and open the first window.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import locale
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from sac_desktop import __version__
from sac_desktop.domain.audit import PROBLEM_LABELS
from sac_desktop.i18n import LANGUAGES, Translator, translator
from sac_desktop.security.kdf_worker import KdfWorkerAction

DEMO_CASES = 12


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


def build_parser(t: Translator | None = None) -> argparse.ArgumentParser:
    t = t or translator(_default_language())
    parser = argparse.ArgumentParser(prog="sac-desktop", description=t._("SAC Desktop"))
    parser.add_argument("--version", action="version", version=f"SAC Desktop {__version__}")
    # The frozen build runs the Argon2id worker as itself (sys.executable --kdf-worker).
    parser.add_argument("--kdf-worker", action=KdfWorkerAction)
    _common_options(parser, None, t)
    parser.add_argument(
        "--demo",
        action="store_true",
        help=t._("open a fresh throwaway training vault of synthetic cases"),
    )
    sub = parser.add_subparsers(dest="command")
    audit = sub.add_parser("audit", help=t._("audit trail tools"))
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser(
        "verify", help=t._("verify the audit chain of a vault (a coordinator signs in)")
    )
    # The same options after the subcommand; SUPPRESS keeps values given before it.
    _common_options(verify, argparse.SUPPRESS, t)
    verify.add_argument("--user", required=True, help=t._("coordinator's user name"))
    verify.add_argument(
        "--password-stdin", action="store_true", help=t._("read the password from standard input")
    )
    report = sub.add_parser(
        "verify-report", help=t._("verify the signatures of a document (exit 0: valid)")
    )
    report.add_argument("file", type=Path, help=t._("the signed PDF"))
    report.add_argument(
        "--crl",
        type=Path,
        action="append",
        default=[],
        help=t._("the CA's revocation list (PEM): a revoked certificate is then not trusted"),
    )
    report.add_argument(
        "--trust",
        type=Path,
        action="append",
        default=[],
        help=t._("a CA certificate (PEM) to trust: the centre's, exported by its coordinator"),
    )
    demo = sub.add_parser("make-demo", help=t._("create a training vault of synthetic cases"))
    _common_options(demo, argparse.SUPPRESS, t)
    demo.add_argument("--cases", type=int, default=DEMO_CASES, help=t._("number of cases"))
    return parser


def _say_vault_error(out: TextIO, t: Translator, exc: Any) -> None:
    out.write(t._(exc.message) + "\n" + t._(exc.hint) + "\n")
    if exc.detail:  # technical and case-free: which pages, which versions
        out.write(t._("Details: %(detail)s") % {"detail": exc.detail} + "\n")


def _read_password(args: argparse.Namespace, stdin: TextIO, t: Translator) -> str:
    if args.password_stdin or not stdin.isatty():
        return stdin.readline().rstrip("\n")
    return getpass.getpass(t._("Password: "))


def verify_report(args: argparse.Namespace, out: TextIO, t: Translator) -> int:
    """Exit 0 only for a document whose every signature is intact, valid, chains to a
    trusted CA and covers the file (or is followed only by signatures and form filling);
    1 otherwise, with what was found."""
    from cryptography import x509

    from sac_desktop.reports.signing import (
        ALLOWED_AFTER,
        UNREADABLE_PDF,
        UNREADABLE_SIGNATURE,
        verify,
    )

    if not args.trust:
        out.write(t._("Give the CA certificate to trust with --trust CA.pem.") + "\n")
        return 1
    try:
        pdf = args.file.read_bytes()
        trust = [x509.load_pem_x509_certificate(path.read_bytes()) for path in args.trust]
        crls = [x509.load_pem_x509_crl(path.read_bytes()) for path in args.crl]
    except (OSError, ValueError) as exc:
        out.write(t._("The file cannot be read: %(what)s") % {"what": type(exc).__name__} + "\n")
        return 1
    verdict = verify(pdf, trust, crls)
    if verdict.problem:
        problems = {
            UNREADABLE_PDF: t._("the file is not a PDF that can be read"),
            UNREADABLE_SIGNATURE: t._("a signature in it cannot be read"),
        }
        out.write(t._("NOT valid: %(problem)s.") % {"problem": problems[verdict.problem]} + "\n")
        return 1
    if not verdict.signatures:
        out.write(t._("NOT valid: the document carries no signature.") + "\n")
        return 1
    for number, report in enumerate(verdict.signatures, start=1):
        when = report.signed_at.isoformat() if report.signed_at else "?"
        out.write(
            t._(
                "Signature %(number)d: %(signer)s (certificate %(serial)x), signed at %(when)s "
                "by the workstation clock (self-asserted)."
            )
            % {"number": number, "signer": report.signer, "serial": report.serial, "when": when}
            + "\n"
        )
        checks = (
            (report.intact, t._("the signed bytes are unchanged")),
            (report.valid, t._("the signature is cryptographically valid")),
            (report.trusted, t._("the certificate chains to a trusted CA")),
            (
                report.covers == "entire_file" or report.after in ALLOWED_AFTER,
                t._("it covers the whole file, or only signatures and form filling follow"),
            ),
        )
        for passed, what in checks:
            mark = t._("yes") if passed else t._("NO")
            out.write(f"  {mark}: {what}\n")
        if report.reason:
            out.write(f"  {report.reason}\n")
    if verdict.signatures[-1].covers != "entire_file":
        out.write(t._("Something was added after the last signature.") + "\n")
    if not verdict.revocation_checked:
        out.write(t._("Revocation was not checked: give the CA's list with --crl.") + "\n")
    if verdict.valid:
        out.write(t._("The document is valid.") + "\n")
        return 0
    out.write(
        t._("The document is NOT valid: it was changed after signing, or is not trusted.") + "\n"
    )
    return 1


def audit_verify(args: argparse.Namespace, stdin: TextIO, out: TextIO, t: Translator) -> int:
    """Exit 0: intact. 1: the first bad record is named. 2: cannot sign in or read the
    vault. 3: an unexpected problem (a bug) stopped the check."""
    from sac_desktop.domain.roles import Role
    from sac_desktop.paths import resolve_paths
    from sac_desktop.services.audit import verify_vault
    from sac_desktop.services.installation import DeviceSecretMissing, production_installation
    from sac_desktop.services.signin_errors import KeystoreError, SlotError
    from sac_desktop.services.signin_guard import Throttled
    from sac_desktop.storage.errors import VaultDamaged, VaultError

    paths = resolve_paths(args.data_dir)
    installation = production_installation(paths)
    try:
        signed_in = installation.sign_in(args.user, _read_password(args, stdin, t))
    except VaultError as exc:
        _say_vault_error(out, t, exc)
        return 2
    except (SlotError, Throttled, DeviceSecretMissing, KeystoreError):
        out.write(t._("Signing in failed: check the user name and the password.") + "\n")
        return 2
    session = signed_in.session
    try:
        if signed_in.account.role != Role.COORDINATOR.value:
            out.write(t._("Only a coordinator may verify the audit trail.") + "\n")
            return 2
        reports = verify_vault(session.vault, session.trail.anchors)
    except VaultDamaged as exc:
        pages = session.vault.integrity_problems()
        _say_vault_error(out, t, VaultDamaged("; ".join(pages[:5]) or exc.detail))
        return 2
    except VaultError as exc:
        _say_vault_error(out, t, exc)
        return 2
    except Exception:  # a bug: say so calmly, never print case data or a traceback
        out.write(t._("An unexpected problem stopped the verification. Please report it.") + "\n")
        return 3
    finally:
        with contextlib.suppress(VaultError):  # the verdict below says what matters
            session.close()
    return _report(reports, out, t)


def _report(reports: Sequence[Any], out: TextIO, t: Translator) -> int:
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


def build_training_vault(data_dir: Path, cases: int, throwaway: bool = False) -> list[Any]:
    """A training installation with a demo account for every role (Argon2id at the floor)."""
    from datetime import UTC, datetime

    from sac_desktop.domain.clock import FixedClock
    from sac_desktop.paths import resolve_paths
    from sac_desktop.security.anchors import FileAnchor
    from sac_desktop.security.kdf import FLOOR, derive
    from sac_desktop.security.keystore import DeviceSecretStore
    from sac_desktop.services.demo import make_demo
    from sac_desktop.services.session import default_anchors

    paths = resolve_paths(data_dir).create()
    return make_demo(
        paths,
        cases=cases,
        clock=FixedClock(datetime.now(UTC)),
        derive=derive,
        kdf_params=FLOOR,
        keystore=None if throwaway else DeviceSecretStore(),
        anchors=[FileAnchor(paths.anchors)] if throwaway else default_anchors(paths),
    )


def make_demo_command(args: argparse.Namespace, out: TextIO, t: Translator) -> int:
    from sac_desktop.paths import resolve_paths

    paths = resolve_paths(args.data_dir)
    if paths.vault.exists():
        out.write(t._("This data folder already holds a vault; nothing was changed.") + "\n")
        return 2
    accounts = build_training_vault(paths.data, max(0, args.cases))
    out.write(t._("Training vault created in %(folder)s.") % {"folder": paths.data} + "\n")
    out.write(t._("Demo sign-ins (shown only now):") + "\n")
    for account in accounts:
        out.write(f"  {account.username:<14} {account.password}   ({account.role.value})\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    started = time.perf_counter()
    from sac_desktop.crash import disable_core_dumps

    disable_core_dumps()  # before any key or case data is in memory
    args = build_parser().parse_args(argv)
    language = args.language or _default_language()
    t = translator(language)
    if args.command == "audit":
        return audit_verify(args, sys.stdin, sys.stdout, t)
    if args.command == "make-demo":
        return make_demo_command(args, sys.stdout, t)
    if args.command == "verify-report":
        return verify_report(args, sys.stdout, t)
    return run_application(args, language, started)


def run_application(args: argparse.Namespace, language: str, started: float) -> int:
    from sac_desktop.crash import CrashHandler
    from sac_desktop.logsafe import configure_logging, get_logger
    from sac_desktop.paths import resolve_paths

    throwaway: Path | None = None
    data_dir = args.data_dir
    if args.demo:
        # A fresh training vault each time, removed at exit: synthetic data only.
        throwaway = Path(tempfile.mkdtemp(prefix="sac-desktop-training-"))
        data_dir = throwaway / "data"
        os.environ["SAC_ANCHOR_DIR"] = str(throwaway / "anchors")
    paths = resolve_paths(data_dir).create()
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
    training_dirs: list[Path] = []

    def make_training() -> tuple[Any, list[Any]]:
        """From the start screen: a throwaway training vault, deleted at exit."""
        from sac_desktop.services.installation import production_installation

        folder = Path(tempfile.mkdtemp(prefix="sac-desktop-training-"))
        training_dirs.append(folder)
        os.environ["SAC_ANCHOR_DIR"] = str(folder / "anchors")
        accounts = build_training_vault(folder / "data", DEMO_CASES, throwaway=True)
        return production_installation(resolve_paths(folder / "data"), throwaway=True), accounts

    try:
        demo_accounts = (
            build_training_vault(paths.data, DEMO_CASES, throwaway=True) if args.demo else None
        )
        from sac_desktop.services.installation import production_installation
        from sac_desktop.ui.app import run_gui

        code = run_gui(
            paths,
            language,
            crash,
            started=started,
            demo_accounts=demo_accounts,
            make_training=make_training,
            installation=production_installation(paths, throwaway=True) if args.demo else None,
        )
        log.event("app.exit", code=code)
    finally:
        for folder in [*training_dirs, *([throwaway] if throwaway else [])]:
            shutil.rmtree(folder, ignore_errors=True)
    return code
