'use strict'
// maps.bpf.c: BTF-typed keys and values, per-CPU values, map attributes, element
// operations from user space.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { BpfObject, BpfError, RingBuffer, numPossibleCpus, constants } = require('..')
const { objPath, needRoot, runGetpid } = require('../testutil.js')

const pad = (s, n) => { const b = Buffer.alloc(n); b.write(s, 'latin1'); return b }
const T = { HASH: 1, ARRAY: 2, PERCPU_HASH: 5, PERCPU_ARRAY: 6, LRU_HASH: 9, RINGBUF: 27, BLOOM_FILTER: 30 }

test('map attributes as parsed', (t) => {
  const obj = BpfObject.open(objPath('maps'))
  t.after(() => obj.close())
  const m = (n) => obj.map(n)
  assert.deepEqual([m('hash_map').type, m('hash_map').keySize, m('hash_map').valueSize, m('hash_map').maxEntries], [T.HASH, 8, 16, 128])
  assert.deepEqual([m('array_map').type, m('array_map').keySize, m('array_map').valueSize], [T.ARRAY, 4, 8])
  assert.deepEqual([m('sized_array').keySize, m('sized_array').valueSize, m('sized_array').maxEntries], [4, 8, 4])
  assert.equal(m('percpu_array').type, T.PERCPU_ARRAY)
  assert.equal(m('percpu_array').isPercpu, true)
  assert.equal(m('percpu_hash').type, T.PERCPU_HASH)
  assert.equal(m('lru_hash').type, T.LRU_HASH)
  assert.equal(m('lru_hash').mapFlags, 2)
  assert.equal(m('nopre_hash').mapFlags, 1)
  assert.equal(m('numa_hash').mapFlags, 4)
  assert.equal(m('bloom').type, T.BLOOM_FILTER)
  assert.equal(m('ringbuf').type, T.RINGBUF)
  assert.equal(obj.map('nope'), undefined)
  const names = obj.maps.map((x) => x.name)
  for (const n of ['hash_map', 'array_map', 'percpu_array', 'ringbuf']) assert.ok(names.includes(n), n)
})

test('maps filled by the program, read typed from Node', (t) => {
  if (needRoot(t)) return
  const obj = BpfObject.open(objPath('maps'))
  t.after(() => obj.close())
  obj.load()
  const links = obj.attachAll()
  t.after(() => links.forEach((l) => l.detach()))
  runGetpid(3)
  for (const l of links) l.detach()

  const calls = obj.map('array_map').get(0)
  assert.equal(typeof calls, 'bigint')
  assert.ok(calls >= 3n)
  const hv = obj.map('hash_map').get({ a: 1, b: 2 })
  assert.equal(typeof hv.x, 'bigint')
  assert.ok(hv.x >= 3n)
  assert.deepEqual(hv.tag, pad('getpid', 8))
  const ncpu = numPossibleCpus()
  for (const [name, key] of [['percpu_array', 0], ['percpu_hash', 1]]) {
    const per = obj.map(name).get(key)
    assert.ok(Array.isArray(per), `${name} value is an array`)
    assert.equal(per.length, ncpu)
    assert.ok(per.reduce((a, b) => a + b, 0n) >= 3n, `${name} sum`)
  }
  assert.equal(obj.map('numa_hash').get(9), 9)
  assert.ok(obj.map('nopre_hash').get(7) >= 3n)

  // ring buffer of u64 records, raw
  const recs = []
  const rb = new RingBuffer(obj.map('ringbuf'), (r) => { recs.push(r.readBigUInt64LE(0)) })
  t.after(() => rb.close())
  rb.stop()
  assert.ok(rb.poll(100) >= 3)
  assert.ok(recs.every((r, i) => i === 0 || r > recs[i - 1] || r === 1n), 'call counts in order')
})

