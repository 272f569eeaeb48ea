#!/usr/bin/env node
'use strict'
// Count the syscalls of one command and print the busiest ones.
//   sudo node examples/node/syscount.js [command args...]   (default: ls /)
// Uses bpf/syscount.bpf.c (built to target/bpf/ by `cargo build -p rbpf-testprogs`).
const path = require('node:path')
const { spawn } = require('node:child_process')
const { BpfObject } = require('../../node')

const argv = process.argv.slice(2)
const cmd = argv.length ? argv : ['ls', '/']
const objFile = path.join(process.env.RBPF_BPF_DIR || path.join(__dirname, '..', '..', 'target', 'bpf'), 'syscount.bpf.o')

async function main () {
  // Start the command stopped on a pipe read so its pid is known before load.
  const child = spawn('sh', ['-c', 'read _ && exec "$@"', 'sh', ...cmd], { stdio: ['pipe', 'inherit', 'inherit'] })
  const exited = new Promise((resolve) => child.on('exit', resolve))

  const obj = BpfObject.open(objFile)
  try {
    await count(obj, child, exited)
  } finally {
    obj.close()
  }
}

async function count (obj, child, exited) {
  obj.rodata.target_pid = child.pid // the filter lives in .rodata: set before load
  obj.program('count_raw').setAutoload(false)
  obj.program('count_btf').setAutoload(false)
  obj.load()
  const link = obj.program('count_syscalls').attach()

  child.stdin.end('go\n')
  const code = await exited

  const rows = [...obj.map('counts')].sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : 0))
  console.log(`\n${cmd.join(' ')} exited with ${code}; ${obj.bss.total} syscalls, ${rows.length} distinct`)
  console.log('SYSCALL  COUNT')
  for (const [id, count] of rows.slice(0, 10)) console.log(`${String(id).padEnd(8)} ${count}`)
  link.detach()
}

main().catch((e) => {
  console.error(`syscount: ${e.message}${e.code ? ` (${e.code})` : ''}`)
  process.exit(1)
})
