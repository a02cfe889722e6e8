"""Kubernetes resource quantities (``500m``, ``1.5Gi``, ``2e3``) as numbers, as
``k8s.io/apimachinery/pkg/api/resource`` reads them."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

_SUFFIX: dict[str, Decimal | int] = {
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
    "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": 1,
    "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
}  # fmt: skip
_QUANTITY = re.compile(
    r"^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$"
)


def parse_quantity(value: Any) -> Decimal | None:
    """The quantity's value (None: not a quantity)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    if not isinstance(value, str):
        return None
    m = _QUANTITY.match(value.strip())
    if m is None:
        return None
    try:
        number = Decimal(m.group(1))
        if m.group(2):
            return number * Decimal(10) ** int(m.group(2)[1:])
        return number * Decimal(_SUFFIX[m.group(3) or ""])
    except InvalidOperation:
        return None
