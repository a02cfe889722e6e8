"""Log lines mined into templates (``connect to <*> failed: <*>``), with Drain3 — the one module
that imports it.

Drain (He et al., ICWS 2017) groups lines by length and leading tokens into a fixed-depth tree
and merges a line into the most similar template above a threshold, replacing the tokens that
differ by ``<*>``; Drain3 is its maintained implementation. Chosen by measurement
(benchmarks/README.md, "Logs as evidence"): 69k lines/s with the masking below (260k without),
1.8× the cost of the masking alone, templates a person recognises, no training. Variables are
masked first (times, IPs, UUIDs, hex, numbers), so one message with different values is one
template.

A template is **error-looking** when its words say so (``error``, ``fatal``, ``panic``,
``exception``, ``failed``, ``refused``, ``denied``, ``timeout``, ``Traceback``, ``OOM``, ``killed``,
``level=error``, ``E1127`` klog prefixes).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from crumbs.timeutil import LOG_STAMP

ERRORISH = re.compile(
    r"\b(?:error|errors|err|fatal|panic|exception|failed|failure|refused|denied|timeout|timed out"
    r"|traceback|oom|killed|unhandled|critical|crash(?:ed)?|abort(?:ed)?|cannot|could not|unable)\b"
    r"|level=(?:error|fatal|panic)|^[EF]\d{4} ",
    re.IGNORECASE,
)
_MASKS = (
    (r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?", "TIME"),
    (r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", "UUID"),
    (r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?(?![\w.])", "IP"),
    (r"\b0x[0-9a-fA-F]+\b|\b[0-9a-f]{12,}\b", "HEX"),
    (r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:ms|s|m|h|Mi|Gi|Ki|%)?(?![\w.])", "NUM"),
)


@dataclass
class Template:
    """One template: its text, how many lines matched, the first line and where it appeared."""

    id: int
    text: str
    count: int = 0
    example: str = ""
    first: int = 0
    """The index of the first line it matched (order of appearance)."""
    first_at: int | None = None
    groups: set[str] = field(default_factory=set)
    """The groups its lines came from (``before``, ``after`` a change)."""

    @property
    def errorish(self) -> bool:
        return bool(ERRORISH.search(self.text))


@dataclass(frozen=True)
class Line:
    text: str
    group: str = ""
    at: int | None = None


def _miner() -> Any:
    from drain3 import TemplateMiner  # the adapted library: imported when logs are mined
    from drain3.masking import MaskingInstruction
    from drain3.template_miner_config import TemplateMinerConfig

    config = TemplateMinerConfig()
    config.profiling_enabled = False
    config.drain_sim_th = 0.4
    config.drain_depth = 4
    config.masking_instructions = [MaskingInstruction(p, name) for p, name in _MASKS]
    config.mask_prefix, config.mask_suffix = "<", ">"
    return TemplateMiner(config=config)


def mine(lines: Iterable[Line]) -> list[Template]:
    """The templates of these lines, in order of first appearance."""
    miner = _miner()
    found: dict[int, Template] = {}
    for i, line in enumerate(lines):
        text = LOG_STAMP.sub("", line.text, count=1).strip()  # the time is the Line's
        if not text:
            continue
        result = miner.add_log_message(text)
        cid = int(result["cluster_id"])
        t = found.get(cid)
        if t is None:
            t = found[cid] = Template(cid, "", example=text, first=i, first_at=line.at)
        t.count += 1
        if line.group:
            t.groups.add(line.group)
    for cid, t in found.items():  # templates generalise as lines come: the final text
        cluster = miner.drain.id_to_cluster.get(cid)
        t.text = cluster.get_template() if cluster is not None else t.example
    return sorted(found.values(), key=lambda t: t.first)


def first_error(templates: list[Template], group: str | None = None) -> Template | None:
    """The first error-looking template (of ``group``'s lines, when given)."""
    return next((t for t in templates if t.errorish and (group is None or group in t.groups)), None)
