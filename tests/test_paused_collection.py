"""The cyclic garbage collector is paused while a cache is unpickled, and then as it was."""

from __future__ import annotations

import gc

import pytest

from retrieval.storage.paused_collection import collection_paused


def test_the_collector_is_paused_in_the_block_and_on_again_after_it_even_on_an_error():
    assert gc.isenabled()
    with pytest.raises(ValueError):
        with collection_paused():
            assert not gc.isenabled()
            raise ValueError("unreadable")
    assert gc.isenabled()


def test_a_collector_paused_before_stays_paused():
    gc.disable()
    try:
        with collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
