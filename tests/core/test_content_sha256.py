"""``content_sha256``: what a resume compares instead of a data path — equal for equal data
wherever it came from, different when a value, dtype, shape, order or nesting differs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from advrl.core import content_sha256


def test_equal_data_equal_hash_across_containers_and_devices():
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert content_sha256(x, ["a", "b"]) == content_sha256(torch.from_numpy(x.copy()), ("a", "b"))
    assert content_sha256(x[:, ::2]) == content_sha256(np.ascontiguousarray(x[:, ::2]))  # a view hashes its values
    assert content_sha256({"b": 1, "a": x}) == content_sha256({"a": x, "b": 1})


@pytest.mark.parametrize("other", [
    np.arange(12, dtype=np.float64).reshape(3, 4),  # dtype
    np.arange(12, dtype=np.float32).reshape(4, 3),  # shape
    np.arange(1, 13, dtype=np.float32).reshape(3, 4),  # values
])
def test_any_difference_in_an_array_changes_the_hash(other):
    assert content_sha256(np.arange(12, dtype=np.float32).reshape(3, 4)) != content_sha256(other)


def test_texts_order_nesting_and_types_count():
    pairs = [("hello", "hi"), ("bye", "see you")]
    assert content_sha256(pairs) != content_sha256(pairs[::-1])
    assert content_sha256([("ab", "c")]) != content_sha256([("a", "bc")])  # no ambiguity from concatenation
    assert content_sha256(["a", "b"]) != content_sha256([["a", "b"]])
    assert content_sha256("1") != content_sha256(1) != content_sha256(b"1")
    for unhashable in (object(), np.array(["a", None], dtype=object)):  # an object array's bytes are pointers
        with pytest.raises(TypeError, match="cannot hash"):
            content_sha256(unhashable)
