"""Splitting bytes into documents: every shape, and every way it can be broken."""

from crumbs.formats.documents import json_lines, json_stream, looks_binary, yaml_documents
from crumbs.formats.logs import Section
from crumbs.formats.reader import read_bytes
from crumbs.model import Problem
from crumbs.timeutil import parse_time

LIMIT = 1 << 20


def docs(items):
    return [d for d in items if not isinstance(d, Problem)]


def problems(items):
    return [str(d) for d in items if isinstance(d, Problem)]


def test_json_lines_judges_each_line_alone() -> None:
    lines = [b'{"a": 1}', b"", b'{"a": ', b"[1]", b'{"b": 2}']
    out = list(json_lines("w.jsonl", lines, LIMIT))
    assert [d.value for d in docs(out)] == [{"a": 1}, [1], {"b": 2}]
    assert [d.where for d in docs(out)] == ["w.jsonl:1", "w.jsonl:4", "w.jsonl:5"]
    (p,) = problems(out)
    assert p.startswith("w.jsonl:3: invalid JSON")


def test_json_lines_rejects_a_huge_line_without_parsing_it() -> None:
    out = list(json_lines("w.jsonl", [b'{"a": "' + b"x" * 200 + b'"}'], 100))
    assert problems(out) == ["w.jsonl:1: document of 0.0 MB exceeds the 0.0 MB limit"]


def test_json_stream_of_indented_values_with_log_sections() -> None:
    data = (
        b'{\n  "kind": "A"\n}\n'
        b'{\n  "items": [\n    1\n  ]\n}\n'
        b"==== START logs for container c of pod ns/p ====\nhello: world\n==== END logs for container c of pod ns/p ====\n"
        b'{\n  "kind":\n}\n'
        b'{"kind": "B"\n}\n'
    )
    out = list(json_stream("dump", data, LIMIT))
    values = [d.value for d in docs(out)]
    (section,) = [v for v in values if isinstance(v, Section)]  # the logs, kept apart
    assert (section.where.pod, section.where.container, list(section.tail.lines)) == (
        "p",
        "c",
        ["hello: world"],
    )
    assert [v for v in values if v is not section] == [{"kind": "A"}, {"items": [1]}, {"kind": "B"}]
    assert [d.where for d in docs(out)] == ["dump:1", "dump:4", "dump:9", "dump:15"]
    (p,) = problems(out)
    assert p.startswith("dump:12: invalid JSON")


def test_yaml_documents_split_so_one_bad_document_spares_the_rest() -> None:
    text = "a: 1\n---\nb: [\n---\n# a comment only\n---\nc: 3\nt: 2021-01-01T00:00:00Z\n"
    out = list(yaml_documents("m.yaml", text, LIMIT))
    assert [d.value for d in docs(out)] == [{"a": 1}, {"c": 3, "t": "2021-01-01T00:00:00Z"}]
    (p,) = problems(out)
    assert p.startswith("m.yaml:") and "invalid YAML" in p


def test_yaml_time_header_gives_the_observed_time() -> None:
    text = '---\n# {"time":"2021-05-19T09:42:58.640117041Z","style":"event"}\nkind: Event\n'
    (d,) = docs(yaml_documents("k.yaml", text, LIMIT))
    assert d.time == parse_time("2021-05-19T09:42:58.640117041Z")


def test_yaml_billion_laughs_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    out = list(yaml_documents("lol.yaml", "\n".join(lines) + "\n", LIMIT))
    assert len(problems(out)) == 1 and "aliases expand beyond" in problems(out)[0]


def test_binary_is_recognised() -> None:
    assert looks_binary(b"\x00\x01\x02")
    assert looks_binary(bytes(range(128, 256)) * 4)
    assert not looks_binary("héllo: wörld\n".encode())
    (p,) = list(read_bytes(b"\x89PNG\r\n\x1a\n\x00\x00", "image.png"))
    assert str(p) == "image.png: binary data, not JSON or YAML"


def test_truncated_json_document_is_one_problem_naming_the_line() -> None:
    data = b'{\n  "apiVersion": "v1",\n  "kind": "ConfigMap",\n  "metadata": {\n    "name": "x'
    (p,) = list(read_bytes(data, "cm.json"))
    assert isinstance(p, Problem)
    assert str(p).startswith("cm.json:1: invalid JSON")
