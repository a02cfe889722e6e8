"""Files Crumbs is told to read (inputs, keys, tokens, configs): regular files only.

A FIFO or a device named where a file is expected would hang a reader or never
end (``/dev/zero``); each is refused at once, with what it is.
"""

from __future__ import annotations

import os
import stat

_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)


class NotRegularFile(OSError):
    """The path is there but is not a regular file; ``str()`` says what it is."""


def regular(path: str | os.PathLike[str]) -> os.stat_result:
    """``path``'s stat (following links) if it is a regular file; NotRegularFile if it is something
    else, OSError if it cannot be looked at."""
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        what = next((name for test, name in _KINDS if test(st.st_mode)), "not a file")
        raise NotRegularFile(f"{what}, not a regular file")
    return st


def reason(err: OSError) -> str:
    """One line for an OSError (what the OS says, without its numbers)."""
    if isinstance(err, NotRegularFile):
        return str(err)
    return str(err.strerror or err)
