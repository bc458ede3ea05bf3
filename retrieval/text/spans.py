"""Highlight spans, as the answer contract promises them: sorted, inside the text, merged."""

from __future__ import annotations

from collections.abc import Iterable


def merge_spans(spans: Iterable[tuple[int, int]], length: int | None = None) -> tuple[tuple[int, int], ...]:
    """`spans` sorted, clipped to `0..length` (when given), empty ones dropped, and those that
    overlap or touch merged into one."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        start = max(0, start)
        end = end if length is None else min(end, length)
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)
