'use strict'
// Btf: the kernel's BTF (checked against bpftool), BTF files (raw and ELF .BTF), an
// object's own BTF, and btfCustomPath as the CO-RE target of syscount.bpf.o.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { Btf, BpfObject, BpfError, setLogger } = require('..')
const { objPath, needRoot } = require('../testutil.js')

const VMLINUX = '/sys/kernel/btf/vmlinux'

function needVmlinux (t) {
  if (fs.existsSync(VMLINUX)) return false
  t.skip(`${VMLINUX} is missing: the kernel has no BTF`)
  return true
}

// A temp dir removed after the test.
function tmpDir (t) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'rbpf-btf-'))
  t.after(() => fs.rmSync(d, { recursive: true, force: true }))
  return d
}

// bpftool's line for a named type: "[id] STRUCT 'task_struct' size=N vlen=M".
function bpftoolType (kind, name) {
  const r = spawnSync('bpftool', ['btf', 'dump', 'file', VMLINUX], { encoding: 'utf8', maxBuffer: 1 << 30 })
  if (r.error) return { error: r.error }
  assert.equal(r.status, 0, r.stderr)
  const re = new RegExp(`^\\[(\\d+)\\] ${kind} '${name}' size=(\\d+) vlen=(\\d+)$`, 'm')
  const m = r.stdout.match(re)
  assert.ok(m, `bpftool prints ${kind} '${name}'`)
  // the member lines follow: "\t'tgid' type_id=N bits_offset=N"
  const rest = r.stdout.slice(m.index + m[0].length + 1).split('\n')
  const members = []
  for (const line of rest) {
    const mm = line.match(/^\s+'([^']*)' type_id=(\d+) bits_offset=(\d+)(?: bitfield_size=(\d+))?$/)
    if (!mm) break
    members.push({ name: mm[1], typeId: +mm[2], bitOffset: +mm[3], bitfieldSize: +(mm[4] ?? 0) })
  }
  return { id: +m[1], size: +m[2], vlen: +m[3], members }
}

test('Btf.vmlinux(): task_struct has tgid, size and members as bpftool reports', (t) => {
  if (needVmlinux(t)) return
  const btf = Btf.vmlinux()
  assert.ok(btf.typeCnt > 1000, `typeCnt ${btf.typeCnt}`)
  assert.equal(btf.startId, 1)
  const id = btf.findByName('task_struct', 'struct')
  assert.equal(typeof id, 'number')
  assert.equal(btf.findByName('struct task_struct'), id)
  const ts = btf.typeById(id)
  assert.equal(ts.id, id)
  assert.equal(ts.kind, 'struct')
  assert.equal(ts.name, 'task_struct')
  assert.equal(ts.vlen, ts.members.length)
  const tgid = ts.members.find((m) => m.name === 'tgid')
  assert.ok(tgid, 'task_struct.tgid')
  assert.equal(btf.describe(tgid.typeId), 'pid_t')
  assert.equal(btf.resolveSize(tgid.typeId), 4)
  assert.equal(btf.resolveSize('struct task_struct'), ts.size)
  // The same process-wide BTF again.
  assert.equal(Btf.vmlinux().findByName('task_struct', 'struct'), id)

  const bt = bpftoolType('STRUCT', 'task_struct')
  if (bt.error) { t.diagnostic(`bpftool not runnable (${bt.error.code}): compared without it`); return }
  assert.equal(ts.id, bt.id, 'type id')
  assert.equal(ts.size, bt.size, 'size')
  assert.equal(ts.vlen, bt.vlen, 'vlen')
  assert.deepEqual(ts.members, bt.members)
})

test('Btf: kinds, lookups by kind, and what typeById reports per kind', (t) => {
  if (needVmlinux(t)) return
  const btf = Btf.vmlinux()
  assert.equal(btf.findByName('task_struct', 'union'), undefined)
  assert.equal(btf.findByName('no_such_type_xyz'), undefined)
  assert.throws(() => btf.findByName('task_struct', 'structure'), (e) => e instanceof TypeError && /structure/.test(e.message) && /struct/.test(e.message))
  assert.throws(() => btf.findByName(42), TypeError)

  const int = btf.typeById(btf.findByName('int', 'int'))
  assert.deepEqual([int.kind, int.size, int.bits, int.signed, int.encoding], ['int', 4, 32, true, 'signed'])
  const u64 = btf.typeById(btf.findByName('u64', 'typedef'))
  assert.equal(u64.kind, 'typedef')
  assert.equal(btf.resolveSize(u64.typeId), 8)

  const en = btf.typeById(btf.findByName('enum bpf_map_type'))
  assert.equal(en.kind, 'enum')
  assert.deepEqual(en.values.slice(0, 2), [{ name: 'BPF_MAP_TYPE_UNSPEC', value: 0 }, { name: 'BPF_MAP_TYPE_HASH', value: 1 }])

  const fn = btf.typeById(btf.findByName('do_sys_openat2', 'func') ?? btf.findByName('schedule', 'func'))
  assert.equal(fn.kind, 'func')
  assert.ok(['global', 'static'].includes(fn.linkage))
  const proto = btf.typeById(fn.typeId)
  assert.equal(proto.kind, 'func_proto')
  assert.ok(Array.isArray(proto.params))

  assert.throws(() => btf.typeById(btf.typeCnt + 10), (e) => e instanceof BpfError)
  assert.throws(() => btf.resolveSize('struct no_such_type_xyz'), (e) => e instanceof BpfError && e.code === 'ENOENT')
})

