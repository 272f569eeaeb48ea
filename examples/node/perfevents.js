#!/usr/bin/env node
'use strict'
// Print every getppid() on the system for a few seconds, delivered per CPU through a
// perf buffer and decoded by BTF; lost samples are counted.
//   sudo node examples/node/perfevents.js [seconds]
// Uses bpf/perf_events.bpf.c (built to target/bpf/ by `cargo build -p rbpf-testprogs`).
const path = require('node:path')
const { BpfObject, PerfBuffer, numPossibleCpus } = require('../../node')

const seconds = Number(process.argv[2]) || 5
const objFile = path.join(process.env.RBPF_BPF_DIR || path.join(__dirname, '..', '..', 'target', 'bpf'), 'perf_events.bpf.o')

async function main () {
  const obj = BpfObject.open(objFile)
  try {
    // libbpf sizes a PERF_EVENT_ARRAY without max_entries itself; rbpf will too.
    obj.map('events').setMaxEntries(numPossibleCpus())
    obj.load()
    const link = obj.program('emit_events').attach()
    let lost = 0
    let n = 0
    const pb = new PerfBuffer(obj.map('events'), { valueType: 'struct perf_rec', lostCallback: (count) => { lost += count } })
    // `for await` keeps the process alive while it waits; the timer ends it.
    const timer = setTimeout(() => pb.close(), seconds * 1000)
    console.log(`getppid() callers for ${seconds}s`)
    console.log('PID     SEQ   COMM')
    for await (const rec of pb) {
      n++
      const comm = rec.comm.subarray(0, rec.comm.indexOf(0) >>> 0).toString()
      console.log(`${String(rec.pid).padEnd(7)} ${String(rec.seq).padEnd(5)} ${comm}`)
    }
    clearTimeout(timer)
    console.log(`${n} samples, ${lost} lost`)
    link.detach()
  } finally {
    obj.close()
  }
}

main().catch((e) => {
  console.error(`perfevents: ${e.message}${e.code ? ` (${e.code})` : ''}`)
  process.exit(1)
})
