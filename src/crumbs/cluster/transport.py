"""The one way Crumbs talks to an API server: GET requests, raw JSON, nothing else.

The official ``kubernetes`` client loads the kubeconfig or the in-cluster
service account (tokens, client certificates, exec credential plugins, proxies,
TLS) and owns the connection pool; Crumbs sends its own GETs through that pool
and parses the bytes with orjson (no model deserialisation: a watch of 100k
pods would spend its time building Python models).

Read-only by construction: :meth:`Transport.request` refuses every HTTP method
but GET (get, list and watch are all GETs), and the client's own request path
is replaced by one that refuses too, so no code path can mutate a cluster.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import orjson

from crumbs import __version__
from crumbs.errors import ClusterError, ReadOnlyError
from crumbs.files import reason, regular

READ_VERBS = frozenset({"GET"})
"""HTTP methods the live client may send: Kubernetes' get, list and watch are all GETs."""

CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0
POOL_SIZE = 256
MAX_BODY = 64 * 1024 * 1024
"""The largest response read whole (a list page): more is refused, never held (a broken or
hostile server could send forever). A page of real objects this large asks for smaller pages."""
MAX_LINE = 16 * 1024 * 1024
"""The longest watch line (one event, one object: etcd itself refuses objects over 1.5 MB)."""


class TooLarge(Exception):
    """A response or line over its bound; the message says which."""


class ApiError(Exception):
    """An error status from the API server (a ``Status`` object when it sent one)."""

    def __init__(self, code: int, reason: str, message: str) -> None:
        super().__init__(f"{code} {reason}: {message}")
        self.code = code
        self.reason = reason
        self.message = message

    @classmethod
    def from_body(cls, code: int, body: bytes) -> ApiError:
        try:
            st = orjson.loads(body)
        except orjson.JSONDecodeError:
            st = {}
        if not isinstance(st, dict):
            st = {}
        text = body[:200].decode("utf-8", "replace").strip()
        return cls(code, str(st.get("reason") or ""), str(st.get("message") or text))


@dataclass(frozen=True)
class Target:
    """A cluster to talk to: its name in the store (the context) and a loaded client configuration."""

    name: str
    configuration: Any


def targets(contexts: list[str] | None, kubeconfig: str | None = None) -> list[Target]:
    """The clusters named by ``--context`` (or the current context, or the in-cluster account)."""
    from kubernetes.client import Configuration
    from kubernetes.config import ConfigException, incluster_config, kube_config

    path = kubeconfig or os.environ.get("KUBECONFIG", "").split(os.pathsep)[0] or None
    check_kubeconfig(path or os.path.expanduser("~/.kube/config"))
    in_cluster = not contexts and not kubeconfig and "KUBERNETES_SERVICE_HOST" in os.environ
    if in_cluster and not (path and os.path.exists(path)):
        cfg = Configuration()
        try:
            incluster_config.load_incluster_config(client_configuration=cfg)
        except ConfigException as err:
            raise ClusterError(f"in-cluster configuration: {err}") from None
        return [Target(os.environ.get("CRUMBS_CLUSTER_NAME", "in-cluster"), cfg)]
    out = []
    wanted: list[str | None] = list(contexts) if contexts else [None]
    for context in wanted:
        cfg = Configuration()
        try:
            kube_config.load_kube_config(
                config_file=path, context=context, client_configuration=cfg, persist_config=False
            )
            name = context or kube_config.list_kube_config_contexts(config_file=path)[1]["name"]
        except (ConfigException, OSError, KeyError, TypeError) as err:
            where = f"context {context!r}" if context else "the current context"
            raise ClusterError(f"kubeconfig {path or '~/.kube/config'}, {where}: {err}") from None
        out.append(Target(str(name), cfg))
    return out


MAX_KUBECONFIG = 16 * 1024 * 1024


def check_kubeconfig(path: str) -> None:
    """A kubeconfig is a regular file of plain YAML: a FIFO or device would hang the client, and
    YAML tags (``!!python/...``, ``!!binary``) have no place in one; each is one line."""
    import yaml

    try:
        st = regular(path)
    except FileNotFoundError:
        return  # the client says what is missing
    except OSError as err:
        raise ClusterError(f"kubeconfig {path}: {reason(err)}") from None
    if st.st_size > MAX_KUBECONFIG:
        raise ClusterError(f"kubeconfig {path}: {st.st_size:,} bytes, more than a kubeconfig holds")
    try:
        with open(path, "rb") as f:
            for token in yaml.scan(f.read(), Loader=yaml.CSafeLoader):
                if isinstance(token, yaml.TagToken):
                    line = token.start_mark.line + 1
                    raise ClusterError(
                        f"kubeconfig {path}:{line}: YAML tags are not allowed in a kubeconfig"
                    )
    except yaml.YAMLError as err:
        raise ClusterError(f"kubeconfig {path}: invalid YAML: {str(err).splitlines()[0]}") from None
    except OSError as err:
        raise ClusterError(f"kubeconfig {path}: {err.strerror or err}") from None


