'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { BpfObject, BpfError } = require('..')
const { objPath } = require('../testutil.js')

function isBpfError (code, re) {
  return (e) => {
    assert.ok(e instanceof BpfError, `expected BpfError, got ${e && e.name}: ${e && e.message}`)
    assert.ok(e instanceof Error)
    assert.equal(e.code, code, e.message)
    assert.equal(e.errno, os.constants.errno[code])
    assert.ok(e.errno > 0)
    if (re) assert.match(e.message, re)
    return true
  }
}

test('missing file is ENOENT', () => {
  assert.throws(() => BpfObject.open('/nonexistent/dir/none.bpf.o'), isBpfError('ENOENT'))
})

test('empty buffer is EINVAL with a message', () => {
  assert.throws(() => BpfObject.open(Buffer.alloc(0)), isBpfError('EINVAL', /./))
})

test('empty file is EINVAL', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rbpf-node-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const f = path.join(dir, 'empty.bpf.o')
  fs.writeFileSync(f, '')
  assert.throws(() => BpfObject.open(f), isBpfError('EINVAL', /./))
})

test('garbage is EINVAL with a message', () => {
  assert.throws(() => BpfObject.open(Buffer.from('this is not an ELF file at all, not even close'.repeat(8))),
    isBpfError('EINVAL', /./))
})

test('truncated ELF is EINVAL with a message', () => {
  const img = fs.readFileSync(objPath('syscount'))
  for (const n of [4, 16, 64, 200, Math.floor(img.length / 2), img.length - 1]) {
    assert.throws(() => BpfObject.open(img.subarray(0, n)), isBpfError('EINVAL', /./), `truncated to ${n}`)
  }
})

test('open from file and from memory, close idempotent, use after close is EBADF', () => {
  const img = fs.readFileSync(objPath('syscount'))
  for (const src of [objPath('syscount'), img]) {
    const obj = BpfObject.open(src)
    // libbpf names an in-memory object after its address and size
    if (typeof src === 'string') assert.equal(obj.name, 'syscount')
    const prog = obj.program('count_syscalls')
    const map = obj.map('counts')
    assert.ok(prog && map)
    obj.close()
    obj.close()
    assert.equal(obj.closed, true)
    assert.throws(() => obj.load(), isBpfError('EBADF'))
    assert.throws(() => prog.name, isBpfError('EBADF'))
    assert.throws(() => map.get(1), isBpfError('EBADF'))
    assert.throws(() => obj.rodata.target_pid, isBpfError('EBADF'))
    assert.throws(() => obj.program('count_syscalls'), isBpfError('EBADF'))
  }
})

test('objectName option renames the object; Symbol.dispose closes', () => {
  const obj = BpfObject.open(objPath('syscount'), { objectName: 'renamed', relaxedMaps: false })
  assert.equal(obj.name, 'renamed')
  obj[Symbol.dispose]()
  assert.equal(obj.closed, true)
})

test('wrong argument types are TypeErrors', () => {
  assert.throws(() => BpfObject.open(42), TypeError)
  assert.throws(() => BpfObject.open(null), TypeError)
})

test('mutated ELF images never crash: they open or fail with BpfError', (t) => {
  const { setLogger } = require('..')
  const old = setLogger(null)
  t.after(() => setLogger(old))
  const img = fs.readFileSync(objPath('globals'))
  let seed = 12345
  const rnd = (n) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n }
  for (let i = 0; i < 400; i++) {
    const b = Buffer.from(img)
    for (let j = 1 + rnd(16); j > 0; j--) b[rnd(b.length)] = rnd(256)
    let obj
    try {
      obj = BpfObject.open(b)
      void Object.keys(obj.rodata)
      void obj.programs.map((p) => p.sectionName)
    } catch (e) {
      assert.ok(e instanceof BpfError, `iteration ${i}: ${e && e.stack}`)
    } finally {
      obj?.close()
    }
  }
})
