"""Running the CLI inside this process, output captured: how the copilot's tools run commands."""

from __future__ import annotations

import io
import sys
import threading

_LOCK = threading.Lock()


def run(argv: list[str]) -> tuple[int, bytes, str]:
    """The CLI in this process, its stdout and stderr captured (one at a time: they are process-wide)."""
    from crumbs.cli import main

    with _LOCK:
        out, err = io.BytesIO(), io.StringIO()
        wrapper = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
        real_out, real_err = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = wrapper, err
        try:
            code = main(argv)
        finally:
            wrapper.flush()
            wrapper.detach()  # closing the wrapper would close the buffer
            sys.stdout, sys.stderr = real_out, real_err
        return code, out.getvalue(), err.getvalue()
