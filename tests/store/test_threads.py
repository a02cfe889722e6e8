"""Several threads of one process write investigations and traces at once (``crumbs serve``:
the alert intake, ``POST ask``, ``investigate`` beside it): each thing is kept whole. zstandard's
compressors must not be shared between threads; a shared one failed with "Src size is incorrect"."""

from __future__ import annotations

import threading

from crumbs.store import Store, traces
from crumbs.store import investigations as kept


def test_concurrent_writers_keep_everything_whole(store_path: str) -> None:
    Store.open(store_path).close()
    errors: list[BaseException] = []
    payload = {"findings": [{"title": "x" * 2000, "n": i} for i in range(50)]}

    def work(t: int) -> None:
        try:
            with Store.open(store_path, create=False) as store:
                for i in range(25):
                    row = kept.Row(0, f"fp{t}-{i}", "KubeJobFailed", "firing", "critical", "c", "shop", 1, None, 2, "webhook", "nothing", "h", None)  # fmt: skip
                    kept.add(store.db, row, {**payload, "t": t, "i": i})
                    run = traces.start(
                        store.db, 1, f"q{t}-{i}", "offline", "m", {}, "h", None, None
                    )
                    traces.add_step(store.db, run, 1, "answer", "m", {**payload, "t": t}, 0, 0)
        except BaseException as err:  # noqa: BLE001 - told below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    with Store.open(store_path, create=False) as store:
        rows = kept.rows(store.db, limit=1000)
        assert len(rows) == 150
        for r in rows[:20]:
            _, doc = kept.load(store.db, r.id)
            assert len(doc["findings"]) == 50
        assert len(traces.list_traces(store.db, 1000)) == 150
