'use strict'
// kconfig.bpf.c: .kconfig externs, resolved at load, readable through obj.kconfig; the
// `kconfig` open option overrides the system's values.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const os = require('node:os')
const { BpfObject, BpfError } = require('..')
const { objPath, needRoot, runGetpid } = require('../testutil.js')

test('.kconfig externs resolve at load; the kconfig option overrides them', (t) => {
  if (needRoot(t)) return
  const obj = BpfObject.open(objPath('kconfig'), { kconfig: 'CONFIG_HZ=123\n' })
  t.after(() => obj.close())
  obj.load()
  const k = obj.kconfig
  assert.equal(k.CONFIG_HZ, 123)
  assert.equal(k.CONFIG_RBPF_NOT_A_CONFIG, 0)
  assert.equal(k.CONFIG_BPF_SYSCALL, true)
  const [maj, min] = os.release().split('.').map(Number)
  assert.equal(k.LINUX_KERNEL_VERSION >> 16, maj)
  assert.equal((k.LINUX_KERNEL_VERSION >> 8) & 0xff, min)
  assert.throws(() => { obj.kconfig.CONFIG_HZ = 1 }, (e) => e instanceof BpfError && e.code === 'EPERM')
  const links = obj.attachAll()
  t.after(() => links.forEach((l) => l.detach()))
  runGetpid(1)
  assert.ok(obj.bss.runs >= 1n)
  assert.equal(obj.bss.out_hz, 123)
  assert.equal(obj.data.out_missing, 0, "initialised globals live in .data")
  assert.equal(obj.bss.out_bpf_syscall, 1)
  assert.equal(obj.bss.out_version, k.LINUX_KERNEL_VERSION)
})
