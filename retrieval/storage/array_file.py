"""A file of named numpy arrays that opens memory-mapped: a JSON header, then each array's bytes
at a 64-byte boundary.

Opening reads the header only; the operating system reads an array's pages when they are first
touched and shares them between processes, so a large index is ready at once. The mapping stays
valid as long as the file is never changed in place: cache files are replaced by rename
(atomic_files) and pruned by unlinking, both of which leave an open mapping intact.
"""

from __future__ import annotations

import json
import mmap
import struct
from pathlib import Path
from collections.abc import Callable, Iterable
from typing import IO, Any

import numpy as np

MAGIC = b"sora-quotes arrays 1\n"
ALIGN = 64
_LENGTH = struct.Struct("<Q")
# A FileArray is copied into an array file this many bytes at a time.
COPY_BYTES = 8 * 2**20


class FileArray:
    """An array whose rows are appended to a raw file instead of memory (a large build's token
    arrays, its sentence spans): `append` adds rows (of `row_shape`, default single items),
    slicing reads them back, and `write_arrays` copies the file in chunks. The file is the
    caller's to remove."""

    def __init__(self, path: str | Path, dtype, row_shape: tuple[int, ...] = ()):
        self.path = Path(path)
        self.dtype = np.dtype(dtype)
        self.row_shape = tuple(row_shape)
        self._row_bytes = self.dtype.itemsize * int(np.prod(self.row_shape, dtype=np.int64))
        self._file = open(self.path, "w+b")
        self.length = 0

    def append(self, items: np.ndarray) -> None:
        self._file.write(np.ascontiguousarray(items, dtype=self.dtype).tobytes())
        self.length += len(items)

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.length, *self.row_shape)

    @property
    def nbytes(self) -> int:
        return self.length * self._row_bytes

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, items: slice) -> np.ndarray:
        """Rows `items` (a slice with step 1), read into memory."""
        start, stop, step = items.indices(self.length)
        if step != 1:
            raise ValueError("a FileArray is read in runs")
        self._file.flush()
        self._file.seek(start * self._row_bytes)
        data = self._file.read(max(0, stop - start) * self._row_bytes)
        return np.frombuffer(data, dtype=self.dtype).reshape(-1, *self.row_shape)

    def write_to(self, file: IO[bytes]) -> None:
        """Copy the items to `file`, COPY_BYTES at a time."""
        self._file.flush()
        self._file.seek(0)
        while chunk := self._file.read(COPY_BYTES):
            file.write(chunk)

    def close(self) -> None:
        self._file.close()


class ArrayStream:
    """An array of `dtype` and `shape` that exists only as the blocks `blocks()` yields (C order,
    in turn) when `write_arrays` writes it: a build's largest array never held whole in memory."""

    def __init__(self, dtype, shape: tuple[int, ...], blocks: Callable[[], Iterable[np.ndarray]]):
        self.dtype = np.dtype(dtype)
        self.shape = tuple(shape)
        self.nbytes = self.dtype.itemsize * int(np.prod(self.shape, dtype=np.int64))
        self._blocks = blocks

    def write_to(self, file: IO[bytes]) -> None:
        """Write the blocks to `file`; ValueError when they do not add up to the shape."""
        written = 0
        for block in self._blocks():
            block = np.ascontiguousarray(block, dtype=self.dtype)
            file.write(block.reshape(-1).view(np.uint8).data)
            written += block.nbytes
        if written != self.nbytes:
            raise ValueError(f"an array stream of {self.nbytes} bytes wrote {written}")


def write_arrays(file: IO[bytes], arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    """Write `arrays` (C order; numpy arrays, FileArrays or ArrayStreams) and the
    JSON-serialisable `meta` to the binary `file`."""
    layout, offset = {}, 0
    for name, array in arrays.items():
        layout[name] = {"dtype": array.dtype.str, "shape": list(array.shape), "offset": offset}
        offset += _aligned(array.nbytes)
    header = json.dumps({"meta": meta, "arrays": layout}).encode()
    start = len(MAGIC) + _LENGTH.size + len(header)
    file.write(MAGIC + _LENGTH.pack(len(header)) + header + bytes(_aligned(start) - start))
    for array in arrays.values():
        if isinstance(array, (FileArray, ArrayStream)):
            array.write_to(file)
        else:
            array = np.ascontiguousarray(array)
            file.write(array.reshape(-1).view(np.uint8).data)  # no copy of the array
        file.write(bytes(_aligned(array.nbytes) - array.nbytes))


def read_arrays(path: str | Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The arrays (read-only, memory-mapped) and meta written by `write_arrays`; ValueError when
    the file is not one, or is cut short."""
    with open(path, "rb") as file:
        if file.read(len(MAGIC)) != MAGIC:
            raise ValueError(f"{path} is not an array file")
        (length,) = _LENGTH.unpack(file.read(_LENGTH.size))
        header = json.loads(file.read(length))
        mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    base = _aligned(len(MAGIC) + _LENGTH.size + length)
    arrays = {}
    for name, spec in header["arrays"].items():
        dtype, shape = np.dtype(spec["dtype"]), tuple(spec["shape"])
        count = int(np.prod(shape, dtype=np.int64))
        start = base + spec["offset"]
        if start + count * dtype.itemsize > len(mapped):
            raise ValueError(f"{path} is cut short (array {name})")
        arrays[name] = (np.frombuffer(mapped, dtype, count, start) if count else np.zeros(0, dtype)).reshape(shape)
    return arrays, header["meta"]


def _aligned(size: int) -> int:
    return -(-size // ALIGN) * ALIGN