test('element operations from user space', (t) => {
  if (needRoot(t)) return
  const obj = BpfObject.open(objPath('maps'))
  t.after(() => obj.close())
  obj.load()
  const h = obj.map('hash_map')
  assert.equal(h.get({ a: 5, b: 6 }), undefined)
  assert.equal(h.has({ a: 5, b: 6 }), false)
  h.set({ a: 5, b: 6 }, { x: 2n ** 60n, tag: 'hey' })
  assert.deepEqual(h.get({ a: 5, b: 6 }), { x: 2n ** 60n, tag: pad('hey', 8) })
  assert.equal(h.has({ a: 5, b: 6 }), true)
  assert.throws(() => h.update({ a: 5, b: 6 }, { x: 1, tag: '' }, constants.BPF_NOEXIST), (e) => e instanceof BpfError && e.code === 'EEXIST')
  assert.throws(() => h.update({ a: 9, b: 9 }, { x: 1, tag: '' }, constants.BPF_EXIST), (e) => e instanceof BpfError && e.code === 'ENOENT')
  // raw bytes are always accepted: key {a: 7, b: 8}
  const rawKey = Buffer.alloc(8); rawKey.writeUInt32LE(7, 0); rawKey.writeUInt32LE(8, 4)
  h.set(rawKey, Buffer.alloc(16, 1))
  assert.deepEqual(h.lookup({ a: 7, b: 8 }, 0, { raw: true }), Buffer.alloc(16, 1))
  assert.throws(() => h.lookup({ a: 7, b: 8 }, 0, { rew: true }), (e) => e instanceof TypeError && /rew/.test(e.message))
  const keys = [...h.keys()].sort((x, y) => x.a - y.a)
  assert.deepEqual(keys, [{ a: 5, b: 6 }, { a: 7, b: 8 }])
  assert.equal([...h.entries()].length, 2)
  assert.equal([...h.values()].length, 2)
  h.set({ a: 1, b: 1 }, { x: 5, tag: 'del' })
  assert.deepEqual(h.lookupAndDelete({ a: 1, b: 1 }), { x: 5n, tag: pad('del', 8) })
  assert.equal(h.has({ a: 1, b: 1 }), false)
  assert.equal(h.lookupAndDelete({ a: 1, b: 1 }), undefined)
  assert.equal(h.delete({ a: 5, b: 6 }), true)
  assert.equal(h.delete({ a: 5, b: 6 }), false)
  assert.equal([...h].length, 1)

  // wrong key size: EINVAL with the core's message naming the map
  assert.throws(() => h.get(Buffer.alloc(3)), (e) => e instanceof BpfError && e.code === 'EINVAL' && /hash_map/.test(e.message) && /key size/.test(e.message))
  assert.throws(() => h.set(Buffer.alloc(8), Buffer.alloc(5)), (e) => e instanceof BpfError && e.code === 'EINVAL' && /hash_map/.test(e.message))
  // a typed key of the wrong shape
  assert.throws(() => h.get('not a struct'), BpfError)

  // no BTF types: Buffers, and plain integers for 4/8-byte keys and values
  const s = obj.map('sized_array')
  s.set(1, Buffer.from('abcdefgh'))
  assert.deepEqual(s.get(1), Buffer.from('abcdefgh'))
  s.set(2, 0x0102030405n)
  assert.equal(s.get(2).readBigUInt64LE(0), 0x0102030405n)

  // per-CPU: one value per CPU, or one value for all
  const ncpu = numPossibleCpus()
  const p = obj.map('percpu_array')
  p.set(2, Array.from({ length: ncpu }, (_, i) => BigInt(i + 1)))
  assert.deepEqual(p.get(2), Array.from({ length: ncpu }, (_, i) => BigInt(i + 1)))
  p.set(3, 9n)
  assert.deepEqual(p.get(3), Array(ncpu).fill(9n))
  assert.throws(() => p.set(1, [1n]), (e) => e instanceof BpfError && e.code === 'EINVAL')

  const a = obj.map('array_map')
  a.set(3, 2n ** 64n - 1n)
  assert.equal(a.get(3), 2n ** 64n - 1n)
  assert.throws(() => a.set(3, 2n ** 64n), BpfError)
  assert.equal(a.get(99), undefined, 'out-of-range index reads as absent (ENOENT)')
})

test('a link the caller dropped stays attached while its object lives', async (t) => {
  if (needRoot(t)) return
  const v8 = require('node:v8')
  const vm = require('node:vm')
  v8.setFlagsFromString('--expose-gc')
  const gc = vm.runInNewContext('gc')
  const obj = BpfObject.open(objPath('maps'))
  t.after(() => obj.close())
  obj.load()
  obj.program('update_maps').attach() // result dropped on purpose
  for (let i = 0; i < 3; i++) { gc(); await new Promise((resolve) => setImmediate(resolve)) }
  const before = obj.map('array_map').get(0)
  runGetpid(2)
  assert.ok(obj.map('array_map').get(0) >= before + 2n, 'the program still runs')
})
