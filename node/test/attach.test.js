'use strict'
// Issue 4 from Node: every attach kind this kernel runs, observed for real, and the
// clear errors for the kinds it refuses. Objects: bpf/attach_probes.bpf.c,
// attach_net.bpf.c, attach_kprobe.bpf.c, usdt_v2.bpf.c. The probed C program and the
// socket maker are built here with cc; network tests run in namespaces and a veth pair
// created (and always removed) by this file.
const { test, describe, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const rbpf = require('..')
const { BpfObject, BpfError, Link, constants: C } = rbpf
const { objPath, isRoot } = require('../testutil.js')

const N = 7

// The fixture of tests/c/test_attach.c: rbpf_c_target(x) returns x*2; USDT
// rbpftest:args4(i, 4242, -5, arr[i&3] = 10 + (i&3)).
const PROBED_SRC = `#include <sys/sdt.h>
#include <stdlib.h>
volatile int sink;
struct pair { long pad; long a; int arr[4]; };
__attribute__((noinline)) int rbpf_c_target(int x) { sink += x; return x * 2; }
__attribute__((noinline)) void rbpf_c_site(long i, struct pair *p, int idx) {
    DTRACE_PROBE4(rbpftest, args4, i, p->a, -5, p->arr[idx]);
}
int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1;
    struct pair p = { .pad = 1, .a = 4242, .arr = { 10, 11, 12, 13 } };
    for (int i = 0; i < n; i++) { rbpf_c_target(i); rbpf_c_site(i, &p, i & 3); }
    return 0;
}
`
// Creates argv[1] IPv4 UDP sockets (for the cgroup/sock_create program).
const SOCKMAKER_SRC = `#include <stdlib.h>
#include <sys/socket.h>
#include <netinet/in.h>
int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1;
    for (int i = 0; i < n; i++) if (socket(AF_INET, SOCK_DGRAM, 0) < 0) return 1;
    return 0;
}
`

// sk_msg on a sockmap: no BPF test object has one, so the test builds this one with clang.
const SKMSG_SRC = `#define SEC(n) __attribute__((section(n), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
struct {
	__uint(type, 15); /* BPF_MAP_TYPE_SOCKMAP */
	__uint(max_entries, 2);
	__type(key, int);
	__type(value, int);
} sock_map SEC(".maps");
unsigned long long msgs;
SEC("sk_msg") int msg_verdict(void *ctx) { __sync_fetch_and_add(&msgs, 1); return 1; /* SK_PASS */ }
char LICENSE[] SEC("license") = "GPL";
`

// flow_dissector (attached to a test namespace) and an LSM program (refused here).
const NETNS_LSM_SRC = `#define SEC(n) __attribute__((section(n), used))
SEC("flow_dissector") int dissect(void *ctx) { return 0; /* BPF_OK */ }
SEC("lsm/file_open") int lsm_open(void *ctx) { return 0; }
char LICENSE[] SEC("license") = "GPL";
`

/** Build a BPF object from C source into the fixture dir; undefined after t.skip(). */
function buildBpf (t, name, src) {
  const fx = getFixture()
  const out = path.join(fx.dir, `${name}.bpf.o`)
  fs.writeFileSync(path.join(fx.dir, `${name}.bpf.c`), src)
  const cc = spawnSync('clang-19', ['-target', 'bpf', '-O2', '-g', '-c', path.join(fx.dir, `${name}.bpf.c`), '-o', out], { encoding: 'utf8' })
  if (cc.status !== 0) { t.skip(`cannot build ${name}.bpf.o with clang-19: ${cc.error || cc.stderr}`); return undefined }
  return out
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
// Uprobe removal and cgroup detach take effect after an RCU grace period.
const settle = () => sleep(150)

let fixture // { dir, probed, sockmaker } or { error }
function getFixture () {
  if (fixture) return fixture
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rbpf_node_attach_'))
  fixture = { dir }
  for (const [name, src] of [['probed', PROBED_SRC], ['sockmaker', SOCKMAKER_SRC]]) {
    fs.writeFileSync(path.join(dir, `${name}.c`), src)
    const r = spawnSync('cc', ['-O2', '-o', path.join(dir, name), path.join(dir, `${name}.c`)], { encoding: 'utf8' })
    if (r.status !== 0) {
      fixture.error = `cannot build the ${name} fixture with cc (<sys/sdt.h> is in systemtap-sdt-dev): ${r.error || r.stderr}`
      return fixture
    }
    fixture[name] = path.join(dir, name)
  }
  return fixture
}
after(() => { if (fixture) fs.rmSync(fixture.dir, { recursive: true, force: true }) })

/** The built fixture, or undefined after t.skip() saying why. */
function needFixture (t) {
  if (!isRoot) { t.skip('needs root to load and attach BPF programs'); return undefined }
  const f = getFixture()
  if (f.error) { t.skip(f.error); return undefined }
  return f
}

function run (bin, ...args) {
  const r = spawnSync(bin, args.map(String), { stdio: 'ignore' })
  if (r.error) throw r.error
  assert.equal(r.status, 0, `${bin} ${args.join(' ')} exited with ${r.status}`)
}

function loaded (name, before) {
  const obj = BpfObject.open(objPath(name))
  if (before) before(obj)
  return obj.load()
}

// ---------------------------------------------------------------- uprobes and USDT

test('uprobe and uretprobe on a function of a C program count its calls (cookie, return value)', (t) => {
  const fx = needFixture(t)
  if (!fx) return
  const obj = loaded('attach_probes')
  t.after(() => obj.close())
  const cookie = 0x1234_5678_9abc_def0n
  const entry = obj.program('count_uprobe').attachUprobe(fx.probed, { funcName: 'rbpf_c_target', bpfCookie: cookie })
  const ret = obj.program('count_uretprobe').attachUprobe(fx.probed, { pid: -1, funcName: 'rbpf_c_target', retprobe: true })
  t.after(() => { entry.detach(); ret.detach() })
  assert.match(entry.target, /uprobe .*probed/)
  run(fx.probed, N)
  assert.equal(obj.bss.uprobe_cnt, BigInt(N))
  assert.equal(obj.bss.uprobe_arg, BigInt(N - 1))
  assert.equal(obj.bss.uprobe_cookie, cookie)
  assert.equal(obj.bss.uretprobe_cnt, BigInt(N))
  assert.equal(obj.bss.uretprobe_ret, BigInt(2 * (N - 1)))

  // Detached: no more counting.
  entry.detach()
  entry.detach() // idempotent
  assert.equal(entry.detached, true)
  settle()
  run(fx.probed, 2)
  assert.equal(obj.bss.uprobe_cnt, BigInt(N))

  // A pid filter on another process: the fixture's calls are not counted.
  const other = obj.program('count_uprobe').attachUprobe(fx.probed, { pid: process.pid, funcName: 'rbpf_c_target' })
  run(fx.probed, 3)
  other.detach()
  assert.equal(obj.bss.uprobe_cnt, BigInt(N))

  // Errors name the program and come as BpfError with errno / code.
  assert.throws(() => obj.program('count_uprobe').attachUprobe(fx.probed, { funcName: 'no_such_function' }), (e) => {
    assert.ok(e instanceof BpfError, String(e))
    assert.equal(e.code, 'ENOENT')
    assert.match(e.message, /^prog 'count_uprobe': /)
    assert.match(e.message, /no_such_function/)
    return true
  })
  assert.throws(() => obj.program('count_uprobe').attachUprobe('/nonexistent/binary', { funcName: 'f' }),
    (e) => e instanceof BpfError && e.code === 'ENOENT' && /count_uprobe/.test(e.message))
})

test('uprobe options: unknown keys and bad values are TypeErrors naming them; attachMode takes a string', (t) => {
  const fx = needFixture(t)
  if (!fx) return
  const obj = loaded('attach_probes')
  t.after(() => obj.close())
  const p = obj.program('count_uprobe')
  assert.throws(() => p.attachUprobe(fx.probed, { funcName: 'rbpf_c_target', bogusKey: 1 }),
    (e) => e instanceof TypeError && /bogusKey/.test(e.message) && /pid/.test(e.message) && /bpfCookie/.test(e.message))
  assert.throws(() => p.attachUprobe(fx.probed, { func_name: 'rbpf_c_target' }), (e) => e instanceof TypeError && /func_name/.test(e.message))
  assert.throws(() => p.attachUprobe(fx.probed, { funcName: 'rbpf_c_target', pid: 'me' }), (e) => e instanceof TypeError && /pid/.test(e.message))
  assert.throws(() => p.attachUprobe(fx.probed, { attachMode: 'sideways' }), (e) => e instanceof TypeError && /attachMode/.test(e.message))
  assert.throws(() => p.attachUprobe(42), TypeError)
  // The legacy (tracefs uprobe_events) and perf modes count the same.
  for (const mode of ['perf', 'link']) {
    const before = obj.bss.uprobe_cnt
    const l = p.attachUprobe(fx.probed, { funcName: 'rbpf_c_target', attachMode: mode })
    run(fx.probed, 2)
    l.detach()
    settle()
    assert.equal(obj.bss.uprobe_cnt - before, 2n, `attachMode ${mode}`)
  }
})

test('uprobe.multi by glob and by names', (t) => {
  const fx = needFixture(t)
  if (!fx) return
  const obj = loaded('attach_probes')
  t.after(() => obj.close())
  const p = obj.program('count_multi')
  const l = p.attachUprobeMulti(fx.probed, 'rbpf_c_*')
  run(fx.probed, N)
  l.detach()
  assert.equal(obj.bss.multi_cnt, BigInt(2 * N), 'rbpf_c_target and rbpf_c_site')
  settle()
  const l2 = p.attachUprobeMulti(fx.probed, { syms: ['rbpf_c_site'], cookies: [7n] })
  t.after(() => l2.detach())
  run(fx.probed, N)
  assert.equal(obj.bss.multi_cnt, BigInt(3 * N))
  assert.throws(() => p.attachUprobeMulti(fx.probed, { syms: 'rbpf_c_site' }), (e) => e instanceof TypeError && /syms/.test(e.message))
})

test('USDT with four arguments and a cookie (attach_probes and usdt_v2 objects)', (t) => {
  const fx = needFixture(t)
  if (!fx) return
  const obj = loaded('attach_probes')
  t.after(() => obj.close())
  const l = obj.program('usdt_args4').attachUsdt(fx.probed, 'rbpftest', 'args4', { usdtCookie: 0xC0FFEE })
  t.after(() => l.detach())
  run(fx.probed, N)
  assert.equal(obj.bss.usdt_cnt, BigInt(N))
  assert.equal(obj.bss.usdt_arg_cnt, 4n)
  assert.equal(obj.bss.usdt_cookie, 0xC0FFEEn)
  assert.deepEqual(obj.bss.usdt_args, [BigInt(N - 1), 4242n, -5n, BigInt(10 + ((N - 1) & 3))])
  assert.equal(l.fd, -1, 'a bundle of uprobes, as libbpf\'s usdt link')

  assert.throws(() => obj.program('usdt_args4').attachUsdt(fx.probed, 'rbpftest', 'nope'),
    (e) => e instanceof BpfError && e.code === 'ENOENT' && /prog 'usdt_args4'/.test(e.message))
  assert.throws(() => obj.program('usdt_args4').attachUsdt(fx.probed, 'rbpftest', 'args4', { cookie: 1 }),
    (e) => e instanceof TypeError && /'cookie'/.test(e.message) && /usdtCookie/.test(e.message))

  // The 1.7+ usdt.bpf.h layout, a 64-bit cookie as bigint, the record read from a map.
  const v2 = loaded('usdt_v2')
  t.after(() => v2.close())
  const cookie = 0xfedc_ba98_7654_3210n
  const l2 = v2.program('handle_args4').attachUsdt(fx.probed, 'rbpftest', 'args4', { pid: -1, usdtCookie: cookie })
  t.after(() => l2.detach())
  run(fx.probed, 3)
  const rec = v2.map('out').get(0)
  assert.equal(rec.cnt, 3n)
  assert.equal(rec.cookie, cookie)
  assert.equal(rec.arg_cnt, 4n)
  assert.deepEqual(rec.args, [2n, 4242n, -5n, 12n])
})

test('an object without usdt.bpf.h cannot attach USDT (ESRCH, says why)', (t) => {
  const fx = needFixture(t)
  if (!fx) return
  const net = loaded('attach_net')
  t.after(() => net.close())
  const logs = []
  const old = rbpf.setLogger((level, msg) => logs.push([level, msg]))
  t.after(() => rbpf.setLogger(old))
  assert.throws(() => net.program('on_sample').attachUsdt(fx.probed, 'rbpftest', 'args4'),
    (e) => e instanceof BpfError && e.code === 'ESRCH' && /usdt\.bpf\.h/.test(e.message))
  assert.ok(logs.some(([level, msg]) => level === 'warn' && /usdt\.bpf\.h/.test(msg)), JSON.stringify(logs))
})

// ---------------------------------------------------------------- network: XDP, tcx, clsact

/** Two namespaces joined by a veth pair va (10.X.Y.1) ↔ vb (10.X.Y.2). */
class VethPair {
  constructor () {
    const id = process.pid
    this.nsA = `rbpf_node_${id}_a`
    this.nsB = `rbpf_node_${id}_b`
    const net = `10.${(id >> 8) & 0xff}.${id & 0xff}`
    this.addrA = `${net}.1`
    this.addrB = `${net}.2`
  }

  static available () {
    const r = spawnSync('ip', ['netns', 'list'], { stdio: 'ignore' })
    return !r.error && r.status === 0
  }

  setup () {
    this.cleanup()
    for (const args of [
      ['netns', 'add', this.nsA],
      ['netns', 'add', this.nsB],
      ['-n', this.nsA, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb', 'netns', this.nsB],
      ['-n', this.nsA, 'addr', 'add', `${this.addrA}/24`, 'dev', 'va'],
      ['-n', this.nsB, 'addr', 'add', `${this.addrB}/24`, 'dev', 'vb'],
      ['-n', this.nsA, 'link', 'set', 'va', 'up'],
      ['-n', this.nsB, 'link', 'set', 'vb', 'up'],
      ['-n', this.nsA, 'link', 'set', 'lo', 'up']
    ]) {
      const r = spawnSync('ip', args, { encoding: 'utf8' })
      if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`)
    }
  }

  cleanup () {
    // Deleting a namespace removes its end of the veth, which removes the pair.
    for (const ns of [this.nsA, this.nsB]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' })
  }

  /** `n` UDP datagrams a → b, port 9 (a child in namespace a sends them). */
  sendUdp (n) {
    const py = `import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(${n}):
    s.sendto(b'rbpf', ('${this.addrB}', 9))
    time.sleep(0.002)
time.sleep(0.05)`
    const r = spawnSync('ip', ['netns', 'exec', this.nsA, 'python3', '-c', py], { encoding: 'utf8' })
    assert.equal(r.status, 0, `sending UDP in ${this.nsA}: ${r.error || r.stderr}`)
  }

  /** The change of a .bss counter over `n` datagrams (after one warm-up datagram for ARP). */
  count (obj, v, n) {
    this.sendUdp(1)
    const before = obj.bss[v]
    this.sendUdp(n)
    return Number(obj.bss[v] - before)
  }

  /** Run fn on this (the JS) thread inside namespace b. */
  inB (fn) { return rbpf.withNetns(this.nsB, fn) }
}

describe('network attach in namespaces created by the test', () => {
  let net
  let skipWhy
  before(() => {
    if (!isRoot) { skipWhy = 'needs root to create network namespaces'; return }
    if (!VethPair.available()) { skipWhy = '`ip netns` is not available'; return }
    net = new VethPair()
    net.setup()
  })
  after(() => net?.cleanup())

  const need = (t) => {
    if (skipWhy) t.skip(skipWhy)
    return !skipWhy
  }

  test('withNetns enters namespace b on this thread and always comes back', (t) => {
    if (!need(t)) return
    const own = fs.readlinkSync('/proc/thread-self/ns/net')
    const inB = net.inB(() => fs.readlinkSync('/proc/thread-self/ns/net'))
    assert.notEqual(inB, own)
    assert.equal(fs.readlinkSync('/proc/thread-self/ns/net'), own)
    assert.throws(() => net.inB(() => { throw new Error('boom') }), /boom/)
    assert.equal(fs.readlinkSync('/proc/thread-self/ns/net'), own)
    assert.throws(() => rbpf.withNetns('rbpf_no_such_netns', () => {}), (e) => e instanceof BpfError && e.code === 'ENOENT')
    assert.equal(fs.readlinkSync('/proc/thread-self/ns/net'), own)
    // 'vb' exists only in b: an unknown name is ENODEV.
    assert.throws(() => rbpf.xdpQueryId('vb'), (e) => e instanceof BpfError && e.code === 'ENODEV')
  })

  test('XDP: a BPF link by interface name, the netlink calls, and a clear error for a second program', (t) => {
    if (!need(t)) return
    const obj = loaded('attach_net')
    t.after(() => obj.close())
    const prog = obj.program('xdp_count')
    const l = net.inB(() => prog.attachXdp('vb'))
    t.after(() => l.detach())
    assert.equal(l.info().type, 6 /* BPF_LINK_TYPE_XDP */)
    assert.equal(net.count(obj, 'xdp_pkts', 5), 5)
    // The same interface by index.
    const ifindex = Number(/^(\d+):/.exec(spawnSync('ip', ['-n', net.nsB, '-o', 'link', 'show', 'vb'], { encoding: 'utf8' }).stdout)?.[1])
    assert.ok(ifindex > 0)
    assert.throws(() => net.inB(() => prog.attachXdp(ifindex)), (e) => {
      assert.ok(e instanceof BpfError, String(e))
      assert.ok(['EBUSY', 'EEXIST'].includes(e.code), e.code)
      assert.match(e.message, /^prog 'xdp_count': /)
      assert.match(e.message, /already has an XDP program/)
      return true
    })
    l.detach()
    assert.equal(net.count(obj, 'xdp_pkts', 3), 0, 'XDP link detached')

    // Over netlink in skb mode: attach, query, detach.
    net.inB(() => rbpf.xdpAttach('vb', prog, C.XDP_FLAGS_SKB_MODE))
    try {
      assert.equal(net.count(obj, 'xdp_pkts', 3), 3)
      const q = net.inB(() => rbpf.xdpQuery('vb'))
      assert.ok(q.progId > 0)
      assert.equal(q.skbProgId, q.progId)
      assert.equal(q.attachMode, C.XDP_ATTACHED_SKB)
      assert.equal(typeof q.featureFlags, 'bigint')
      assert.equal(net.inB(() => rbpf.xdpQueryId('vb')), q.progId)
    } finally {
      net.inB(() => rbpf.xdpDetach('vb', C.XDP_FLAGS_SKB_MODE))
    }
    assert.equal(net.inB(() => rbpf.xdpQueryId('vb')), 0)
    assert.throws(() => net.inB(() => prog.attachXdp('vb', { mode: 'skb' })), (e) => e instanceof TypeError && /'mode'/.test(e.message))
  })

  test('tcx: counts ingress packets, swaps its program, pins and reopens', (t) => {
    if (!need(t)) return
    const obj = loaded('attach_net')
    t.after(() => obj.close())
    const tcx = net.inB(() => obj.program('tcx_count').attachTcx('vb'))
    t.after(() => tcx.detach())
    assert.equal(tcx.info().type, 11 /* BPF_LINK_TYPE_TCX */)
    assert.equal(net.count(obj, 'tcx_pkts', 4), 4)
    // Swap the link's program: tc_count counts now.
    tcx.updateProgram(obj.program('tc_count'))
    assert.equal(net.count(obj, 'tc_pkts', 3), 3)
    assert.equal(net.count(obj, 'tcx_pkts', 2), 0)
    tcx.detach()
    assert.equal(net.count(obj, 'tc_pkts', 2), 0, 'tcx detached')
    assert.throws(() => tcx.updateProgram(obj.program('tcx_count')), (e) => e instanceof BpfError && e.code === 'EINVAL')

    // A pinned link outlives its handle until unpinned.
    if (!fs.existsSync('/sys/fs/bpf') || spawnSync('mountpoint', ['-q', '/sys/fs/bpf']).status !== 0) {
      spawnSync('mount', ['-t', 'bpf', 'bpf', '/sys/fs/bpf'])
    }
    const pin = `/sys/fs/bpf/rbpf_node_${process.pid}_tcx`
    t.after(() => fs.rmSync(pin, { force: true }))
    const l = net.inB(() => obj.program('tcx_count').attachTcx('vb', { expectedRevision: 0 }))
    l.pin(pin)
    assert.equal(l.pinPath, pin)
    l.detach()
    assert.equal(net.count(obj, 'tcx_pkts', 3), 3, 'the pin keeps it attached')
    const p = Link.open(pin)
    assert.equal(p.pinPath, pin)
    assert.equal(p.info().type, 11)
    assert.ok(p.info().progId > 0)
    p.unpin()
    assert.equal(fs.existsSync(pin), false)
    p.detach()
    assert.equal(net.count(obj, 'tcx_pkts', 3), 0)
    assert.throws(() => Link.open(pin), (e) => e instanceof BpfError && e.code === 'ENOENT')
  })

  test('TC over netlink: attachTc (clsact + cls_bpf) and the tc* calls', (t) => {
    if (!need(t)) return
    const obj = loaded('attach_net')
    t.after(() => obj.close())
    const prog = obj.program('tc_count')
    const l = net.inB(() => prog.attachTc('vb', { attachPoint: 'ingress', priority: 1, handle: 1 }))
    t.after(() => l.detach())
    assert.equal(l.fd, -1, 'a netlink filter has no link fd, as libbpf')
    assert.equal(net.count(obj, 'tc_pkts', 6), 6)
    const hook = { ifindex: 'vb', attachPoint: 'ingress' }
    const q = net.inB(() => rbpf.tcQuery(hook, { handle: 1, priority: 1 }))
    assert.ok(q.progId > 0)
    l.detach()
    assert.equal(net.count(obj, 'tc_pkts', 2), 0, 'filter removed')

    // The qdisc went with it: creating it succeeds (no EEXIST). Then the libbpf-style calls.
    net.inB(() => rbpf.tcHookCreate(hook))
    try {
      assert.throws(() => net.inB(() => rbpf.tcHookCreate(hook)), (e) => e instanceof BpfError && e.code === 'EEXIST')
      const a = net.inB(() => rbpf.tcAttach(hook, { prog, handle: 2, priority: 3 }))
      assert.equal(a.handle, 2)
      assert.equal(a.priority, 3)
      assert.ok(a.progId > 0)
      assert.equal(net.count(obj, 'tc_pkts', 4), 4)
      net.inB(() => rbpf.tcDetach(hook, { handle: 2, priority: 3 }))
      assert.equal(net.count(obj, 'tc_pkts', 2), 0)
      assert.throws(() => net.inB(() => rbpf.tcQuery(hook, { handle: 2, priority: 3 })),
        (e) => e instanceof BpfError && ['ENOENT', 'EINVAL'].includes(e.code)) // EINVAL: the chain went with its last filter
    } finally {
      net.inB(() => rbpf.tcHookDestroy({ ifindex: 'vb', attachPoint: 'ingress|egress' }))
    }
    // egress: the program sees what b sends (nothing UDP here), and attaches fine.
    const eg = net.inB(() => prog.attachTc('vb', { attachPoint: 'egress' }))
    eg.detach()
    assert.throws(() => prog.attachTc(1, { attachPoint: 'sideways' }), (e) => e instanceof TypeError && /attachPoint/.test(e.message))
    assert.throws(() => prog.attachTc(1, { prio: 1 }), (e) => e instanceof TypeError && /'prio'/.test(e.message))
  })

  test('sk_msg on a sockmap counts sends on a TCP connection in namespace a (a child node process)', (t) => {
    if (!need(t)) return
    const obj = buildBpf(t, 'skmsg', SKMSG_SRC)
    if (!obj) return
    const script = `
      const rbpf = require(${JSON.stringify(path.join(__dirname, '..'))})
      const net = require('node:net')
      const obj = rbpf.BpfObject.open(${JSON.stringify(obj)}).load()
      let received = ''
      let onData = () => {}
      const srv = net.createServer((c) => c.on('data', (d) => { received += d; onData() }))
      srv.listen(0, '127.0.0.1', () => {
        const cli = net.connect(srv.address().port, '127.0.0.1', async () => {
          const map = obj.map('sock_map')
          const l = obj.program('msg_verdict').attachSockmap(map)
          const info = l.info()
          map.set(0, cli._handle.fd)
          for (let i = 0; i < 3; i++) {
            const want = received.length + 5
            const got = new Promise((resolve) => { onData = () => { if (received.length >= want) resolve() } })
            cli.write('hello')
            await got
          }
          map.delete(0)
          l.detach()
          console.log(JSON.stringify({ received, msgs: Number(obj.bss.msgs), type: info.type, detached: l.detached }))
          cli.destroy(); srv.close(); obj.close()
        })
      })`
    const r = spawnSync('ip', ['netns', 'exec', net.nsA, process.execPath, '-e', script], { encoding: 'utf8', timeout: 20000 })
    assert.equal(r.status, 0, r.stderr)
    const res = JSON.parse(r.stdout.trim().split('\n').pop())
    assert.deepEqual(res, { received: 'hellohellohello', msgs: 3, type: 14 /* BPF_LINK_TYPE_SOCKMAP */, detached: true })
  })

  test('flow_dissector on namespace b by path and by fd; LSM is refused with EPERM', (t) => {
    if (!need(t)) return
    const file = buildBpf(t, 'netns_lsm', NETNS_LSM_SRC)
    if (!file) return
    const obj = BpfObject.open(file)
    t.after(() => obj.close())
    obj.program('lsm_open').setAutoload(false)
    obj.load()
    const prog = obj.program('dissect')
    const l = prog.attachNetns(`/run/netns/${net.nsB}`)
    assert.equal(l.info().type, 5 /* BPF_LINK_TYPE_NETNS */)
    // One flow dissector per namespace.
    const fd = fs.openSync(`/run/netns/${net.nsB}`, 'r')
    try {
      // The kernel says E2BIG (one program per namespace and type).
      assert.throws(() => prog.attachNetns(fd), (e) => e instanceof BpfError && ['E2BIG', 'EEXIST'].includes(e.code) && /^prog 'dissect': /.test(e.message))
      l.detach()
      const l2 = prog.attachNetns(fd)
      l2.detach()
    } finally {
      fs.closeSync(fd)
    }
    assert.throws(() => prog.attachNetns('/run/netns/rbpf_no_such_netns'), (e) => e instanceof BpfError && e.code === 'ENOENT')
    assert.throws(() => obj.program('lsm_open').attachLsm(), (e) => e instanceof BpfError && e.code === 'EINVAL' && /was it loaded/.test(e.message))

    // The kernel in lockdown refuses LSM (trampoline) programs at load.
    const lsm = BpfObject.open(file)
    t.after(() => lsm.close())
    lsm.program('dissect').setAutoload(false)
    const old = rbpf.setLogger(null)
    try {
      assert.throws(() => lsm.load(), (e) => {
        assert.ok(e instanceof BpfError, String(e))
        if (e.code !== 'EPERM') return false
        assert.match(e.message, /lsm_open/)
        return true
      })
    } finally {
      rbpf.setLogger(old)
    }
  })

  test('socket filter on a UDP socket in namespace a (a child node process)', (t) => {
    if (!need(t)) return
    // The JS thread cannot create a bound socket inside withNetns (bind is asynchronous),
    // so a child Node runs in namespace a, where lo is up.
    const script = `
      const rbpf = require(${JSON.stringify(path.join(__dirname, '..'))})
      const dgram = require('node:dgram')
      const obj = rbpf.BpfObject.open(${JSON.stringify(objPath('attach_net'))}).load()
      const s = dgram.createSocket('udp4')
      s.bind(0, '127.0.0.1', async () => {
        const l = obj.program('sock_filter').attachSocketFilter(s)
        const port = s.address().port
        let got = 0
        const recv = () => new Promise((resolve) => s.once('message', () => { got++; resolve() }))
        for (let i = 0; i < 3; i++) { const r = recv(); s.send('hello', port, '127.0.0.1'); await r }
        const during = obj.bss.sock_filter_pkts
        l.detach()
        { const r = recv(); s.send('hello', port, '127.0.0.1'); await r }
        console.log(JSON.stringify({ got, during: Number(during), after: Number(obj.bss.sock_filter_pkts), fdOk: l.fd === -1 }))
        s.close(); obj.close()
      })`
    const r = spawnSync('ip', ['netns', 'exec', net.nsA, process.execPath, '-e', script], { encoding: 'utf8', timeout: 20000 })
    assert.equal(r.status, 0, r.stderr)
    const res = JSON.parse(r.stdout.trim().split('\n').pop())
    assert.deepEqual(res, { got: 4, during: 3, after: 3, fdOk: true })
  })
})

// ---------------------------------------------------------------- cgroup, iter, perf_event

test('cgroup/sock_create counts the sockets created in a cgroup made by the test', (t) => {
  const fx = needFixture(t)
  if (!fx) return
  let root = '/sys/fs/cgroup/unified'
  if (!fs.existsSync(path.join(root, 'cgroup.procs'))) root = '/sys/fs/cgroup'
  if (!fs.existsSync(path.join(root, 'cgroup.controllers')) && !fs.existsSync(path.join(root, 'cgroup.procs'))) {
    t.skip('no cgroup v2 mount')
    return
  }
  const cg = path.join(root, `rbpf_node_${process.pid}`)
  fs.mkdirSync(cg)
  t.after(() => fs.rmdirSync(cg))
  const obj = loaded('attach_net')
  t.after(() => obj.close())
  const runIn = (n) => {
    const r = spawnSync('sh', ['-c', `echo $$ > ${path.join(cg, 'cgroup.procs')} && exec ${fx.sockmaker} ${n}`], { stdio: 'ignore' })
    assert.equal(r.status, 0)
  }
  const l = obj.program('sock_create').attachCgroup(cg)
  t.after(() => l.detach())
  runIn(4)
  assert.equal(obj.bss.sock_creates, 4n)
  l.detach()
  settle()
  runIn(2)
  assert.equal(obj.bss.sock_creates, 4n, 'detached')

  // By fd, with options from bpf_cgroup_opts.
  const fd = fs.openSync(cg, 'r')
  t.after(() => fs.closeSync(fd))
  const l2 = obj.program('sock_create').attachCgroup(fd, { flags: 0 })
  runIn(1)
  l2.detach()
  assert.equal(obj.bss.sock_creates, 5n)

  assert.throws(() => obj.program('sock_create').attachCgroup(-1), (e) => e instanceof BpfError && /^prog 'sock_create': /.test(e.message))
  assert.throws(() => obj.program('sock_create').attachCgroup('/nonexistent/cgroup'), (e) => e instanceof BpfError && e.code === 'ENOENT')
  assert.throws(() => obj.program('sock_create').attachCgroup(cg, { relative_fd: 1 }), (e) => e instanceof TypeError && /relative_fd/.test(e.message))
})

test('iter/task: the iterator output is read back (explicit and auto attach)', (t) => {
  if (!isRoot) { t.skip('needs root'); return }
  const obj = loaded('attach_net', (o) => { o.rodata.target_tgid = process.pid })
  t.after(() => obj.close())
  const l = obj.program('dump_task').attachIter()
  t.after(() => l.detach())
  const out = l.iterRead().toString()
  const lines = out.trim().split('\n')
  assert.ok(lines.includes(`${process.pid} ${process.pid}`), out)
  assert.ok(lines.every((x) => x.startsWith(`${process.pid} `)), out)
  // Node runs several threads: each one is a line.
  assert.ok(lines.length > 1, out)
  // A readable fd of one's own.
  const fd = l.iterCreate()
  const buf = Buffer.alloc(1 << 16)
  const n = fs.readSync(fd, buf)
  fs.closeSync(fd)
  assert.match(buf.subarray(0, n).toString(), new RegExp(`^${process.pid} `))
  const l2 = obj.program('dump_task').attach()
  t.after(() => l2.detach())
  assert.ok(l2.iterRead().length > 0)
  l2.detach()
  assert.throws(() => l2.iterRead(), (e) => e instanceof BpfError && e.code === 'EINVAL')
  assert.throws(() => obj.program('dump_task').attachIter({ tid: process.pid, mapFd: 3 }), (e) => e instanceof BpfError && e.code === 'EINVAL')
})

test('perf_event: a CPU-clock sampler on the JS thread', (t) => {
  if (!isRoot) { t.skip('needs root'); return }
  const obj = loaded('attach_net')
  t.after(() => obj.close())
  const fd = rbpf.openCpuClockSampler({ pid: 0, cpu: -1, period: 100000 })
  t.after(() => fs.closeSync(fd))
  const l = obj.program('on_sample').attachPerfEvent(fd)
  t.after(() => l.detach())
  const end = Date.now() + 60
  let x = 0
  while (Date.now() < end) x = (x * 31 + 7) % 1000003
  assert.ok(x >= 0)
  const n = obj.bss.perf_samples
  assert.ok(n > 5n, `samples: ${n}`)
  l.detach()
  assert.throws(() => obj.program('on_sample').attachPerfEvent(-1), (e) => {
    assert.ok(e instanceof BpfError)
    assert.equal(e.code, 'EBADF')
    assert.match(e.message, /^prog 'on_sample': /)
    return true
  })
  assert.throws(() => rbpf.openCpuClockSampler({ period: 0 }), (e) => e instanceof BpfError && e.code === 'EINVAL')
  assert.throws(() => rbpf.openCpuClockSampler({ periods: 1 }), (e) => e instanceof TypeError && /periods/.test(e.message))
})

// ---------------------------------------------------------------- kinds this kernel refuses

test('kprobe, kretprobe, ksyscall and kprobe.multi fail with a clear error on this kernel', (t) => {
  if (!isRoot) { t.skip('needs root'); return }
  const obj = loaded('attach_kprobe')
  t.after(() => obj.close())
  if (spawnSync('mountpoint', ['-q', '/sys/kernel/tracing']).status !== 0) {
    spawnSync('mount', ['-t', 'tracefs', 'tracefs', '/sys/kernel/tracing'])
  }
  const kprobeEvents = ['/sys/kernel/tracing/kprobe_events', '/sys/kernel/debug/tracing/kprobe_events'].some((p) => fs.existsSync(p))
  if (kprobeEvents) {
    // A kernel with kprobes: attach for real instead.
    const l = obj.program('kprobe_nanosleep').attach()
    l.detach()
    t.skip('this kernel has kprobes (attach tested instead of the error)')
    return
  }
  const notSupported = (re) => (e) => {
    assert.ok(e instanceof BpfError, String(e))
    assert.equal(e.code, 'EOPNOTSUPP')
    assert.equal(e.errno, os.constants.errno.EOPNOTSUPP)
    assert.match(e.message, re)
    return true
  }
  assert.throws(() => obj.program('kprobe_nanosleep').attach(),
    notSupported(/^prog 'kprobe_nanosleep': .*kprobes are not supported by this kernel/))
  assert.throws(() => obj.program('kprobe_nanosleep').attachKprobe('do_nanosleep'),
    notSupported(/failed to attach kprobe 'do_nanosleep'.*kprobes are not supported by this kernel/))
  assert.throws(() => obj.program('kretprobe_nanosleep').attachKprobe('do_nanosleep', { retprobe: true, attachMode: 'legacy' }),
    notSupported(/kprobes are not supported by this kernel/))
  assert.throws(() => obj.program('ksyscall_nanosleep').attach(), notSupported(/ksyscall_nanosleep/))
  assert.throws(() => obj.program('ksyscall_nanosleep').attachKsyscall('nanosleep', { bpfCookie: 1n }), notSupported(/kprobes are not supported/))
  assert.throws(() => obj.program('kprobe_multi_nanosleep').attachKprobeMulti({ syms: ['do_nanosleep'] }),
    notSupported(/kprobe\.multi links are not supported by this kernel/))
  // By pattern the kernel's function list is read first (lockdown may refuse it).
  assert.throws(() => obj.program('kprobe_multi_nanosleep').attach(), (e) => {
    assert.ok(['EOPNOTSUPP', 'ENOENT', 'EPERM'].includes(e.code), e.code)
    assert.match(e.message, /^prog 'kprobe_multi_nanosleep': section 'kprobe\.multi\/do_nanosl\*': /)
    return true
  })
  assert.throws(() => obj.program('kprobe_bare').attach(), (e) => e instanceof BpfError && e.code === 'EOPNOTSUPP')
  assert.throws(() => obj.program('kprobe_nanosleep').attachKprobe('do_nanosleep', { cookie: 1 }), (e) => e instanceof TypeError && /bpfCookie/.test(e.message))
})

test('option names come from the core declarations', () => {
  const f = rbpf.optsFields()
  assert.deepEqual(f.rbpf_uprobe_opts, ['refCtrOffset', 'bpfCookie', 'retprobe', 'funcName', 'attachMode'])
  assert.deepEqual(f.rbpf_usdt_opts, ['usdtCookie'])
  assert.deepEqual(f.rbpf_tcx_opts, ['flags', 'relativeFd', 'relativeId', 'expectedRevision'])
  assert.deepEqual(f.rbpf_iter_attach_opts, ['mapFd', 'cgroupFd', 'order', 'tid', 'pid', 'pidFd'])
})
