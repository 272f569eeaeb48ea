#!/usr/bin/env node
'use strict'
// Print every exec on the system for a few seconds, decoded from a ring buffer.
//   sudo node examples/node/execsnoop.js [seconds]
// Uses bpf/execsnoop.bpf.c (built to target/bpf/ by `cargo build -p rbpf-testprogs`).
const path = require('node:path')
const { BpfObject, RingBuffer, setLogger } = require('../../node')

const seconds = Number(process.argv[2]) || 5
const objFile = process.env.RBPF_BPF_DIR
  ? path.join(process.env.RBPF_BPF_DIR, 'execsnoop.bpf.o')
  : path.join(__dirname, '..', '..', 'target', 'bpf', 'execsnoop.bpf.o')

setLogger((level, msg) => { if (level === 'warn') console.error(msg) })

async function main () {
  const obj = BpfObject.open(objFile)
  try {
    obj.load()
    const links = obj.attachAll()
    await trace(obj, links)
    links.forEach((l) => l.detach())
  } finally {
    obj.close()
  }
}

async function trace (obj, links) {
  const rb = new RingBuffer(obj.map('events'), null, { valueType: 'struct exec_event' })
  setTimeout(() => rb.close(), seconds * 1000) // ends the for-await loop
  const str = (b) => b.toString('latin1').replace(/\0.*$/s, '')
  console.log(`tracing execs for ${seconds}s (${links.length} program attached)`)
  console.log('PID     PPID    COMM             FILENAME')
  let n = 0
  for await (const e of rb) {
    n++
    console.log(`${String(e.pid).padEnd(7)} ${String(e.ppid).padEnd(7)} ${str(e.comm).padEnd(16)} ${str(e.filename)}`)
  }
  console.log(`${n} execs`)
}

main().catch((e) => {
  console.error(`execsnoop: ${e.message}${e.code ? ` (${e.code})` : ''}`)
  process.exit(1)
})
