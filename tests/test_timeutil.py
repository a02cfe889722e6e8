from hypothesis import given
from hypothesis import strategies as st

from crumbs.timeutil import NS, format_time, humanize_age, parse_duration, parse_time, parse_when


def test_parse_rfc3339_forms() -> None:
    assert parse_time("1970-01-01T00:00:00Z") == 0
    assert parse_time("1970-01-01T00:00:01.5Z") == 1_500_000_000
    assert (
        parse_time("2021-05-19T09:42:58.640117041Z")
        == parse_time("2021-05-19T09:42:58Z") + 640117041
    )
    assert parse_time("1970-01-01T01:00:00+01:00") == 0
    assert parse_time("1970-01-01T00:00:00-00:30") == 1800 * NS
    assert parse_time("2026-11-27") == parse_time("2026-11-27T00:00:00Z")


def test_parse_rejects_what_is_not_a_time() -> None:
    for bad in (
        "",
        "yesterday",
        "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z",
        "2026-11-27T25:00:00Z",
        "12",
        "2026-11-27T10:00:00",
    ):
        assert parse_time(bad) is None, bad


@given(st.integers(min_value=0, max_value=4_000_000_000 * NS))
def test_format_parse_round_trip(ns: int) -> None:
    assert parse_time(format_time(ns)) == ns


def test_durations() -> None:
    assert parse_duration("90s") == 90 * NS
    assert parse_duration("1h30m") == 5400 * NS
    assert parse_duration("2d") == 2 * 86400 * NS
    assert parse_duration("1.5h") == 5400 * NS
    for bad in ("", "h", "10", "10x", "1h 30m"):
        assert parse_duration(bad) is None, bad


def test_when_counts_back_from_the_reference() -> None:
    ref = parse_time("2026-11-27T15:00:00Z")
    assert parse_when("2h", ref) == parse_time("2026-11-27T13:00:00Z")
    assert parse_when("now", ref) == ref
    assert parse_when("2026-11-27T14:00:00Z", ref) == parse_time("2026-11-27T14:00:00Z")
    assert parse_when("soon", ref) is None


def test_age() -> None:
    assert humanize_age(30 * NS) == "30s"
    assert humanize_age(3 * 3600 * NS) == "3h"
    assert humanize_age(5 * 86400 * NS) == "5d"
