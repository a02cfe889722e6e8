"""Documents to stored bytes and back: canonical JSON, a content digest, zstd.

Canonical form is orjson with sorted keys, so the same object read from YAML
or JSON has one digest. Blobs are compressed with zstd and, once the store has
seen enough documents, a dictionary trained on them (Kubernetes objects repeat
their field names and managedFields almost word for word: dictionaries bring a
2.7 KB Pod to about 180 bytes). Dictionaries are trained again as the store
grows (after 1k, 10k and 100k documents), each kept for the blobs it wrote.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable

import orjson
import zstandard

from crumbs.model import Obj
from crumbs.store.dbapi import Connection

LEVEL = 1  # measured with a trained dictionary: 4.0 µs and 0.115× vs 4.9 µs and 0.113× at level 3
DICT_SIZE = 64 * 1024
SAMPLES = 1000
SAMPLE_EVERY = 4
"""Every 4th document is a candidate for the reservoir (sampling each costs more than it brings)."""
# Fixed COVER parameters: the default parameter search costs 6× the time for no better ratio
# (measured on the benchmark's objects: 29 ms and 0.113× vs 182 ms and 0.118×).
TRAIN_K, TRAIN_D = 2048, 6
TRAIN_AT = (1_000, 10_000, 100_000)
"""Documents written by this writer at which a (new) dictionary is trained."""

_DUMPS_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def canonical(doc: Obj) -> bytes:
    return orjson.dumps(doc, option=_DUMPS_OPTIONS)


def pack_text(text: bytes) -> bytes:
    """Bytes kept compressed without a dictionary (logs, traces, investigations): zstd. A
    compressor per call: zstandard's objects must not be shared between threads (``crumbs
    serve`` writes traces and investigations from several)."""
    return zstandard.ZstdCompressor(level=LEVEL).compress(text)


def unpack_bytes(data: bytes) -> bytes:
    return zstandard.ZstdDecompressor().decompress(data)


def unpack_bounded(data: bytes, limit: int) -> bytes | None:
    """zstd from outside (a request body): at most ``limit`` bytes out, else None (a bomb, or
    too much); ValueError when it is not zstd."""
    import io

    try:
        reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data))
        out = reader.read(limit + 1)
    except zstandard.ZstdError as err:
        raise ValueError(f"not zstd: {err}") from None
    return None if len(out) > limit else out


def unpack_text(data: bytes) -> str:
    return unpack_bytes(data).decode("utf-8", "replace")


def digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()[:16]


class Decoder:
    """Blob bytes back to documents, one decompressor per dictionary."""

    def __init__(self, db: Connection) -> None:
        self._db = db
        self._plain = zstandard.ZstdDecompressor()
        self._by_dict: dict[int, zstandard.ZstdDecompressor] = {}

    def decode(self, dict_id: int | None, data: bytes) -> Obj:
        doc: Obj = orjson.loads(self.raw(dict_id, data))
        return doc

    def raw(self, dict_id: int | None, data: bytes) -> bytes:
        if dict_id is None:
            return self._plain.decompress(data)
        dec = self._by_dict.get(dict_id)
        if dec is None:
            row = self._db.execute(
                "SELECT data FROM dictionaries WHERE id = ?", (dict_id,)
            ).fetchone()
            if row is None:
                raise KeyError(f"dictionary {dict_id} is missing from the store")
            dec = zstandard.ZstdDecompressor(dict_data=zstandard.ZstdCompressionDict(row[0]))
            self._by_dict[dict_id] = dec
        return dec.decompress(data)


class RedactingDecoder(Decoder):
    """Documents redacted as they are decoded (the store as what leaves the machine sees it)."""

    def __init__(self, db: Connection, redact: Callable[[Obj], Obj]) -> None:
        super().__init__(db)
        self._redact = redact

    def decode(self, dict_id: int | None, data: bytes) -> Obj:
        return self._redact(orjson.loads(super().raw(dict_id, data)))

    def raw(self, dict_id: int | None, data: bytes) -> bytes:
        return canonical(self.decode(dict_id, data))


class Encoder:
    """Canonical bytes to compressed blobs, training dictionaries as documents flow."""

    def __init__(self, db: Connection) -> None:
        self._db = db
        self._seen = 0
        self._samples: list[bytes | bytearray | memoryview] = []
        self._rng = random.Random(0)
        row = db.execute("SELECT id, data FROM dictionaries ORDER BY id DESC LIMIT 1").fetchone()
        self._dict_id: int | None = None
        self._compressor = zstandard.ZstdCompressor(level=LEVEL)
        self._trained_at: set[int] = set()
        if row is not None:
            self._use(row[0], row[1])
            # A store that already has a dictionary trains again only at the later marks.
            self._trained_at.add(TRAIN_AT[0])

    def _use(self, dict_id: int, data: bytes) -> None:
        d = zstandard.ZstdCompressionDict(data)
        d.precompute_compress(level=LEVEL)
        self._dict_id = dict_id
        self._compressor = zstandard.ZstdCompressor(dict_data=d)

    @property
    def dict_id(self) -> int | None:
        return self._dict_id

    def observe(self, data: bytes) -> None:
        """Keep a reservoir sample of documents for the next dictionary."""
        self._seen += 1
        if self._seen % SAMPLE_EVERY:
            return
        if len(self._samples) < SAMPLES:
            self._samples.append(data)
        else:
            j = self._rng.randrange(self._seen // SAMPLE_EVERY)
            if j < SAMPLES:
                self._samples[j] = data

    def due(self) -> bool:
        return any(self._seen >= mark and mark not in self._trained_at for mark in TRAIN_AT)

    def train(self) -> None:
        """Train a dictionary on the sample (inside the writer's transaction)."""
        for mark in TRAIN_AT:
            if self._seen >= mark:
                self._trained_at.add(mark)
        if len(self._samples) < 64:
            return
        try:
            d = zstandard.train_dictionary(
                DICT_SIZE, self._samples, level=LEVEL, k=TRAIN_K, d=TRAIN_D
            )
        except zstandard.ZstdError:
            return  # too little variety to learn from: keep what we have
        data = d.as_bytes()
        rows = self._db.execute(
            "INSERT INTO dictionaries (data) VALUES (?) RETURNING id", (data,)
        ).fetchall()
        self._use(int(rows[0][0]), data)

    def compress(self, data: bytes) -> bytes:
        return self._compressor.compress(data)

    def compress_many(self, docs: list[bytes]) -> list[bytes]:
        compress = self._compressor.compress
        return [compress(d) for d in docs]
