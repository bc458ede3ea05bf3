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
from typing import IO, Any

import numpy as np

MAGIC = b"sora-quotes arrays 1\n"
ALIGN = 64
_LENGTH = struct.Struct("<Q")


def write_arrays(file: IO[bytes], arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    """Write `arrays` (C order) and the JSON-serialisable `meta` to the binary `file`."""
    layout, offset = {}, 0
    for name, array in arrays.items():
        layout[name] = {"dtype": array.dtype.str, "shape": list(array.shape), "offset": offset}
        offset += _aligned(array.nbytes)
    header = json.dumps({"meta": meta, "arrays": layout}).encode()
    start = len(MAGIC) + _LENGTH.size + len(header)
    file.write(MAGIC + _LENGTH.pack(len(header)) + header + bytes(_aligned(start) - start))
    for array in arrays.values():
        data = np.ascontiguousarray(array)
        file.write(data.tobytes())
        file.write(bytes(_aligned(data.nbytes) - data.nbytes))


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
