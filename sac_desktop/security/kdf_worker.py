"""Key-derivation worker: a JSON request on stdin, the key in hex on stdout (Qt-free)."""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import sys
from collections.abc import Sequence
from typing import Any, BinaryIO, TextIO

# Imported lazily in main(): cli.py imports this module at start-up, which must not load
# cryptography (tests/test_layers.py, lean start-up imports).

EXIT_BAD_REQUEST = 2
EXIT_WEAK_PARAMS = 3


def main(stdin: BinaryIO | None = None, stdout: TextIO | None = None) -> int:
    # No core file of this process: RLIMIT_CORE=0, set by the app at start-up, is inherited.
    from sac_desktop.security.kdf import InvalidKdfParams, KdfParams, WeakKdfParams, derive

    stdin = stdin if stdin is not None else sys.stdin.buffer
    stdout = stdout if stdout is not None else sys.stdout
    # Errors name the problem only: the request holds the password.
    try:
        request = json.loads(stdin.read().decode("utf-8"))
        password = request["password"]
        salt = base64.b64decode(request["salt"], validate=True)
        params = KdfParams.from_dict(request["params"])
        if not isinstance(password, str):
            raise TypeError("password")
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        if isinstance(exc, InvalidKdfParams):
            sys.stderr.write(f"invalid KDF parameters: {exc}\n")
        else:
            sys.stderr.write(f"malformed request ({type(exc).__name__})\n")
        return EXIT_BAD_REQUEST
    try:
        key = derive(password, salt, params)
    except WeakKdfParams as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_WEAK_PARAMS
    except ValueError as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_BAD_REQUEST
    stdout.write(key.hex() + "\n")
    stdout.flush()
    return 0


class KdfWorkerAction(argparse.Action):
    """``sac-desktop --kdf-worker``: a frozen build has no ``python -m``, so the app runs
    the worker itself and exits, like ``--version``."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs.setdefault("help", argparse.SUPPRESS)
        super().__init__(option_strings, dest, nargs=0, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        parser.exit(main())


if __name__ == "__main__":
    sys.exit(main())
