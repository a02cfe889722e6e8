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
"""

from __future__ import annotations

import mmap
import select
import struct

BUSY = 1 << 31
DISCARD = 1 << 30
HEADER = 8
_U64 = struct.Struct("<Q")
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
        self._poll = select.epoll()
        self._poll.register(fd, select.EPOLLIN)

    def wait(self, timeout: float) -> bool:
        """Until the kernel says records are there (or ``timeout`` seconds)."""
        if self.pending():
            return True
        return bool(self._poll.poll(timeout))

    def pending(self) -> int:
        """Bytes committed or being written, not yet taken."""
        prod: int = _U64.unpack_from(self._producer, 0)[0]
        return prod - int(_U64.unpack_from(self._consumer, 0)[0])

    def take(self, limit: int = 4 << 20) -> tuple[bytes, list[tuple[int, int]]]:
        """(the bytes, [(offset, length)] of each complete record in them), up to about
        ``limit`` bytes; stops at a record still being written."""
        cons = _U64.unpack_from(self._consumer, 0)[0]
        prod = _U64.unpack_from(self._producer, 0)[0]
        avail = min(prod - cons, limit, self.size)
        if avail <= 0:
            return b"", []
        start = cons & self.mask
        span = bytes(self._data[start : start + avail])
        records, used = scan(span)
        if used:
            _U64.pack_into(self._consumer, 0, cons + used)
        return span, records

    def close(self) -> None:
        self._poll.close()
        self._data.release()
        self._producer.close()
        self._consumer.close()