class Transport:
    """GETs to one API server; JSON documents and watch streams back."""

    def __init__(self, target: Target) -> None:
        from kubernetes.client import ApiClient

        self.name = target.name
        self.configuration = target.configuration
        # one connection per watch: a pool smaller than the resources would churn connections
        target.configuration.connection_pool_maxsize = max(
            int(getattr(target.configuration, "connection_pool_maxsize", 0) or 0), POOL_SIZE
        )
        self.host = str(target.configuration.host).rstrip("/")
        self._api = ApiClient(target.configuration)
        rest = self._api.rest_client
        self._pool = rest.pool_manager
        original = rest.request

        def guarded(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            _check(method)
            return original(method, url, *args, **kwargs)

        rest.request = guarded  # the client's own calls obey the same rule

    def close(self) -> None:
        self._api.close()

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": f"crumbs/{__version__} (read-only)"}
        for auth in self.configuration.auth_settings().values():  # refreshes exec/OIDC tokens
            if auth.get("in") == "header" and auth.get("value"):
                headers[str(auth["key"]).title()] = str(auth["value"])
        return headers

    def request(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        read_timeout: float = READ_TIMEOUT,
    ) -> Any:
        """An HTTP response (urllib3) to stream from; an error status raises :class:`ApiError`."""
        import urllib3

        _check(method)
        url = self.host + path + ("?" + urlencode(params) if params else "")
        try:
            resp = self._pool.request(
                method,
                url,
                headers=self._headers(),
                preload_content=False,
                retries=False,
                timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT, read=read_timeout),
            )
        except urllib3.exceptions.HTTPError as err:
            raise ConnectionError(f"{self.host}: {err}") from None
        if resp.status >= 400:
            body = resp.read()
            resp.release_conn()
            raise ApiError.from_body(resp.status, body)
        return resp

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """A JSON document."""
        import urllib3

        resp = self.request("GET", path, params)
        try:
            data = resp.read(MAX_BODY + 1)
            if len(data) > MAX_BODY:
                resp.close()  # the rest is never read
                raise TooLarge(f"{self.host}{path}: a response over {MAX_BODY // 2**20} MiB")
        except urllib3.exceptions.HTTPError as err:
            raise ConnectionError(f"{self.host}{path}: {err}") from None
        finally:
            resp.release_conn()
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            raise ApiError(502, "BadResponse", f"{path}: not JSON") from None

    def text(self, path: str, params: dict[str, Any], most: int) -> bytes:
        """A plain-text body (a container's log), its first ``most`` bytes."""
        import urllib3

        resp = self.request("GET", path, params)
        try:
            data: bytes = resp.read(most)
        except urllib3.exceptions.HTTPError as err:
            raise ConnectionError(f"{self.host}{path}: {err}") from None
        finally:
            resp.close()  # what is left past ``most`` is never read
            resp.release_conn()
        return data

    def lines(
        self, path: str, params: dict[str, Any], read_timeout: float = READ_TIMEOUT
    ) -> Iterator[bytes]:
        """The lines of a streamed response (a watch), as they arrive.

        A connection that breaks ends the iteration with ``ConnectionError``;
        a last line without its newline (cut mid-event) is dropped.
        """
        import urllib3

        resp = self.request("GET", path, params, read_timeout)
        rest = b""
        try:
            for chunk in resp.stream(65536, decode_content=True):
                if b"\n" not in chunk:
                    rest += chunk
                    if len(rest) > MAX_LINE:
                        raise ConnectionError(
                            f"{self.host}{path}: a watch line over {MAX_LINE // 2**20} MiB (dropped the connection)"
                        )
                    continue
                parts = (rest + chunk).split(b"\n")
                rest = parts.pop()
                yield from (p for p in parts if p)
        except (urllib3.exceptions.HTTPError, OSError) as err:
            raise ConnectionError(f"{self.host}{path}: {err}") from None
        finally:
            resp.close()  # a watch is never reused: the stream may be unfinished
            resp.release_conn()


def _check(method: str) -> None:
    if method.upper() not in READ_VERBS:
        raise ReadOnlyError(
            f"refused {method.upper()}: Crumbs only reads clusters (get, list, watch)"
        )
