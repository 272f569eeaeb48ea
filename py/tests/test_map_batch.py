"""Batch map operations (BPF_MAP_*_BATCH) with cursors, and items() built on them."""

from __future__ import annotations

import errno

import pytest

import rbpf
from conftest import obj_path

N = 10_000


@pytest.fixture
def big(root):
    """maps.bpf.o with hash_map grown to N entries (loaded, not attached)."""
    obj = rbpf.Object.open(obj_path("maps"))
    obj.maps["hash_map"].max_entries = N
    obj.load()
    try:
        yield obj
    finally:
        obj.close()


def _keys(n: int) -> list[dict]:
    return [{"a": i, "b": i * 7 % 1000} for i in range(n)]


def _vals(n: int) -> list[dict]:
    return [{"x": i * 3, "tag": b"t%d" % (i % 100)} for i in range(n)]


def _per_key(m: rbpf.Map) -> dict:
    """The map read key by key (get_next_key + lookup), the reference."""
    out = {}
    k = m.next_key()
    while k is not None:
        v = m.lookup(k)
        if v is not None:
            out[k] = v
        k = m.next_key(k)
    return out


def test_batch_lookup_of_10k_hash_matches_per_key_loop(big):
    m = big.maps["hash_map"]
    assert m.update_batch(_keys(N), _vals(N)) == N
    ref = _per_key(m)
    assert len(ref) == N

    cur = rbpf.BatchCursor()
    assert not cur.done
    got = {}
    calls = 0
    while not cur.done:
        keys, values = m.lookup_batch(cur, 1000)
        assert len(keys) == len(values) <= 1000
        got.update(zip(keys, values))
        calls += 1
        assert calls <= N // 1000 + 2
    assert got == ref
    # Decoded as the map's BTF types.
    k0 = next(iter(got))
    assert isinstance(k0, rbpf.Struct) and set(k0._fields) == {"a", "b"}
    assert got[k0].x == k0.a * 3

    # items() uses batch lookups and agrees too.
    assert dict(m.items()) == ref
    assert sorted(v.x for v in m.values()) == sorted(v.x for v in ref.values())
    # A finished cursor returns nothing more; reset() starts over.
    assert m.lookup_batch(cur, 10) == ([], [])
    cur.reset()
    keys, _ = m.lookup_batch(cur, 10)
    assert 1 <= len(keys) <= 10  # whole hash buckets only: may stop short of count


def test_lookup_batch_without_cursor_and_opts(big):
    m = big.maps["hash_map"]
    m.update_batch(_keys(50), _vals(50), elem_flags=rbpf.BPF_ANY)
    keys, values = m.lookup_batch(count=100)
    assert len(keys) == 50 and len(values) == 50
    with pytest.raises(TypeError, match="no_such"):
        m.lookup_batch(count=10, no_such=1)
    # elem_flags reach the kernel: batch updates accept only BPF_F_LOCK there.
    with pytest.raises(rbpf.BpfError) as ei:
        m.update_batch(_keys(1), _vals(1), elem_flags=rbpf.BPF_NOEXIST)
    assert ei.value.errno == errno.EINVAL and "hash_map" in ei.value.strerror


def test_delete_batch(big):
    m = big.maps["hash_map"]
    m.update_batch(_keys(100), _vals(100))
    assert m.delete_batch(_keys(40)) == 40
    assert len(m) == 60
    with pytest.raises(rbpf.BpfError) as ei:
        m.delete_batch(_keys(1))  # already gone
    assert ei.value.errno == errno.ENOENT
    assert m.delete_batch([]) == 0


def test_lookup_and_delete_batch_drains(big):
    m = big.maps["hash_map"]
    m.update_batch(_keys(500), _vals(500))
    ref = _per_key(m)
    cur = rbpf.BatchCursor()
    got = {}
    while not cur.done:
        keys, values = m.lookup_and_delete_batch(cur, 128)
        got.update(zip(keys, values))
    assert got == ref
    assert len(m) == 0


def test_update_batch_errors(big):
    m = big.maps["hash_map"]
    with pytest.raises(rbpf.BpfError) as ei:
        m.update_batch(_keys(3), _vals(2))
    assert ei.value.errno == errno.EINVAL and "3 keys but 2 values" in ei.value.strerror
    with pytest.raises(TypeError):
        m.update_batch(b"\0" * 8, b"\0" * 16)


def test_percpu_and_array_batches(big):
    ncpu = rbpf.num_possible_cpus()
    ph = big.maps["percpu_hash"]
    ph.update_batch([1, 2, 3], [[i * 10 + c for c in range(ncpu)] for i in (1, 2, 3)])
    keys, values = ph.lookup_batch(count=32)
    assert dict(zip(keys, values)) == {i: [i * 10 + c for c in range(ncpu)] for i in (1, 2, 3)}
    assert dict(ph.items()) == dict(zip(keys, values))

    arr = big.maps["array_map"]
    arr.update_batch(range(16), [i * i for i in range(16)])
    cur = rbpf.BatchCursor()
    got = []
    while not cur.done:
        got.extend(zip(*arr.lookup_batch(cur, 5)))
    assert got == [(i, i * i) for i in range(16)]
    assert arr.items() == got
