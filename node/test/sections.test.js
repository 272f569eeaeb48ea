'use strict'
// bad_section.bpf.c: SEC("xdp/main") opens, fails to load with EINVAL naming the
// program and the section; setType('xdp') before load rescues it.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { BpfObject, BpfError } = require('..')
const { objPath, needRoot } = require('../testutil.js')

test('SEC("xdp/main") opens with no type', (t) => {
  const obj = BpfObject.open(objPath('bad_section'))
  t.after(() => obj.close())
  const p = obj.program('xdp_main')
  assert.equal(p.sectionName, 'xdp/main')
  assert.equal(p.type, 'unspec')
  assert.equal(obj.program('xdp_pass').type, 'xdp')
  assert.equal(obj.program('xdp_pass').autoload, true)
})

test('SEC("xdp/main") load fails with EINVAL naming program and section', (t) => {
  if (needRoot(t)) return
  const obj = BpfObject.open(objPath('bad_section'))
  t.after(() => obj.close())
  assert.throws(() => obj.load(), (e) => {
    assert.ok(e instanceof BpfError)
    assert.equal(e.code, 'EINVAL')
    assert.equal(e.errno, 22)
    assert.match(e.message, /xdp_main/)
    assert.match(e.message, /xdp\/main/)
    return true
  })
})

test('setType("xdp") before load rescues it; setType after load is refused', (t) => {
  if (needRoot(t)) return
  const obj = BpfObject.open(objPath('bad_section'))
  t.after(() => obj.close())
  const p = obj.program('xdp_main')
  p.setType('xdp')
  assert.equal(p.type, 'xdp')
  assert.throws(() => p.setType('no_such_type'), (e) => e instanceof BpfError && e.code === 'EINVAL')
  obj.load()
  assert.ok(p.fd >= 0)
  assert.ok(obj.program('xdp_pass').fd >= 0)
  assert.throws(() => p.setType('xdp'), (e) => e instanceof BpfError && e.code === 'EBUSY')
})

test('setAutoload(false) skips the bad program', (t) => {
  if (needRoot(t)) return
  const obj = BpfObject.open(objPath('bad_section'))
  t.after(() => obj.close())
  obj.program('xdp_main').setAutoload(false)
  obj.load()
  assert.ok(obj.program('xdp_pass').fd >= 0)
  assert.throws(() => obj.program('xdp_main').fd, BpfError)
})

test('a verifier rejection carries the verifier log', (t) => {
  if (needRoot(t)) return
  const obj = BpfObject.open(objPath('bad_section'))
  t.after(() => obj.close())
  obj.program('xdp_main').setAutoload(false)
  // XDP_PASS (2) is outside cgroup_device's return range [0, 1]: the verifier says no.
  obj.program('xdp_pass').setType('cgroup_device')
  assert.throws(() => obj.load(), (e) => {
    assert.ok(e instanceof BpfError)
    assert.equal(e.code, 'EINVAL')
    assert.match(e.message, /xdp_pass/)
    assert.equal(typeof e.verifierLog, 'string')
    assert.match(e.verifierLog, /R0/)
    return true
  })
})
