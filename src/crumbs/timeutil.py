"""Time as Crumbs keeps it: integer nanoseconds since the Unix epoch, UTC.

Kubernetes writes RFC 3339 times (``2021-05-19T09:42:58Z``, MicroTime with
microseconds, watch recorders with nanoseconds). Parsing is cached: the same
timestamp strings repeat across managedFields and conditions of many objects.
"""

from __future__ import annotations

import math
import re
import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache

NS = 1_000_000_000
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(?:([Zz])|([+-])(\d{2}):?(\d{2}))$"
)
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})$")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_UNIT_NS = {
    "ms": NS // 1000,
    "s": NS,
    "m": 60 * NS,
    "h": 3600 * NS,
    "d": 86400 * NS,
    "w": 7 * 86400 * NS,
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MIN_NS = -(2**63)
MAX_NS = 2**63 - 1
"""Times are 64-bit nanoseconds: from 1677-09-21T00:12:43Z to 2262-04-11T23:47:16Z."""
RANGE = "1677-09-22 to 2262-04-11"


def in_range(ns: int) -> bool:
    return MIN_NS <= ns <= MAX_NS


def time_problem(text: str) -> str:
    """Why ``text`` is not a time Crumbs can keep (for messages)."""
    if (_RFC3339.match(text) or _DATE.match(text)) and _calendar_ok(text):
        return f"{text[:40]!r} is outside the times Crumbs can keep ({RANGE})"
    return f"is not an RFC 3339 time: {text[:40]!r}"


def _calendar_ok(text: str) -> bool:
    m = _RFC3339.match(text) or _DATE.match(text)
    assert m is not None
    y, mo, d = (int(x) for x in m.groups()[:3])
    try:
        datetime(y, mo, d)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=65536)
def parse_time(text: str) -> int | None:
    """RFC 3339 (or a bare date) to nanoseconds; None when it is not a time."""
    m = _RFC3339.match(text)
    if m is None:
        d = _DATE.match(text)
        if d is None:
            return None
        year, month, mday = (int(x) for x in d.groups())
        try:
            dt = datetime(year, month, mday, tzinfo=UTC)
        except ValueError:
            return None
        return _to_ns(dt, 0)
    y, mo, day, h, mi, s, frac, z, sign, oh, om = m.groups()
    try:
        dt = datetime(int(y), int(mo), int(day), int(h), int(mi), int(s), tzinfo=UTC)
        if not z:
            offset = timedelta(hours=int(oh), minutes=int(om))
            dt = dt - offset if sign == "+" else dt + offset
    except (ValueError, OverflowError):
        return None
    return _to_ns(dt, int(frac.ljust(9, "0")) if frac else 0)


def _to_ns(dt: datetime, frac_ns: int) -> int | None:
    delta = dt - _EPOCH
    ns = (delta.days * 86400 + delta.seconds) * NS + frac_ns
    return ns if in_range(ns) else None


def format_time(ns: int, precise: bool = True) -> str:
    """Nanoseconds to RFC 3339 UTC; sub-second digits only when there are any."""
    secs, frac = divmod(ns, NS)
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs))
    if precise and frac:
        return f"{base}.{frac:09d}".rstrip("0") + "Z"
    return base + "Z"


def now_ns() -> int:
    return time.time_ns()


def parse_duration(text: str) -> int | None:
    """``90s``, ``15m``, ``2h``, ``1h30m``, ``7d``, ``2w`` to nanoseconds; None if not one."""
    text = text.strip()
    pos, total = 0, 0.0
    for m in _DURATION.finditer(text):
        if m.start() != pos:
            return None
        total += float(m.group(1)) * _UNIT_NS[m.group(2)]
        pos = m.end()
    if pos != len(text) or pos == 0:
        return None
    if not math.isfinite(total) or total > 2 * MAX_NS:
        return 2 * MAX_NS  # a duration no time range holds: the callers say so
    return int(total)


def parse_when(text: str, reference: int) -> int | None:
    """A time given on the command line: RFC 3339, a date, ``now``, or a duration ago.

    Durations count back from ``reference`` (the store's clock, never the wall
    clock for recorded data): ``--at 2h`` is two hours before it.
    """
    text = text.strip()
    if text in ("now", "latest"):
        return reference
    t = parse_time(text)
    if t is not None:
        return t
    d = parse_duration(text.removesuffix(" ago").removeprefix("-"))
    if d is not None and in_range(reference - d):
        return reference - d
    return None


def humanize_age(ns: int) -> str:
    """A kubectl-style age: ``45s``, ``12m``, ``5h``, ``3d``."""
    s = max(ns // NS, 0)
    if s < 120:
        return f"{s}s"
    if s < 7200:
        return f"{s // 60}m"
    if s < 172800:
        return f"{s // 3600}h"
    return f"{s // 86400}d"


LOG_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d))\s")
"""The time ``kubectl logs --timestamps`` (the runtime, ``timestamps=true``) puts first on a log
line, with its zone. A prefix without a zone is the application's own clock: not trusted."""


def log_line_time(line: str) -> int | None:
    """The time a log line starts with (:data:`LOG_STAMP`), or None."""
    m = LOG_STAMP.match(line)
    return parse_time(m.group(1)) if m else None
