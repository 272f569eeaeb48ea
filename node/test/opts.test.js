'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const rbpf = require('..')

const camel = (s) => s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())

test('option field lists agree with the C declaration (include/rbpf-opts.json)', (t) => {
  const file = path.join(__dirname, '..', '..', 'include', 'rbpf-opts.json')
  if (!fs.existsSync(file)) {
    t.skip(`${file} not generated yet (cargo run -p rbpf-ffi --bin rbpf-gen)`)
    return
  }
  // keys starting with '//' are comments of the generated file
  const c = Object.fromEntries(Object.entries(JSON.parse(fs.readFileSync(file, 'utf8'))).filter(([k]) => !k.startsWith('//')))
  const node = rbpf.optsFields()
  assert.deepEqual(Object.keys(node).sort(), Object.keys(c).sort())
  for (const [name, fields] of Object.entries(c)) {
    assert.deepEqual(node[name], fields.map(camel), `fields of ${name}`)
  }
})

test('BpfObject.open options are the core declaration in camelCase', () => {
  assert.deepEqual(rbpf.optsFields().rbpf_object_open_opts,
    ['objectName', 'relaxedMaps', 'pinRootPath', 'kconfig', 'btfCustomPath', 'kernelLogLevel'])
})

test('an unknown option key is a TypeError naming it', () => {
  assert.throws(() => rbpf.BpfObject.open('/nonexistent.bpf.o', { objectName: 'x', bogusKey: 1 }),
    (e) => e instanceof TypeError && /bogusKey/.test(e.message))
  // snake_case spellings are not the Node form
  assert.throws(() => rbpf.BpfObject.open('/nonexistent.bpf.o', { object_name: 'x' }),
    (e) => e instanceof TypeError && /object_name/.test(e.message))
})

test('an option of the wrong kind is a TypeError naming it', () => {
  assert.throws(() => rbpf.BpfObject.open('/nonexistent.bpf.o', { relaxedMaps: 'yes' }),
    (e) => e instanceof TypeError && /relaxedMaps/.test(e.message))
  assert.throws(() => rbpf.BpfObject.open('/nonexistent.bpf.o', 42),
    (e) => e instanceof TypeError)
})
