"""Run inside a test's network namespace: subscribe to conntrack, make connections, print the
conntrack events seen for them as JSON lines (tests/agent/test_conntrack.py)."""

from __future__ import annotations

import json
import socket
import sys
import threading
import time

from crumbs.agent.conntrack import Subscription


def serve(addr: str, port: int, stop: threading.Event) -> None:
    with socket.create_server((addr, port)) as srv:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            conn.close()


def main() -> None:
    targets = [(a, int(p)) for a, p in (t.split(":") for t in sys.argv[1].split(","))]
    listeners = [(a, int(p)) for a, p in (t.split(":") for t in sys.argv[2].split(","))]
    stop = threading.Event()
    for addr, port in listeners:
        threading.Thread(target=serve, args=(addr, port, stop), daemon=True).start()
    time.sleep(0.3)
    seen = []
    with Subscription() as sub:
        for addr, port in targets:
            with socket.create_connection((addr, port), timeout=5) as c:
                sport = c.getsockname()[1]
                time.sleep(0.05)
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                for e in sub.read(0.2):
                    if e.original.sport == sport and e.original.proto == 6:
                        seen.append({"kind": e.kind, "dialed": f"{e.original.dst}:{e.original.dport}",
                                     "backend": ":".join(map(str, e.backend or ("", ""))), "translated": e.translated,
                                     "state": e.tcp_state, "sport": sport})  # fmt: skip
                # a closed connection's entry lives on (TIME_WAIT): its end is an update, not a destroy
                if any(s["sport"] == sport and s["state"] in ("TIME_WAIT", "CLOSE") for s in seen):
                    break
    stop.set()
    for s in seen:
        print(json.dumps(s))


if __name__ == "__main__":
    main()
