"""A BPF ring buffer read in bulk: the map mapped into this process, every complete record
taken at once.

Layout (the kernel's ``kernel/bpf/ringbuf.c``): the first page, mapped read-write, holds the
consumer position; the next, read-only, the producer position, followed by the data mapped
twice in a row so that a record that wraps around the end reads as one. Each record starts
with an 8-byte header: its length with two flag bits (``BUSY`` while the producer still
writes it, ``DISCARD`` when it was dropped) and a page offset; records are 8-byte aligned.

:meth:`RingBuffer.take` copies everything the producer has committed (one copy, however many
records), returns it with the records' offsets, and hands the space back to the kernel
before the records are decoded: the kernel can refill the ring while Python works.

A ring whose records all have one size (the agent's ``connects`` and ``dns`` rings) is read
with :meth:`RingBuffer.take_slots`: its headers sit at fixed strides, so no walk — their words
are read in one slice and the span ends at the first record still being written.
"""

from __future__ import annotations

import mmap
import struct

BUSY = 1 << 31
DISCARD = 1 << 30
HEADER = 8
_U32 = struct.Struct("<I")


def scan(span: bytes) -> tuple[list[tuple[int, int]], int]:
    """([(offset, length)] of the complete records in ``span``, the bytes they and the discarded
    ones take): stops at a record still being written or cut off at the end."""
    records: list[tuple[int, int]] = []
    append = records.append
    unpack = _U32.unpack_from
    avail = len(span)
    pos = 0
    while pos + HEADER <= avail:
        word = unpack(span, pos)[0]
        if word & BUSY:
            break
        length = word & ~(BUSY | DISCARD)
        end = pos + ((length + HEADER + 7) & ~7)
        if end > avail:
            break
        if not word & DISCARD:
            append((pos + HEADER, length))
        pos = end
    return records, pos


def complete_slots(span: bytes, slot: int, length: int) -> int:
    """How many whole ``slot``-byte records open ``span`` before the first one still being
    written; a header that is neither ``length`` long nor discarded means the ring does not
    hold records of one size (:class:`ValueError`)."""
    count = len(span) // slot
    words = memoryview(span)[: count * slot].cast("I")[:: slot // 4].tolist()
    if words.count(length) == count:
        return count
    for i, word in enumerate(words):
        if word & BUSY:
            return i
        if word & ~DISCARD != length:
            raise ValueError(f"a record of {word & ~DISCARD} bytes where all are {length}")
    return count


class RingBuffer:
    def __init__(self, fd: int, size: int) -> None:
        if size <= 0 or size & (size - 1):
            raise ValueError(f"a ring buffer's size is a power of 2, not {size}")
        page = mmap.PAGESIZE
        self.size = size
        self.mask = size - 1
        self._consumer = mmap.mmap(fd, page, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        self._producer = mmap.mmap(
            fd, page + 2 * size, mmap.MAP_SHARED, mmap.PROT_READ, offset=page
        )
        self._data = memoryview(self._producer)[page:]
        # The positions as native 8-byte words: a memoryview's item is read and written with
        # one aligned 8-byte load or store. ``struct``'s "<Q" goes byte by byte, and the kernel
        # reading a half-written consumer position (crossing a 16 MiB boundary, the high byte
        # still old) sees the ring full and drops the record: the few losses once measured at
        # rates the reader kept up with.
        self._cons = memoryview(self._consumer).cast("Q")
        self._prod = memoryview(self._producer)[:8].cast("Q")
        self.fd = fd
        """Readable (epoll) when the kernel has committed records."""

    def pending(self) -> int:
        """Bytes committed or being written, not yet taken."""
        return int(self._prod[0]) - int(self._cons[0])

    def _copy(self, limit: int, unit: int = 1) -> tuple[int, bytes]:
        """(the consumer position, a copy of what the producer has reserved past it: up to
        ``limit`` bytes, whole ``unit``s); the records in it are checked by the caller."""
        cons = self._cons[0]
        avail = min(self._prod[0] - cons, limit, self.size) // unit * unit
        if avail <= 0:
            return cons, b""
        start = cons & self.mask
        return cons, bytes(self._data[start : start + avail])

    def take(self, limit: int = 4 << 20) -> tuple[bytes, list[tuple[int, int]]]:
        """(the bytes, [(offset, length)] of each complete record in them), up to about
        ``limit`` bytes; stops at a record still being written."""
        cons, span = self._copy(limit)
        if not span:
            return b"", []
        records, used = scan(span)
        if used:
            self._cons[0] = cons + used
        return span, records

    def take_slots(self, length: int, limit: int = 4 << 20) -> tuple[bytes, int]:
        """(the bytes, how many records) of a ring whose records are all ``length`` bytes:
        whole slots only (header and padding included), up to about ``limit`` bytes."""
        slot = (length + HEADER + 7) & ~7
        cons, span = self._copy(limit, slot)
        if not span:
            return b"", 0
        count = complete_slots(span, slot, length)
        if count:
            self._cons[0] = cons + count * slot
        return span[: count * slot] if count * slot < len(span) else span, count

    def close(self) -> None:
        self._data.release()
        self._cons.release()
        self._prod.release()
        self._producer.close()
        self._consumer.close()
