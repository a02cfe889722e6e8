"""``/openapi.json``: the API described from the endpoint table and the contract types (generated
at start, never written by hand). ``pydantic`` turns the TypedDicts of :mod:`crumbs.contract`
into JSON Schema; it is used here only."""

from __future__ import annotations

import re
from typing import Any

from pydantic import TypeAdapter

from crumbs import __version__
from crumbs.serve.api import ENDPOINTS, Endpoint

PREFIX = "/api/v1"
_REF = "#/components/schemas/{model}"


def document() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    for e in ENDPOINTS:
        paths[PREFIX + e.path] = {"get": _operation(e, _schema(e.returns, schemas))}
    paths[PREFIX + "/ask"] = {"post": _ask(schemas)}
    for path, summary in (("/healthz", "Alive (the process answers)."),
                          ("/readyz", "Ready: the store opens and its migrations are current.")):  # fmt: skip
        paths[path] = {"get": {"summary": summary, "operationId": path.strip("/"), "security": [],
                               "responses": {"200": {"description": "yes"}, "503": {"description": "no, and why"}}}}  # fmt: skip
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Crumbs",
            "version": __version__,
            "description": "Read-only: what changed in a Kubernetes cluster, who changed it, and why it broke. "
            "Every answer is the JSON of the CLI command of the same name (crumbs --redact ... -o json).",
        },  # fmt: skip
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}, {}],
    }


def _schema(tp: Any, into: dict[str, Any]) -> dict[str, Any]:
    schema = TypeAdapter(tp).json_schema(ref_template=_REF, mode="serialization")
    into.update(schema.pop("$defs", {}))
    return schema


def _operation(e: Endpoint, response: dict[str, Any]) -> dict[str, Any]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"},
         "description": "_ for a cluster-scoped object" if name == "namespace" else ""}
        for name in re.findall(r"{(\w+)}", e.path)
    ]  # fmt: skip
    for p in e.params:
        schema: dict[str, Any] = (
            {"type": "boolean"}
            if p.flag
            else {"type": "integer"}
            if p.integer
            else {"type": "string"}
        )
        if p.many:
            schema = {"type": "array", "items": schema}
        params.append({"name": p.name, "in": "query", "required": False, "description": p.description,
                       "schema": schema, **({"explode": True} if p.many else {})})  # fmt: skip
    return {
        "summary": e.summary,
        "operationId": e.name,
        "description": f"The JSON of `crumbs {e.command}`." if e.command else "",
        "parameters": params,
        "responses": {
            "200": {
                "description": "The command's JSON.",
                "content": {"application/json": {"schema": response}},
            },
            "400": {"description": "A parameter that does not make sense.", **_error()},
            "404": {"description": "Not in the store.", **_error()},
        },
    }


def _ask(schemas: dict[str, Any]) -> dict[str, Any]:
    from crumbs import contract

    answer = _schema(contract.Asked, schemas)
    return {
        "summary": "Ask the copilot; its steps and answer stream as server-sent events.",
        "operationId": "ask",
        "description": "Events: `step` (one recorded step: n, kind, name, tokens), then `answer` (the ask JSON) "
        "or `error`. Writes one decision trace. From a browser: the X-Crumbs-CSRF header must equal the "
        "crumbs_csrf cookie.",
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["question"],
                        "properties": {
                            "question": {"type": "string", "maxLength": 4000},
                            "budget": {"type": "integer", "minimum": 1000, "maximum": 10000000},
                        },
                    }
                }
            },
        },  # fmt: skip
        "responses": {
            "200": {
                "description": "A text/event-stream; the last event's data is the answer.",
                "content": {"text/event-stream": {"schema": answer}},
            },  # fmt: skip
            "400": {"description": "No question.", **_error()},
        },
    }


def _error() -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {
        "type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}}}}  # fmt: skip
