'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const rbpf = require('..')
const { objPath, needRoot } = require('../testutil.js')

test('setLogger receives (level, message) from the library', (t) => {
  const got = []
  rbpf.setLogger((level, message) => got.push([level, message]))
  t.after(() => rbpf.setLogger(undefined))
  const obj = rbpf.BpfObject.open(objPath('maps'))
  t.after(() => obj.close())
  if (!needRoot(t)) obj.load()
  assert.ok(got.length > 0, 'some messages were logged')
  for (const [level, message] of got) {
    assert.ok(['warn', 'info', 'debug'].includes(level), level)
    assert.match(message, /^rbpf: /)
    assert.ok(!message.endsWith('\n'))
  }
})

test('setLogger(null) silences; a bad argument is a TypeError', (t) => {
  const old = rbpf.setLogger(null)
  t.after(() => rbpf.setLogger(old))
  assert.throws(() => rbpf.setLogger(42), TypeError)
  const obj = rbpf.BpfObject.open(objPath('maps'))
  obj.close()
})