test('Btf.fromFile: a raw copy of vmlinux and an object file (.BTF)', (t) => {
  if (needVmlinux(t)) return
  const dir = tmpDir(t)
  const copy = path.join(dir, 'vmlinux.btf')
  fs.copyFileSync(VMLINUX, copy)
  const raw = Btf.fromFile(copy)
  const vm = Btf.vmlinux()
  assert.equal(raw.typeCnt, vm.typeCnt)
  assert.equal(raw.findByName('struct task_struct'), vm.findByName('struct task_struct'))

  const elf = Btf.fromFile(objPath('maps'))
  const id = elf.findByName('struct hvalue')
  assert.equal(typeof id, 'number')
  assert.deepEqual(elf.typeById(id).members.map((m) => m.name), ['x', 'tag'])
  assert.equal(elf.findByName('struct task_struct'), undefined)

  assert.throws(() => Btf.fromFile(path.join(dir, 'missing.btf')), (e) => e instanceof BpfError && e.code === 'ENOENT' && /missing\.btf/.test(e.message))
  const junk = path.join(dir, 'junk.btf')
  fs.writeFileSync(junk, Buffer.alloc(64, 0x41))
  assert.throws(() => Btf.fromFile(junk), (e) => e instanceof BpfError && e.code === 'EINVAL')
  assert.throws(() => Btf.fromFile(copy, { bogus: 1 }), (e) => e instanceof TypeError && /bogus/.test(e.message))
  assert.throws(() => Btf.fromFile(copy, { base: {} }), TypeError)
})

test('obj.btf: the object\'s own types, decode/encode with bigint for 64-bit fields', (t) => {
  const obj = BpfObject.open(objPath('perf_events'))
  const btf = obj.btf
  assert.ok(btf instanceof Btf)
  const id = btf.findByName('struct perf_rec')
  const rec = btf.typeById(id)
  assert.equal(rec.size, 32)
  assert.deepEqual(rec.members.map((m) => [m.name, m.bitOffset]), [['pid', 0], ['seq', 32], ['cookie', 64], ['comm', 128]])
  assert.equal(btf.describe(id), 'struct perf_rec')
  const bytes = btf.encode('struct perf_rec', { pid: 7, seq: 9, cookie: 0x1122334455667788n, comm: 'node' })
  assert.equal(bytes.length, 32)
  const back = btf.decode(id, bytes)
  assert.equal(back.pid, 7)
  assert.equal(typeof back.cookie, 'bigint')
  assert.equal(back.cookie, 0x1122334455667788n)
  assert.equal(back.comm.subarray(0, 4).toString(), 'node')
  assert.throws(() => btf.decode(id, Buffer.alloc(4)), (e) => e instanceof BpfError && e.code === 'EINVAL')
  obj.close()
  assert.throws(() => btf.typeCnt, (e) => e instanceof BpfError && e.code === 'EBADF')
})

test('btfCustomPath: syscount.bpf.o relocated against a copy of vmlinux BTF loads', (t) => {
  if (needRoot(t) || needVmlinux(t)) return
  const dir = tmpDir(t)
  const copy = path.join(dir, 'vmlinux')
  fs.copyFileSync(VMLINUX, copy)
  const obj = BpfObject.open(objPath('syscount'), { btfCustomPath: copy })
  t.after(() => obj.close())
  obj.load()
  assert.ok(obj.program('count_syscalls').fd >= 0)
})

test('btfCustomPath: a BTF file without the needed types fails naming the relocation', (t) => {
  if (needRoot(t)) return
  // maps.bpf.o's .BTF has no trace_event_raw_sys_enter / task_struct.
  const obj = BpfObject.open(objPath('syscount'), { btfCustomPath: objPath('maps') })
  t.after(() => obj.close())
  const old = setLogger(null)
  t.after(() => setLogger(old))
  assert.throws(() => obj.load(), (e) => {
    assert.ok(e instanceof BpfError, String(e))
    assert.equal(e.code, 'EINVAL')
    assert.match(e.message, /program 'count_syscalls'/)
    assert.match(e.message, /failed to resolve CO-RE relocation .*struct trace_event_raw_sys_enter\.id/)
    assert.match(e.verifierLog, /<invalid CO-RE relocation>/)
    return true
  })
})

test('btfCustomPath: a missing file is an error naming it', (t) => {
  if (needRoot(t)) return
  const obj = BpfObject.open(objPath('syscount'), { btfCustomPath: '/nonexistent/vmlinux.btf' })
  t.after(() => obj.close())
  const old = setLogger(null)
  t.after(() => setLogger(old))
  assert.throws(() => obj.load(), (e) => e instanceof BpfError && e.code === 'ENOENT' && /nonexistent\/vmlinux\.btf/.test(e.message))
})
