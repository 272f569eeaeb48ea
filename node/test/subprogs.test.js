'use strict'
// subprogs.bpf.c: static and global subprograms and a bpf_loop callback, appended to
// two entry programs.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { BpfObject } = require('..')
const { objPath, needRoot, runGetpid } = require('../testutil.js')

test('static and global subprograms run from two programs', (t) => {
  if (needRoot(t)) return
  const obj = BpfObject.open(objPath('subprogs'))
  t.after(() => obj.close())
  assert.deepEqual(obj.programs.map((p) => p.name).sort(), ['on_getpid', 'on_sys_enter'])
  obj.load()
  for (const p of obj.programs) {
    assert.ok(p.fd >= 0)
    assert.ok(p.insnCnt > 0)
  }
  const links = obj.attachAll()
  t.after(() => links.forEach((l) => l.detach()))
  assert.equal(links.length, 2)
  runGetpid(2)
  const bss = obj.bss
  assert.equal(bss.tp_result, 116)
  assert.equal(bss.raw_result, 122)
  assert.equal(bss.tp_loop_sum, 45n)
  assert.equal(bss.raw_loop_sum, 45n)
  assert.ok(bss.tp_runs >= 1n)
  assert.ok(bss.raw_runs >= 1n)
})
