"""Running a command on a pseudo-terminal, for what only a terminal gets (progress, colours)."""

from __future__ import annotations

import os
import pty
import select
import subprocess


def on_terminal(argv: list[str], env: dict[str, str | None], stdout_too: bool = True, cwd: str | None = None) -> tuple[int, str]:  # fmt: skip
    """(exit status, what the terminal received): stderr, and stdout unless ``stdout_too`` is
    False (then piped and dropped), on a pty; the environment is ``env`` over this one's (None:
    unset)."""
    leader, follower = pty.openpty()
    merged = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
    proc = subprocess.Popen(argv, stdout=follower if stdout_too else subprocess.DEVNULL, stderr=follower,
                            stdin=subprocess.DEVNULL, env=merged, cwd=cwd)  # fmt: skip
    os.close(follower)
    seen = b""
    while select.select([leader], [], [], 60)[0]:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        seen += chunk
    code = proc.wait(60)
    os.close(leader)
    return code, seen.decode("utf-8", "replace")
