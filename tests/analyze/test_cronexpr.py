"""CronJob schedules: robfig/cron's rules, against a brute-force reimplementation of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crumbs.analyze.cronexpr import ScheduleError, parse

NS = 1_000_000_000


def ns(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp()) * NS


def iso(t: int, zone: str = "UTC") -> str:
    return datetime.fromtimestamp(t / NS, tz=ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %a")


@pytest.mark.parametrize(
    ("schedule", "after", "expected"),
    [
        (
            "*/30 * * * *",
            "2026-11-27T14:01:00+00:00",
            ["2026-11-27 14:30 Fri", "2026-11-27 15:00 Fri"],
        ),
        ("@daily", "2026-11-27T14:01:00+00:00", ["2026-11-28 00:00 Sat", "2026-11-29 00:00 Sun"]),
        ("@weekly", "2026-11-27T14:01:00+00:00", ["2026-11-29 00:00 Sun", "2026-12-06 00:00 Sun"]),
        (
            "0 9 * * MON-FRI",
            "2026-11-27T10:00:00+00:00",
            ["2026-11-30 09:00 Mon", "2026-12-01 09:00 Tue"],
        ),
        (
            "0 0 13 * 5",
            "2026-11-27T01:00:00+00:00",
            ["2026-12-04 00:00 Fri", "2026-12-11 00:00 Fri"],
        ),  # DOM or DOW
        (
            "0 0 13 * *",
            "2026-11-27T01:00:00+00:00",
            ["2026-12-13 00:00 Sun", "2027-01-13 00:00 Wed"],
        ),
        (
            "0 0 */2 * 1",
            "2026-11-27T01:00:00+00:00",
            ["2026-11-29 00:00 Sun", "2026-11-30 00:00 Mon"],
        ),  # */2 is not a star: OR
        (
            "0 0 ? * 1",
            "2026-11-27T01:00:00+00:00",
            ["2026-11-30 00:00 Mon", "2026-12-07 00:00 Mon"],
        ),  # ? is a star: AND
        (
            "15 10 1 jan,jul *",
            "2026-11-27T01:00:00+00:00",
            ["2027-01-01 10:15 Fri", "2027-07-01 10:15 Thu"],
        ),
        (
            "5/20 * * * *",
            "2026-11-27T14:00:00+00:00",
            ["2026-11-27 14:05 Fri", "2026-11-27 14:25 Fri"],
        ),
    ],
)
def test_next_times(schedule: str, after: str, expected: list[str]) -> None:
    times = parse(schedule).next_times(ns(after), ns(after) + 3 * 365 * 86400 * NS, limit=2)
    assert [iso(t) for t in times] == expected


def test_time_zone() -> None:
    s = parse("30 2 * * *", "Asia/Tokyo")
    (t,) = s.next_times(ns("2026-11-27T00:00:00+00:00"), ns("2026-11-28T00:00:00+00:00"), limit=1)
    assert iso(t) == "2026-11-27 17:30 Fri" and iso(t, "Asia/Tokyo") == "2026-11-28 02:30 Sat"


@pytest.mark.parametrize(
    ("schedule", "zone", "message"),
    [
        ("* * * *", None, "expected 5 fields"),
        ("60 * * * *", None, "minute: 60 is beyond the maximum 59"),
        ("* * * * 7", None, "day of week: 7 is beyond the maximum 6"),
        ("* * 0 * *", None, "day of month: 0 is below the minimum 1"),
        ("*/0 * * * *", None, "step '0' should be a positive number"),
        ("5-2 * * * *", None, "5 is after 2"),
        ("* * * foo *", None, "month: 'foo' is not a number"),
        ("@every 5m", None, "@every is not a CronJob schedule"),
        ("CRON_TZ=UTC * * * * *", None, "use spec.timeZone"),
        ("* * * * *", "Mars/Olympus", "unknown time zone"),
    ],
)
def test_what_the_controller_refuses(schedule: str, zone: str | None, message: str) -> None:
    with pytest.raises(ScheduleError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse(schedule, zone)


@pytest.mark.parametrize(
    ("schedule", "fires"),
    [("0 0 31 11 *", False), ("0 0 30 2 *", False), ("0 0 29 2 *", True), ("0 0 31 11 1", True)],
)
def test_schedules_that_never_fire(schedule: str, fires: bool) -> None:
    # the controller accepts them, and then never starts a Job (the 31st of November);
    # with a weekday too, robfig's OR rule makes the Mondays of November fire
    s = parse(schedule)
    assert s.fires() is fires
    assert bool(s.next_times(0, 10 * 366 * 86400 * NS, limit=1)) is fires


# --- the property: croniter behind our front end agrees with robfig's rules, minute by minute ---

BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))


def brute_next(schedule: str, after: datetime, count: int, zone: str) -> list[datetime]:
    """robfig/cron's matching, day by day then hour and minute, in the schedule's zone."""
    s = parse(schedule, zone)
    minute, hour, dom, month, dow = s.fields
    tz = ZoneInfo(zone)
    start = after.astimezone(tz)
    day = start.date()
    out: list[datetime] = []
    for _ in range(3 * 366):
        on_dom = day.day in dom.values
        on_dow = (day.weekday() + 1) % 7 in dow.values
        matches = (on_dom and on_dow) if (dom.star or dow.star) else (on_dom or on_dow)
        if day.month in month.values and matches:
            for h in sorted(hour.values):
                for m in sorted(minute.values):
                    t = datetime(day.year, day.month, day.day, h, m, tzinfo=tz)
                    if t > start:
                        out.append(t)
                        if len(out) == count:
                            return out
        day += timedelta(days=1)
    return out


def _field(draw: st.DrawFn, index: int) -> str:
    lo, hi = BOUNDS[index]
    choice = draw(st.integers(0, 6))
    if choice == 0:
        return "*"
    if choice == 1:
        return "?" if index in (2, 4) else "*"
    if choice == 2:
        return f"*/{draw(st.integers(1, max(1, (hi - lo) // 2)))}"
    if choice == 3:
        a = draw(st.integers(lo, hi))
        b = draw(st.integers(a, hi))
        return f"{a}-{b}"
    if choice == 4:
        return ",".join(
            str(v) for v in sorted(set(draw(st.lists(st.integers(lo, hi), min_size=1, max_size=4))))
        )
    if choice == 5:
        a = draw(st.integers(lo, hi))
        return f"{a}/{draw(st.integers(1, 10))}"
    return str(draw(st.integers(lo, hi)))


@st.composite
def schedules(draw: st.DrawFn) -> str:
    fields = [_field(draw, i) for i in range(5)]
    if draw(st.booleans()):  # keep most schedules frequent enough to compare quickly
        fields[3] = "*"
    return " ".join(fields)


@settings(max_examples=300, deadline=None)
@given(schedules(), st.integers(0, 365 * 24 * 60), st.sampled_from(["UTC", "Asia/Tokyo"]))
def test_front_end_agrees_with_robfig(schedule: str, minutes: int, zone: str) -> None:
    after = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    until = after + timedelta(days=800)
    want = [t for t in brute_next(schedule, after, 3, zone) if t <= until]
    got = parse(schedule, zone).next_times(
        int(after.timestamp()) * NS, int(until.timestamp()) * NS, limit=len(want) or 1
    )
    assert [int(w.timestamp()) * NS for w in want] == got[: len(want)]
