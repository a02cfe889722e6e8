"""The secrets rule, as a pure function."""

from __future__ import annotations

import base64

import orjson
from hypothesis import given
from hypothesis import strategies as st

from crumbs.secrets import LAST_APPLIED, is_redacted, redact_secret

SALT = b"s" * 32


def secret(**fields: object) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s"},
        "type": "Opaque",
        **fields,
    }


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=10),
        st.text(max_size=40).map(lambda s: "s3cr3t-" + s),
        min_size=1,
        max_size=5,
    )
)
def test_no_value_survives(values: dict[str, str]) -> None:
    data = {k: base64.b64encode(v.encode()).decode() for k, v in values.items()}
    out = redact_secret(secret(data=data, stringData=values), SALT)
    text = orjson.dumps(out).decode()
    assert set(out["data"]) == set(values) and set(out["stringData"]) == set(values)
    assert all(is_redacted(v) for v in [*out["data"].values(), *out["stringData"].values()])
    for v in values.values():
        assert v not in text and base64.b64encode(v.encode()).decode()[:8] not in text


def test_same_value_same_digest_across_data_and_stringdata_and_salt_matters() -> None:
    a = redact_secret(
        secret(data={"k": base64.b64encode(b"hunter2").decode()}, stringData={"k": "hunter2"}), SALT
    )
    assert a["data"]["k"] == a["stringData"]["k"]
    b = redact_secret(secret(data={"k": base64.b64encode(b"hunter3").decode()}), SALT)
    assert a["data"]["k"] != b["data"]["k"]
    c = redact_secret(secret(data={"k": base64.b64encode(b"hunter2").decode()}), b"t" * 32)
    assert a["data"]["k"] != c["data"]["k"]


def test_last_applied_configuration_is_redacted_too() -> None:
    applied = orjson.dumps(secret(stringData={"token": "very-secret-token-value"})).decode()
    out = redact_secret(
        secret(metadata={"name": "s", "annotations": {LAST_APPLIED: applied, "team": "a"}}), SALT
    )
    ann = out["metadata"]["annotations"]
    assert "very-secret-token-value" not in ann[LAST_APPLIED]
    assert is_redacted(orjson.loads(ann[LAST_APPLIED])["stringData"]["token"])
    assert ann["team"] == "a"
    garbled = redact_secret(
        secret(metadata={"name": "s", "annotations": {LAST_APPLIED: "{not json very-secret"}}), SALT
    )
    assert "very-secret" not in garbled["metadata"]["annotations"][LAST_APPLIED]


def test_other_objects_are_untouched_and_redaction_is_idempotent() -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}}
    assert redact_secret(cm, SALT) is cm
    once = redact_secret(secret(data={"k": "djE="}), SALT)
    assert redact_secret(once, SALT) == once
