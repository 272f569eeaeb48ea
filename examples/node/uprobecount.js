#!/usr/bin/env node
'use strict'
// Count the calls of one function of a program or library, system-wide, for a few
// seconds; show the last argument, return value and the attach cookie.
//   sudo node examples/node/uprobecount.js [binary-or-library] [function] [seconds]
//   sudo node examples/node/uprobecount.js libc.so.6 getpid 3
// Uses bpf/attach_probes.bpf.c (built to target/bpf/ by `cargo build -p rbpf-testprogs`):
// count_uprobe (entry: int argument, cookie) and count_uretprobe (int return value).
const path = require('node:path')
const { BpfObject } = require('../../node')

const [target = 'libc.so.6', func = 'getpid', secs = '3'] = process.argv.slice(2)
const objFile = path.join(process.env.RBPF_BPF_DIR || path.join(__dirname, '..', '..', 'target', 'bpf'), 'attach_probes.bpf.o')

const obj = BpfObject.open(objFile)
try {
  obj.load()
  // A library name is resolved as libbpf does (ld.so.cache, standard directories).
  const entry = obj.program('count_uprobe').attachUprobe(target, { funcName: func, bpfCookie: 0xc0ffeen })
  const ret = obj.program('count_uretprobe').attachUprobe(target, { funcName: func, retprobe: true })
  console.log(`counting ${target}:${func} for ${secs}s (${entry.target})`)
  setTimeout(() => {
    const b = obj.bss
    console.log(`calls ${b.uprobe_cnt}, returns ${b.uretprobe_cnt}`)
    console.log(`last argument (as int) ${b.uprobe_arg}, last return value ${b.uretprobe_ret}, cookie 0x${b.uprobe_cookie.toString(16)}`)
    entry.detach()
    ret.detach()
    obj.close()
  }, Number(secs) * 1000)
} catch (e) {
  obj.close()
  console.error(`${e.code || ''} ${e.message}`)
  process.exitCode = 1
}
