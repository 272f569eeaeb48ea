'use strict'
// globals.bpf.c: globals written before load arrive in the kernel; .bss read live.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { BpfObject, BpfError } = require('..')
const { objPath, needRoot, runGetpid } = require('../testutil.js')

const pad = (s, n) => { const b = Buffer.alloc(n); b.write(s, 'latin1'); return b }

test('globals: typed views before load (no kernel)', (t) => {
  const obj = BpfObject.open(objPath('globals'))
  t.after(() => obj.close())
  assert.equal(obj.rodata.ro_u32, 1)
  assert.equal(obj.rodata.ro_s64, -5n, '64-bit values are bigint')
  assert.deepEqual(obj.rodata.ro_str, pad('hello', 16))
  assert.equal(obj.data.data_int, 7)
  assert.deepEqual(obj.data.data_cfg, { a: 11, name: pad('cfg-name', 16), arr: [100n, 200n, 300n] })
  assert.equal(obj.datasec('.data.custom').custom_data, 3)
  assert.equal(obj.datasec('.rodata.custom').custom_ro, 4)
  assert.equal(obj.bss.bss_counter, 0n)
  assert.deepEqual(obj.bss.bss_arr, [0, 0, 0, 0])
  assert.ok(Object.keys(obj.rodata).includes('target_pid'))
  assert.ok('ro_u32' in obj.rodata)
  assert.equal(obj.rodata.no_such_var, undefined)
  // sections by ELF name (the core's Object::datasec / Map::section_name)
  assert.deepEqual([...obj.datasecs].sort(), ['.bss', '.data', '.data.custom', '.rodata', '.rodata.custom'])
  assert.equal(obj.map('.rodata').name, obj.maps.find((m) => m.name.endsWith('.rodata')).name)
  assert.equal(obj.datasec('.nope').x, undefined)
  // write, read back
  obj.rodata.ro_u32 = 0xffffffff
  assert.equal(obj.rodata.ro_u32, 0xffffffff)
  obj.data.data_cfg = { a: -2 } // a subset keeps the other members
  assert.deepEqual(obj.data.data_cfg, { a: -2, name: pad('cfg-name', 16), arr: [100n, 200n, 300n] })
  // char[N]: shorter is zero-padded, longer is an error
  obj.rodata.ro_str = 'hi'
  assert.deepEqual(obj.rodata.ro_str, pad('hi', 16))
  assert.throws(() => { obj.rodata.ro_str = 'x'.repeat(17) }, (e) => e instanceof BpfError && e.code === 'EINVAL')
  // out of range for the type
  assert.throws(() => { obj.rodata.ro_u32 = 2 ** 32 }, (e) => e instanceof BpfError)
  assert.throws(() => { obj.rodata.no_such_var = 1 }, (e) => e instanceof BpfError && e.code === 'ENOENT')
})

test('globals written before load are seen by the program; .bss is live; .rodata is read-only after load', (t) => {
  if (needRoot(t)) return
  const obj = BpfObject.open(objPath('globals'))
  t.after(() => obj.close())
  obj.rodata.ro_u32 = 77
  obj.rodata.ro_s64 = -123456789012n
  obj.rodata.ro_str = Buffer.from('abc')
  obj.data.data_int = 9
  obj.data.data_cfg = { a: 5, name: 'node', arr: [1n, 2, 3n] }
  obj.datasec('.data.custom').custom_data = 8
  obj.datasec('.rodata.custom').custom_ro = 9
  obj.load()
  const links = obj.attachAll()
  t.after(() => links[Symbol.dispose]())
  assert.equal(links.length, 1)
  runGetpid(2)
  const bss = obj.bss
  assert.ok(bss.bss_counter >= 1n, `counter ${bss.bss_counter}`)
  assert.equal(bss.out_ro_u32, 77)
  assert.equal(bss.out_ro_s64, -123456789012n)
  assert.deepEqual(bss.out_ro_str, pad('abc', 16))
  assert.equal(bss.out_data_int, 9)
  assert.equal(bss.out_custom_data, 8)
  assert.equal(bss.out_custom_ro, 9)
  assert.deepEqual(bss.bss_cfg, { a: 5, name: pad('node', 16), arr: [1n, 2n, 3n] })
  assert.deepEqual(bss.bss_arr, [1, 3, 5, 77])
  // .bss and .data are writable after load (live map)
  obj.bss.bss_counter = 1000n
  assert.equal(obj.bss.bss_counter, 1000n)
  // .rodata is not
  assert.throws(() => { obj.rodata.ro_u32 = 1 }, (e) => e instanceof BpfError && e.code === 'EPERM' && e.errno === 1)
  assert.equal(obj.rodata.ro_u32, 77, 'reading .rodata after load still works')
})
