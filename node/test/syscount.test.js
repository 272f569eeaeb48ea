'use strict'
// syscount.bpf.c: count the syscalls of a child this test spawns, filtered by its pid
// through .rodata; events for one watched syscall through the ring buffer.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { BpfObject, RingBuffer } = require('..')
const { objPath, needRoot, spawnWaiter } = require('../testutil.js')

// getppid: a syscall the child makes only when told to.
const GETPPID = { x64: 110, arm64: 173 }[process.arch]
const N = 7

// Open syscount filtered on a fresh child, attach through the three attach calls,
// run the child's N getppid() calls, and return everything for the test to inspect.
async function runChild (t, attachKinds = ['tp', 'raw', 'btf']) {
  const w = spawnWaiter(`for _ in range(${N}): os.getppid()`)
  const obj = BpfObject.open(objPath('syscount'))
  t.after(() => obj.close())
  t.after(() => w.child.kill())
  obj.rodata.target_pid = w.pid
  obj.rodata.watch_syscall = GETPPID
  assert.equal(obj.rodata.target_pid, w.pid)
  obj.program('count_raw').setAutoload(attachKinds.includes('raw'))
  obj.program('count_btf').setAutoload(attachKinds.includes('btf'))
  obj.load()
  const links = []
  t.after(() => links.forEach((l) => l.detach()))
  links.push(obj.program('count_syscalls').attach())
  if (attachKinds.includes('raw')) links.push(obj.program('count_raw').attachRawTracepoint('sys_enter'))
  if (attachKinds.includes('btf')) links.push(obj.program('count_btf').attachTrace())
  w.go()
  assert.equal(await w.done, 0)
  return { obj, pid: w.pid, links }
}

test('counts the syscalls of a spawned child by pid (tp, raw_tp, tp_btf)', { skip: GETPPID === undefined && 'unknown arch' }, async (t) => {
  if (needRoot(t)) return
  const { obj, links } = await runChild(t)
  const counts = obj.map('counts')
  assert.equal(counts.keySize, 4)
  assert.equal(counts.valueSize, 8)
  assert.equal(counts.maxEntries, 1024)
  const n = counts.get(GETPPID)
  assert.equal(typeof n, 'bigint', 'u64 values are bigint')
  assert.ok(n >= BigInt(N), `getppid counted ${n} times, expected >= ${N}`)
  let sum = 0n
  for (const [k, v] of counts) {
    assert.equal(typeof k, 'number')
    sum += v
  }
  assert.ok(sum >= BigInt(N))
  const total = obj.bss.total
  assert.equal(typeof total, 'bigint')
  assert.equal(total, sum, '.bss total equals the sum of the map')
  assert.ok(obj.bss.raw_total >= BigInt(N), `raw_tp counted ${obj.bss.raw_total}`)
  assert.ok(obj.bss.btf_total >= BigInt(N), `tp_btf counted ${obj.bss.btf_total}`)
  for (const l of links) {
    assert.ok(l.fd >= 0)
    l.detach()
    l.detach()
    assert.equal(l.fd, -1)
  }
})

test('ring buffer records decoded by BTF through poll()', async (t) => {
  if (needRoot(t)) return
  const { obj, pid } = await runChild(t, ['tp'])
  const recs = []
  const rb = new RingBuffer(obj.map('events'), (rec) => { recs.push(rec) }, { valueType: 'struct event' })
  t.after(() => rb.close())
  rb.stop() // only the synchronous path here
  const got = rb.poll(1000)
  assert.ok(got >= N, `poll consumed ${got}`)
  assert.equal(recs.length, got)
  for (const r of recs) {
    assert.equal(r.pid, pid)
    assert.equal(r.syscall_id, GETPPID)
    assert.ok(Buffer.isBuffer(r.comm))
    assert.equal(r.comm.length, 16)
  }
  // (a python3 launcher script may run as `bash` under the same pid before the exec)
  const comms = recs.map((r) => r.comm.toString('latin1').replace(/\0+$/, ''))
  assert.ok(comms.filter((c) => c.startsWith('python')).length >= N, comms.join(','))
  assert.equal(rb.consume(), 0, 'nothing left')
})

test('ring buffer records as raw Buffers, callback return value stops consumption', async (t) => {
  if (needRoot(t)) return
  const { obj } = await runChild(t, ['tp'])
  const recs = []
  const rb = new RingBuffer(obj.map('events'), (rec) => { recs.push(rec); return recs.length === 2 ? 1 : 0 })
  t.after(() => rb.close())
  rb.stop()
  assert.equal(rb.consume(), 2, 'a non-zero return stops after that record')
  assert.ok(Buffer.isBuffer(recs[0]))
  assert.equal(recs[0].length, 24) // struct event: u32 + u32 + char[16]
  assert.equal(recs[0].readUInt32LE(4), GETPPID)
  const rest = rb.consume()
  assert.ok(rest >= N - 2)
})

test('ring buffer records through the async iterator (background waiter)', async (t) => {
  if (needRoot(t)) return
  const w = spawnWaiter(`for _ in range(${N}): os.getppid()`)
  t.after(() => w.child.kill())
  const obj = BpfObject.open(objPath('syscount'))
  t.after(() => obj.close())
  obj.rodata.target_pid = w.pid
  obj.rodata.watch_syscall = GETPPID
  obj.program('count_raw').setAutoload(false)
  obj.program('count_btf').setAutoload(false)
  obj.load()
  const link = obj.program('count_syscalls').attach()
  t.after(() => link.detach())
  const rb = new RingBuffer(obj.map('events'), null, { valueType: 'struct event' })
  t.after(() => rb.close())
  // The event loop keeps running while the iterator waits.
  let ticks = 0
  const iv = setInterval(() => ticks++, 5)
  t.after(() => clearInterval(iv))
  setTimeout(() => w.go(), 50)
  const recs = []
  const timer = setTimeout(() => rb.close(), 10000) // never hang the suite
  for await (const rec of rb) {
    recs.push(rec)
    if (recs.length === N) break
  }
  clearTimeout(timer)
  assert.equal(recs.length, N)
  assert.ok(recs.every((r) => r.pid === w.pid && r.syscall_id === GETPPID))
  assert.ok(ticks > 0, 'timers ran while waiting')
  assert.equal(rb.running, false, 'break closed the buffer')
})
