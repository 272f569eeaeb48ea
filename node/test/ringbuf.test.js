'use strict'
// The Node-specific parts of RingBuffer: an idle buffer does not keep the process
// alive; close() and use after close.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const path = require('node:path')
const { BpfObject, RingBuffer, BpfError } = require('..')
const { objPath, needRoot, runGetpid } = require('../testutil.js')

function runScript (src, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', src], { stdio: ['ignore', 'pipe', 'pipe'], cwd: path.join(__dirname, '..') })
    let out = ''
    child.stdout.on('data', (d) => { out += d })
    child.stderr.on('data', (d) => { out += d })
    const timer = setTimeout(() => { child.kill('SIGKILL'); resolve({ code: null, timedOut: true, out }) }, timeoutMs)
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, timedOut: false, out }) })
  })
}

const prelude = `
const { BpfObject, RingBuffer } = require('.')
const obj = BpfObject.open(${JSON.stringify(objPath('maps'))})
obj.load()
`

test('a script with an idle RingBuffer (callback, waiter running) exits by itself', async (t) => {
  if (needRoot(t)) return
  const r = await runScript(prelude + `
const rb = new RingBuffer(obj.map('ringbuf'), (rec) => {})
if (!rb.running) throw new Error('background waiter not started')
console.log('ready')
`, 15000)
  assert.equal(r.timedOut, false, `child did not exit: ${r.out}`)
  assert.equal(r.code, 0, r.out)
  assert.match(r.out, /ready/)
})

test('a script with an idle RingBuffer and a data listener exits by itself', async (t) => {
  if (needRoot(t)) return
  const r = await runScript(prelude + `
const rb = new RingBuffer(obj.map('ringbuf'))
rb.on('data', () => {})
setTimeout(() => { console.log(rb.running ? 'running' : 'stopped') }, 50)
`, 15000)
  assert.equal(r.timedOut, false, `child did not exit: ${r.out}`)
  assert.equal(r.code, 0, r.out)
  assert.match(r.out, /running/)
})

test('ref() keeps the process alive until close()', async (t) => {
  if (needRoot(t)) return
  const r = await runScript(prelude + `
const rb = new RingBuffer(obj.map('ringbuf'), () => {}).ref()
const start = Date.now()
setTimeout(() => { rb.close(); console.log('closed after', Date.now() - start) }, 300)
`, 15000)
  assert.equal(r.timedOut, false, r.out)
  assert.equal(r.code, 0, r.out)
  assert.match(r.out, /closed after/)
})

test('close() is idempotent; use after close is EBADF; adding a non-ringbuf map is EINVAL', (t) => {
  if (needRoot(t)) return
  const obj = BpfObject.open(objPath('maps'))
  t.after(() => obj.close())
  obj.load()
  const rb = new RingBuffer(obj.map('ringbuf'))
  assert.equal(rb.ringCount, 1)
  assert.throws(() => rb.add(obj.map('array_map')), (e) => e instanceof BpfError && e.code === 'EINVAL')
  assert.equal(rb.consume(), 0)
  assert.equal(rb.poll(0), 0)
  rb.close()
  rb.close()
  rb[Symbol.dispose]()
  assert.throws(() => rb.consume(), (e) => e instanceof BpfError && e.code === 'EBADF')
  assert.throws(() => rb.start(), (e) => e instanceof BpfError && e.code === 'EBADF')
})

test('RingBuffer options: unknown key is a TypeError; unknown valueType is ENOENT', (t) => {
  if (needRoot(t)) return
  const obj = BpfObject.open(objPath('maps'))
  t.after(() => obj.close())
  obj.load()
  assert.throws(() => new RingBuffer(obj.map('ringbuf'), null, { valueTyp: 'struct hkey' }), (e) => e instanceof TypeError && /valueTyp/.test(e.message))
  assert.throws(() => new RingBuffer(obj.map('ringbuf'), null, { valueType: 'struct nope' }), (e) => e instanceof BpfError && e.code === 'ENOENT')
})

test('objects closed before their links and buffers: no crash, records still decode', (t) => {
  if (needRoot(t)) return
  const obj = BpfObject.open(objPath('maps'))
  obj.load()
  const link = obj.program('update_maps').attach()
  const recs = []
  const rb = new RingBuffer(obj.map('ringbuf'), (r) => { recs.push(r) }, { valueType: '__u64' })
  rb.stop()
  obj.close()
  runGetpid(2)
  assert.ok(link.fd >= 0)
  assert.ok(rb.consume() >= 2)
  assert.ok(recs.every((r) => typeof r === 'bigint' && r >= 1n), String(recs))
  link.detach()
  rb.close()
})

test('a callback exception stops consume() and is rethrown', (t) => {
  if (needRoot(t)) return
  const obj = BpfObject.open(objPath('maps'))
  t.after(() => obj.close())
  obj.load()
  const link = obj.program('update_maps').attach()
  t.after(() => link.detach())
  let calls = 0
  const rb = new RingBuffer(obj.map('ringbuf'), () => { calls++; throw new RangeError('boom') })
  t.after(() => rb.close())
  rb.stop()
  runGetpid(3)
  assert.throws(() => rb.consume(), (e) => e instanceof RangeError && e.message === 'boom')
  assert.equal(calls, 1, 'stopped at the throwing record')
  calls = 0
  assert.throws(() => rb.poll(100), RangeError)
})

test("'data' listeners and raw records through the background waiter", async (t) => {
  if (needRoot(t)) return
  const obj = BpfObject.open(objPath('maps'))
  t.after(() => obj.close())
  obj.load()
  const link = obj.program('update_maps').attach()
  t.after(() => link.detach())
  const rb = new RingBuffer(obj.map('ringbuf'))
  t.after(() => rb.close())
  const recs = []
  const got = new Promise((resolve) => rb.on('data', (rec, ring) => {
    assert.equal(ring, 0)
    recs.push(rec)
    if (recs.length >= 3) resolve()
  }))
  await new Promise((resolve) => setTimeout(resolve, 20))
  assert.equal(rb.running, true)
  runGetpid(3)
  // A data listener alone does not keep the process alive: this timer does.
  let timer
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('no records in 10s')), 10000) })
  await Promise.race([got, timeout])
  clearTimeout(timer)
  assert.ok(recs.every((r) => Buffer.isBuffer(r) && r.length === 8))
})
