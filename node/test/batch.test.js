'use strict'
// Batch map operations on maps.bpf.c's maps: lookupBatch with a cursor, updateBatch,
// deleteBatch, lookupAndDeleteBatch, typed and raw, per-CPU values, errors.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { BpfObject, BpfError, BatchCursor, numPossibleCpus } = require('..')
const { objPath, needRoot } = require('../testutil.js')

const pad = (s, n) => { const b = Buffer.alloc(n); b.write(s, 'latin1'); return b }
const byKey = (x, y) => x[0].a - y[0].a || x[0].b - y[0].b

function loaded (t) {
  const obj = BpfObject.open(objPath('maps'))
  t.after(() => obj.close())
  obj.load()
  return obj
}

// Every entry through lookupBatch in chunks of `count`.
function walk (map, count, options) {
  const cursor = new BatchCursor()
  const out = []
  let calls = 0
  while (!cursor.done) {
    const chunk = map.lookupBatch(cursor, count, options)
    assert.ok(chunk.length <= count)
    out.push(...chunk)
    assert.ok(++calls < 1000, 'the walk ends')
  }
  return out
}

test('hash map: updateBatch, lookupBatch in chunks, deleteBatch, lookupAndDeleteBatch', (t) => {
  if (needRoot(t)) return
  const h = loaded(t).map('hash_map')
  const keys = Array.from({ length: 10 }, (_, i) => ({ a: i, b: i * 2 }))
  const values = keys.map((k) => ({ x: BigInt(k.a) << 40n, tag: `v${k.a}` }))
  assert.equal(h.updateBatch(keys, values), 10)
  assert.deepEqual(h.get({ a: 3, b: 6 }), { x: 3n << 40n, tag: pad('v3', 8) })

  const all = walk(h, 4).sort(byKey)
  assert.deepEqual(all, keys.map((k, i) => [k, { x: values[i].x, tag: pad(values[i].tag, 8) }]))
  // entries() agrees (it walks with batch lookups where the kernel has them)
  assert.deepEqual([...h.entries()].sort(byKey), all)
  // a finished cursor returns nothing until reset
  const c = new BatchCursor()
  h.lookupBatch(c, 64)
  assert.equal(c.done, true)
  assert.deepEqual(h.lookupBatch(c, 64), [])
  c.reset()
  assert.equal(c.done, false)
  assert.equal(h.lookupBatch(c, 64).length, 10)

  // raw: Buffers for keys and values
  const raw = walk(h, 64, { raw: true })
  assert.equal(raw.length, 10)
  assert.ok(raw.every(([k, v]) => Buffer.isBuffer(k) && k.length === 8 && Buffer.isBuffer(v) && v.length === 16))

  assert.equal(h.deleteBatch(keys.slice(0, 3)), 3)
  assert.equal(h.has({ a: 0, b: 0 }), false)
  assert.throws(() => h.deleteBatch([{ a: 0, b: 0 }]), (e) => e instanceof BpfError && e.code === 'ENOENT' && /hash_map/.test(e.message))

  const cur = new BatchCursor()
  const taken = []
  while (!cur.done) taken.push(...h.lookupAndDeleteBatch(cur, 3))
  assert.deepEqual(taken.map(([k]) => k).sort((x, y) => x.a - y.a), keys.slice(3))
  assert.deepEqual([...h.keys()], [])
})

test('packed Buffers in and out; array and per-CPU maps', (t) => {
  if (needRoot(t)) return
  const obj = loaded(t)
  const a = obj.map('array_map')
  const k = Buffer.alloc(8); k.writeUInt32LE(1, 0); k.writeUInt32LE(2, 4)
  const v = Buffer.alloc(16); v.writeBigUInt64LE(11n, 0); v.writeBigUInt64LE(22n, 8)
  assert.equal(a.updateBatch(k, v), 2)
  const entries = walk(a, 5)
  assert.equal(entries.length, a.maxEntries, 'an array has every index')
  assert.deepEqual(entries.slice(0, 3), [[0, 0n], [1, 11n], [2, 22n]])

  const ncpu = numPossibleCpus()
  const p = obj.map('percpu_hash')
  const perCpu = (n) => Array.from({ length: ncpu }, (_, i) => BigInt(n * 10 + i))
  assert.equal(p.updateBatch([1, 2, 3], [perCpu(1), perCpu(2), 7n]), 3)
  const got = walk(p, 2).sort((x, y) => x[0] - y[0])
  assert.deepEqual(got, [[1, perCpu(1)], [2, perCpu(2)], [3, Array(ncpu).fill(7n)]])
  const rawPer = walk(p, 8, { raw: true })
  assert.ok(rawPer.every(([, val]) => val.length === 8 * ncpu))
})

test('batch errors: options, sizes, cursor, unloaded map', (t) => {
  if (needRoot(t)) return
  const h = loaded(t).map('hash_map')
  assert.throws(() => h.lookupBatch(new BatchCursor(), 4, { elemFlag: 1 }), (e) => e instanceof TypeError && /elemFlag/.test(e.message) && /elemFlags/.test(e.message))
  assert.throws(() => h.lookupBatch({}, 4), TypeError)
  assert.throws(() => h.lookupBatch(new BatchCursor(), -1), TypeError)
  assert.throws(() => h.updateBatch([{ a: 1, b: 1 }], []), (e) => e instanceof BpfError && e.code === 'EINVAL' && /1 keys but 0 values/.test(e.message))
  assert.throws(() => h.updateBatch(Buffer.alloc(7), Buffer.alloc(16)), (e) => e instanceof BpfError && e.code === 'EINVAL' && /hash_map/.test(e.message))
  assert.throws(() => h.deleteBatch(Buffer.alloc(12)), (e) => e instanceof BpfError && e.code === 'EINVAL')
  // BPF_F_LOCK on a map without a spin lock: the kernel refuses
  assert.throws(() => h.updateBatch([{ a: 1, b: 1 }], [{ x: 1, tag: '' }], { elemFlags: 4 }), (e) => e instanceof BpfError && e.code === 'EINVAL')

  const obj = BpfObject.open(objPath('maps'))
  t.after(() => obj.close())
  assert.throws(() => obj.map('hash_map').lookupBatch(new BatchCursor(), 4), (e) => e instanceof BpfError && /hash_map/.test(e.message))
})
