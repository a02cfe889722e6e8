"""CronJob schedules by the controller's rules (robfig/cron v3, ``ParseStandard``), computed with croniter.

- five fields: minute hour day-of-month month day-of-week, or a descriptor
  (``@yearly``/``@annually``, ``@monthly``, ``@weekly``, ``@daily``/``@midnight``,
  ``@hourly``); ``?`` means ``*``; month and day names (``JAN``, ``mon``);
- ranges ``a-b``, lists ``a,b``, steps ``*/n``, ``a-b/n`` and ``a/n`` (from a to the end);
  day-of-week is 0-6 (7 is refused, as the controller refuses it);
- day-of-month and day-of-week: when both are restricted a day matches either
  (OR); when either is ``*`` or ``?`` (with no step greater than 1) both must match;
- ``spec.timeZone`` (an IANA name) says in which zone the fields are read; the
  default is the controller's, UTC here.

croniter does the walking; this module validates, normalises (so croniter's
rules meet robfig's) and chooses croniter's ``day_or``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadDateError, croniter

DESCRIPTORS = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}  # fmt: skip
MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
DAYS = {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}
BOUNDS: tuple[tuple[int, int, dict[str, int]], ...] = (
    (0, 59, {}),
    (0, 23, {}),
    (1, 31, {}),
    (1, 12, MONTHS),
    (0, 6, DAYS),
)
NAMES = ("minute", "hour", "day of month", "month", "day of week")
NS = 1_000_000_000


class ScheduleError(ValueError):
    """A schedule the CronJob controller would refuse."""


@dataclass(frozen=True)
class Field:
    values: frozenset[int]
    star: bool
    """robfig's star bit: the field is ``*`` or ``?`` (a step of 1 at most)."""


def _number(text: str, names: dict[str, int], field: str) -> int:
    low = text.lower()
    if low in names:
        return names[low]
    if not text.isdigit():
        raise ScheduleError(f"{field}: {text!r} is not a number")
    return int(text)


def parse_field(text: str, index: int) -> Field:
    lo, hi, names = BOUNDS[index]
    field = NAMES[index]
    values: set[int] = set()
    star = False
    if not text:
        raise ScheduleError(f"{field}: empty")
    for part in text.split(","):
        range_text, _, step_text = part.partition("/")
        step = 1
        if step_text or part.endswith("/"):
            if not step_text.isdigit() or int(step_text) == 0:
                raise ScheduleError(f"{field}: step {step_text!r} should be a positive number")
            step = int(step_text)
        if range_text in ("*", "?"):
            start, end = lo, hi
            star = star or step == 1
        else:
            a, dash, b = range_text.partition("-")
            start = _number(a, names, field)
            end = _number(b, names, field) if dash else (hi if step_text else start)
        if start < lo:
            raise ScheduleError(f"{field}: {start} is below the minimum {lo}")
        if end > hi:
            raise ScheduleError(f"{field}: {end} is beyond the maximum {hi}")
        if start > end:
            raise ScheduleError(f"{field}: {start} is after {end}")
        values.update(range(start, end + 1, step))
    return Field(frozenset(values), star)


@dataclass(frozen=True)
class Schedule:
    text: str
    fields: tuple[Field, Field, Field, Field, Field]
    zone: tzinfo

    @property
    def day_or(self) -> bool:
        """robfig: either field a star → both must match; both restricted → either may."""
        return not (self.fields[2].star or self.fields[4].star)

    def _expression(self) -> str:
        parts = []
        for _i, f in enumerate(self.fields):
            parts.append("*" if f.star else ",".join(str(v) for v in sorted(f.values)))
        return " ".join(parts)

    def next_times(self, after_ns: int, until_ns: int, limit: int = 1000) -> list[int]:
        """Scheduled times in (after, until], at most ``limit`` of them (ns since the epoch)."""
        start = datetime.fromtimestamp(after_ns / NS, tz=UTC).astimezone(self.zone)
        it = croniter(self._expression(), start, day_or=self.day_or, ret_type=datetime)
        out: list[int] = []
        while len(out) < limit:
            try:
                t = it.get_next(datetime)
            except CroniterBadDateError:
                break  # no such date (the 31st of a 30-day month): it never fires
            ns = int(t.timestamp()) * NS
            if ns > until_ns:
                break
            if ns > after_ns:
                out.append(ns)
        return out

    def fires(self) -> bool:
        """Whether it ever fires (robfig looks five years ahead; so does this)."""
        base = 1_767_225_600 * NS  # 2026-01-01; leap days come within five years
        return bool(self.next_times(base, base + 5 * 366 * 86400 * NS, limit=1))


@functools.lru_cache(maxsize=4096)
def parse(text: str, time_zone: str | None = None) -> Schedule:
    """A schedule as the CronJob controller reads it, or :class:`ScheduleError` saying why it would not."""
    raw = text.strip()
    if re.match(r"^(CRON_)?TZ=", raw):
        raise ScheduleError("TZ or CRON_TZ in the schedule is not allowed: use spec.timeZone")
    expr = DESCRIPTORS.get(raw.lower(), raw)
    if expr.startswith("@"):
        raise ScheduleError(
            f"unsupported descriptor {raw!r}"
            + (" (@every is not a CronJob schedule)" if raw.startswith("@every") else "")
        )
    parts = expr.split()
    if len(parts) != 5:
        raise ScheduleError(
            f"expected 5 fields (minute hour day-of-month month day-of-week), got {len(parts)}"
        )
    fields = tuple(parse_field(p, i) for i, p in enumerate(parts))
    try:
        zone: tzinfo = ZoneInfo(time_zone) if time_zone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"unknown time zone {time_zone!r}") from None
    return Schedule(raw, fields, zone)  # type: ignore[arg-type]
