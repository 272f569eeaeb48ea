'use strict'
// Shared helpers for node/test/*.test.js (kept outside test/ so `node --test` does not
// run it as a test file).
const fs = require('node:fs')
const path = require('node:path')
const { spawn, spawnSync } = require('node:child_process')

const BPF_DIR = process.env.RBPF_BPF_DIR || path.join(__dirname, '..', 'target', 'bpf')

/** Path of a compiled object of bpf/<name>.bpf.c; fails loudly when it was not built. */
function objPath (name) {
  const p = path.join(BPF_DIR, `${name}.bpf.o`)
  if (!fs.existsSync(p)) {
    throw new Error(`${p} is missing: build the BPF programs first (cargo build -p rbpf-testprogs)`)
  }
  return p
}

const isRoot = process.getuid?.() === 0

/** Call t.skip() unless root; returns true when the test must stop. */
function needRoot (t) {
  if (isRoot) return false
  t.skip('needs root (CAP_BPF, CAP_PERFMON) to load BPF programs')
  return true
}

/** Run a short-lived process that calls getpid() `n` times; returns its pid. */
function runGetpid (n = 3) {
  const r = spawnSync('python3', ['-c', `import os\nfor _ in range(${n}): os.getpid()`], { stdio: 'ignore' })
  if (r.error) throw r.error
  return r.pid
}

/**
 * A child that blocks on stdin until told to go: lets a test learn its pid before the
 * BPF object is loaded, then make it run syscalls. `go(script)` writes to its stdin;
 * `done` resolves with its exit code.
 */
function spawnWaiter (pyScript) {
  const child = spawn('python3', ['-c', `import os, sys\nsys.stdin.readline()\n${pyScript}`], { stdio: ['pipe', 'ignore', 'inherit'] })
  const done = new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', (code) => resolve(code))
  })
  return { child, pid: child.pid, go: () => child.stdin.end('go\n'), done }
}

module.exports = { objPath, isRoot, needRoot, runGetpid, spawnWaiter, BPF_DIR }
