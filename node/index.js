'use strict'
// rbpf for Node: the thin JS layer over the native addon (binding.js loads the
// platform's rbpf.*.node). It adds what only JS can do: BpfError, a Proxy over global
// variables, iterators, Symbol.dispose and the ring buffer's event-loop side.
// Everything else (parsing, BTF, options, errors) comes from the Rust core.

const { EventEmitter } = require('node:events')
const os = require('node:os')
const util = require('node:util')
const native = require('./binding.js')

const dispose = Symbol.dispose || Symbol.for('nodejs.dispose')

// ---------------------------------------------------------------- errors

/** An error from rbpf: `.errno` (positive), `.code` ('EINVAL'), `.verifierLog`. */
class BpfError extends Error {
  constructor (message, errno, code, verifierLog) {
    super(message)
    this.name = 'BpfError'
    this.errno = errno
    this.code = code || codeOf(errno)
    if (verifierLog !== undefined && verifierLog !== null) this.verifierLog = verifierLog
  }
}

function codeOf (errno) {
  for (const [name, n] of Object.entries(os.constants.errno)) if (n === errno) return name
  return 'EUNKNOWN'
}

// Turn a native exception into BpfError / TypeError; other values pass through.
function convert (e) {
  if (!(e instanceof Error) || e instanceof BpfError) return e
  const last = native.takeLastError()
  if (last && last.message === e.message) {
    const err = new BpfError(last.message, last.errno, last.code, last.verifierLog)
    return err
  }
  // napi-rs argument conversion failures and rbpf option errors (unknown key).
  if (e.code === 'InvalidArg' || /Expected$/.test(e.code || '') || /^Failed to convert/.test(e.message)) {
    const t = new TypeError(e.message)
    return t
  }
  return e
}

// Run a native call: convert its errors, deliver log messages it produced.
function call (fn) {
  try {
    return fn()
  } catch (e) {
    throw convert(e)
  } finally {
    if (logger !== undefined && native.logPending()) flushLog()
  }
}

// ---------------------------------------------------------------- logging

let logger // undefined: library default (stderr); null: silent; function: user's

function flushLog () {
  const msgs = native.takeLogMessages()
  if (typeof logger !== 'function') return
  for (const [level, message] of msgs) {
    try {
      logger(level, message)
    } catch (e) {
      process.nextTick(() => { throw e })
    }
  }
}

/**
 * Route the library's messages to `fn(level, message)`, level 'warn' | 'info' |
 * 'debug'. `null` silences the library; `undefined` restores the default (stderr,
 * threshold from RBPF_LOG_LEVEL). Returns the previous logger.
 */
function setLogger (fn) {
  if (fn !== undefined && fn !== null && typeof fn !== 'function') {
    throw new TypeError('setLogger: expected a function, null or undefined')
  }
  const old = logger
  logger = fn
  if (typeof fn === 'function') native.setNativeLogger(flushLog)
  else if (fn === null) native.setNativeLogger(null)
  else native.resetNativeLogger()
  return old
}

// ---------------------------------------------------------------- helpers

function isBytes (v) {
  return v instanceof Uint8Array
}

function checkOpts (opts, what) {
  if (opts === undefined || opts === null) return undefined
  if (typeof opts !== 'object' || Array.isArray(opts)) throw new TypeError(`${what}: options must be an object`)
  return opts
}

function strArg (v, what, name) {
  if (typeof v !== 'string') throw new TypeError(`${what}: ${name} must be a string`)
  return v
}

function optStr (v, what, name) {
  if (v === undefined || v === null) return null
  return strArg(v, what, name)
}

function fdArg (v, what) {
  if (!Number.isInteger(v)) throw new TypeError(`${what}: expected a file descriptor (integer)`)
  return v
}

function u32Opt (v, what, name) {
  if (v === undefined || v === null) return 0
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new TypeError(`${what}: option '${name}' must be an unsigned 32-bit integer`)
  return v
}

// Options of calls that have no core options struct: unknown key → TypeError naming it.
function knownKeys (o, what, known) {
  if (!o) return {}
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) throw new TypeError(`${what}: unknown option '${k}' (known: ${known.join(', ')})`)
  }
  return o
}

/** An interface index, or a name resolved in the calling thread's network namespace. */
function ifindexArg (v, what) {
  if (typeof v === 'string') return call(() => native.ifNametoindex(v))
  if (!Number.isInteger(v)) throw new TypeError(`${what}: expected an interface index or name`)
  return v
}

function fdOrPath (v, what) {
  if (typeof v === 'string' || Number.isInteger(v)) return v
  throw new TypeError(`${what}: expected a file descriptor or a path`)
}

function sockFd (s, what) {
  if (Number.isInteger(s)) return s
  // net.Socket / dgram.Socket keep their fd on the libuv handle.
  const fd = s?._handle?.fd
  if (Number.isInteger(fd) && fd >= 0) return fd
  throw new TypeError(`${what}: expected a socket fd or a bound net.Socket / dgram.Socket`)
}

// libbpf's enum probe_attach_mode.
const ATTACH_MODES = { default: 0, legacy: 1, perf: 2, link: 3 }

function attachModeOpt (o, what) {
  if (!o || typeof o.attachMode !== 'string') return o
  const m = ATTACH_MODES[o.attachMode]
  if (m === undefined) throw new TypeError(`${what}: attachMode must be one of ${Object.keys(ATTACH_MODES).join(', ')}`)
  return { ...o, attachMode: m }
}

// libbpf's enum bpf_tc_attach_point; 'ingress|egress' for both.
const TC_POINTS = { ingress: 1, egress: 2, custom: 4, qdisc: 8 }

function tcPointArg (v, what) {
  if (Number.isInteger(v)) return v
  if (typeof v === 'string') {
    let n = 0
    for (const part of v.split(/[|+,]/)) {
      const p = TC_POINTS[part.trim()]
      if (p === undefined) throw new TypeError(`${what}: attachPoint must be 'ingress', 'egress', 'ingress|egress', 'custom' or 'qdisc'`)
      n |= p
    }
    return n
  }
  throw new TypeError(`${what}: attachPoint must be a string or a number`)
}

// A bpf_tc_hook object in Node form: ifindex may be a name, attachPoint a string.
function tcHookArg (hook, what) {
  const h = checkOpts(hook, what)
  if (!h) throw new TypeError(`${what}: expected a hook object { ifindex, attachPoint }`)
  const out = { ...h }
  if (h.ifindex !== undefined) out.ifindex = ifindexArg(h.ifindex, what)
  if (h.attachPoint !== undefined) out.attachPoint = tcPointArg(h.attachPoint, what)
  return out
}

function tcOptsArg (options, what) {
  const o = checkOpts(options, what)
  if (!o || o.prog === undefined) return o
  const { prog, ...rest } = o
  return { ...rest, progFd: prog instanceof Program ? prog.fd : fdArg(prog, what) }
}

// ---------------------------------------------------------------- BpfObject

const GLOBAL_SECTIONS = { data: '.data', rodata: '.rodata', bss: '.bss', kconfig: '.kconfig' }

class BpfObject {
  #n
  #sections = new Map()
  // Links attached through this object stay referenced (so attached) while the object
  // is reachable, even if the caller drops them; detach() releases them.
  #links = new Set()

  /** Use BpfObject.open(). */
  constructor (nativeObject) {
    if (!(nativeObject instanceof native.NativeObject)) throw new TypeError('use BpfObject.open(pathOrBuffer, options)')
    this.#n = nativeObject
  }

  /** Parse an ELF object file (path) or image (Buffer/Uint8Array); no kernel calls. */
  static open (pathOrBuffer, options) {
    if (typeof pathOrBuffer !== 'string' && !isBytes(pathOrBuffer)) {
      throw new TypeError('BpfObject.open: expected a path or a Buffer')
    }
    const opts = checkOpts(options, 'BpfObject.open')
    return new BpfObject(call(() => native.NativeObject.open(pathOrBuffer, opts)))
  }

  get name () { return call(() => this.#n.name) }
  get loaded () { return call(() => this.#n.loaded) }
  get closed () { return this.#n.closed }
  get kversion () { return call(() => this.#n.kversion) }

  /** Create maps, relocate and load every program. */
  load () {
    call(() => this.#n.load())
    return this
  }

  /** The program named by its C function name, or undefined. */
  program (name) {
    const p = call(() => this.#n.program(String(name)))
    return p ? new Program(p, this.#links) : undefined
  }

  get programs () { return call(() => this.#n.programs()).map((p) => new Program(p, this.#links)) }

  /** The map by name (".rodata" style names for global data), or undefined. */
  map (name) {
    const m = call(() => this.#n.map(String(name)))
    return m ? new BpfMap(m) : undefined
  }

  get maps () { return call(() => this.#n.maps()).map((m) => new BpfMap(m)) }

  /** Attach every auto-attachable program; returns the Links (an array with dispose). */
  attachAll () {
    const links = call(() => this.#n.attachAll()).map((l) => new Link(l, this.#links))
    links[dispose] = () => { for (const l of links) l.detach() }
    return links
  }

  get data () { return this.datasec('.data') }
  get rodata () { return this.datasec('.rodata') }
  get bss () { return this.datasec('.bss') }
  get kconfig () { return this.datasec('.kconfig') }

  /** Global variables of one section by C name: `obj.datasec('.data.custom').x`. */
  datasec (section) {
    let p = this.#sections.get(section)
    if (!p) {
      p = globalsProxy(this.#n, section)
      this.#sections.set(section, p)
    }
    return p
  }

  /** The object's own BTF (a Btf), or undefined when it has no .BTF section. */
  get btf () {
    const b = call(() => this.#n.btf())
    return b ? new Btf(b) : undefined
  }

  /** Names of the object's global-data sections. */
  get datasecs () { return call(() => this.#n.datasecs()) }

  /** Close maps and programs (links stay attached). Idempotent. */
  close () { call(() => this.#n.close()) }
  [dispose] () { this.close() }
  [util.inspect.custom] () {
    return this.closed ? 'BpfObject <closed>' : `BpfObject '${this.name}' ${this.loaded ? 'loaded' : 'opened'}`
  }
}

for (const [prop, sec] of Object.entries(GLOBAL_SECTIONS)) {
  Object.defineProperty(BpfObject.prototype, prop, { get () { return this.datasec(sec) }, enumerable: false })
}

function globalsProxy (n, section) {
  const snapshot = () => Object.fromEntries(call(() => n.globalNames(section)).map((k) => [k, call(() => n.getGlobal(section, k))]))
  const target = Object.create(null)
  // console.log / util.inspect look at the target, not through the traps.
  Object.defineProperty(target, util.inspect.custom, {
    value: (depth, opts, inspect) => `${section} ${inspect(snapshot(), opts)}`,
    configurable: true // a non-configurable key would have to appear in ownKeys
  })
  return new Proxy(target, {
    get (_, name) {
      if (typeof name !== 'string') return undefined
      if (name === 'toJSON') return snapshot
      return call(() => n.getGlobal(section, name)) ?? undefined
    },
    set (_, name, value) {
      if (typeof name !== 'string') return false
      call(() => n.setGlobal(section, name, value))
      return true
    },
    has (_, name) {
      return typeof name === 'string' && call(() => n.globalNames(section)).includes(name)
    },
    ownKeys () {
      return call(() => n.globalNames(section))
    },
    getOwnPropertyDescriptor (_, name) {
      if (typeof name !== 'string' || !call(() => n.globalNames(section)).includes(name)) return undefined
      return { value: call(() => n.getGlobal(section, name)), writable: true, enumerable: true, configurable: true }
    },
    deleteProperty () { return false },
    defineProperty () { return false }
  })
}

// ---------------------------------------------------------------- Program

class Program {
  #n
  #links
  constructor (n, links) {
    if (!(n instanceof native.NativeProgram)) throw new TypeError('use obj.program(name)')
    this.#n = n
    this.#links = links
  }

  get name () { return call(() => this.#n.name) }
  get sectionName () { return call(() => this.#n.sectionName) }
  /** libbpf's program type name: 'tracepoint', 'xdp', ..., 'unspec'. */
  get type () { return call(() => this.#n.type) }
  /** Set the type before load: a name ('xdp') or a BPF_PROG_TYPE_* number. */
  setType (t) { call(() => this.#n.setType(t)) }
  get autoload () { return call(() => this.#n.autoload) }
  setAutoload (b) { call(() => this.#n.setAutoload(Boolean(b))) }
  get autoattach () { return call(() => this.#n.autoattach) }
  setAutoattach (b) { call(() => this.#n.setAutoattach(Boolean(b))) }
  get fd () { return call(() => this.#n.fd) }
  get insnCnt () { return call(() => this.#n.insnCnt) }

  /** Attach as the section name says. */
  attach () { return new Link(call(() => this.#n.attach()), this.#links) }
  attachTracepoint (category, name, options) {
    const o = checkOpts(options, 'Program.attachTracepoint')
    return new Link(call(() => this.#n.attachTracepoint(category, name, o)), this.#links)
  }

  attachRawTracepoint (name, options) {
    const o = checkOpts(options, 'Program.attachRawTracepoint')
    return new Link(call(() => this.#n.attachRawTracepoint(name, o)), this.#links)
  }

  attachTrace (options) {
    const o = checkOpts(options, 'Program.attachTrace')
    return new Link(call(() => this.#n.attachTrace(o)), this.#links)
  }

  #link (fn) { return new Link(call(fn), this.#links) }

  /**
   * uprobe / uretprobe on `path` (a path, or a library name such as 'libc.so.6').
   * Options: `pid` (-1 every process, the default; 0 this one), `funcOffset`, `funcName`
   * ('func' or 'func@LIB'), `retprobe`, `refCtrOffset`, `bpfCookie`, `attachMode`
   * ('default' | 'legacy' | 'perf' | 'link').
   */
  attachUprobe (path, options) {
    const o = attachModeOpt(checkOpts(options, 'Program.attachUprobe'), 'Program.attachUprobe')
    return this.#link(() => this.#n.attachUprobe(strArg(path, 'Program.attachUprobe', 'path'), o))
  }

  /**
   * One uprobe.multi link on many functions of `path`: a glob `pattern`, or options
   * `syms` / `offsets` (with `refCtrOffsets`, `cookies`); also `pid`, `retprobe`, `session`.
   */
  attachUprobeMulti (path, pattern, options) {
    if (options === undefined && pattern !== null && typeof pattern === 'object') { options = pattern; pattern = undefined }
    const o = checkOpts(options, 'Program.attachUprobeMulti')
    return this.#link(() => this.#n.attachUprobeMulti(strArg(path, 'Program.attachUprobeMulti', 'path'), optStr(pattern, 'Program.attachUprobeMulti', 'pattern'), o))
  }

  /** Every site of USDT probe `provider:name` in `path`; options `pid`, `usdtCookie`. */
  attachUsdt (path, provider, name, options) {
    const w = 'Program.attachUsdt'
    const o = checkOpts(options, w)
    return this.#link(() => this.#n.attachUsdt(strArg(path, w, 'path'), strArg(provider, w, 'provider'), strArg(name, w, 'name'), o))
  }

  /** kprobe / kretprobe on kernel function `func`; options `retprobe`, `offset`, `bpfCookie`, `attachMode`. */
  attachKprobe (func, options) {
    const o = attachModeOpt(checkOpts(options, 'Program.attachKprobe'), 'Program.attachKprobe')
    return this.#link(() => this.#n.attachKprobe(strArg(func ?? '', 'Program.attachKprobe', 'func'), o))
  }

  /** kprobe on system call `name`'s kernel entry; options `retprobe`, `bpfCookie`. */
  attachKsyscall (name, options) {
    const o = checkOpts(options, 'Program.attachKsyscall')
    return this.#link(() => this.#n.attachKsyscall(strArg(name, 'Program.attachKsyscall', 'name'), o))
  }

  /** One kprobe.multi link: a glob `pattern`, or options `syms` / `addrs` (+ `cookies`). */
  attachKprobeMulti (pattern, options) {
    if (options === undefined && pattern !== null && typeof pattern === 'object') { options = pattern; pattern = undefined }
    const o = checkOpts(options, 'Program.attachKprobeMulti')
    return this.#link(() => this.#n.attachKprobeMulti(optStr(pattern, 'Program.attachKprobeMulti', 'pattern'), o))
  }

  /** XDP (BPF link) on an interface index or name; `flags`: constants.XDP_FLAGS_SKB_MODE / _DRV_MODE. */
  attachXdp (ifindex, options) {
    const o = checkOpts(options, 'Program.attachXdp')
    return this.#link(() => this.#n.attachXdp(ifindexArg(ifindex, 'Program.attachXdp'), o))
  }

  /** tcx link (direction from the section); options `flags`, `relativeFd`, `relativeId`, `expectedRevision`. */
  attachTcx (ifindex, options) {
    const o = checkOpts(options, 'Program.attachTcx')
    return this.#link(() => this.#n.attachTcx(ifindexArg(ifindex, 'Program.attachTcx'), o))
  }

  attachNetkit (ifindex, options) {
    const o = checkOpts(options, 'Program.attachNetkit')
    return this.#link(() => this.#n.attachNetkit(ifindexArg(ifindex, 'Program.attachNetkit'), o))
  }

  /**
   * TC over netlink (clsact + direct-action cls_bpf). Options `attachPoint` ('ingress',
   * the default, or 'egress'), `priority`, `handle` (0: the kernel chooses). Detaching
   * removes the filter, and the clsact qdisc if this call created it.
   */
  attachTc (ifindex, options) {
    const w = 'Program.attachTc'
    const o = knownKeys(checkOpts(options, w), w, ['attachPoint', 'priority', 'handle'])
    const point = tcPointArg(o.attachPoint ?? 'ingress', w)
    return this.#link(() => this.#n.attachTc(ifindexArg(ifindex, w), point, u32Opt(o.priority, w, 'priority'), u32Opt(o.handle, w, 'handle')))
  }

  /** Cgroup attach: an fd or a cgroup directory path; options `flags`, `relativeFd`, `relativeId`, `expectedRevision`. */
  attachCgroup (cgroup, options) {
    const o = checkOpts(options, 'Program.attachCgroup')
    return this.#link(() => this.#n.attachCgroup(fdOrPath(cgroup, 'Program.attachCgroup'), o))
  }

  /** flow_dissector / sk_lookup on a network namespace: an fd or a path (/run/netns/NAME). */
  attachNetns (netns) {
    return this.#link(() => this.#n.attachNetns(fdOrPath(netns, 'Program.attachNetns')))
  }

  /** sk_msg / sk_skb program on a sockmap or sockhash (a BpfMap or its fd). */
  attachSockmap (map) {
    const fd = map instanceof BpfMap ? map.fd : fdArg(map, 'Program.attachSockmap')
    return this.#link(() => this.#n.attachSockmap(fd))
  }

  /** Socket filter (SO_ATTACH_BPF) on a socket fd or a net.Socket / dgram.Socket. */
  attachSocketFilter (sock) {
    return this.#link(() => this.#n.attachSocketFilter(sockFd(sock, 'Program.attachSocketFilter')))
  }

  /**
   * Iterator link; read its output with `link.iterRead()`. Options: `map` (a BpfMap) or
   * `mapFd`, `cgroupFd`, `order`, `tid`, `pid`, `pidFd`.
   */
  attachIter (options) {
    let o = checkOpts(options, 'Program.attachIter')
    if (o && o.map !== undefined) {
      const { map, ...rest } = o
      if (!(map instanceof BpfMap)) throw new TypeError('Program.attachIter: map must be a BpfMap')
      o = { ...rest, mapFd: map.fd }
    }
    return this.#link(() => this.#n.attachIter(o))
  }

  /** A perf event fd you opened (it is duplicated); options `bpfCookie`, `forceIoctlAttach`, `dontEnable`. */
  attachPerfEvent (fd, options) {
    const o = checkOpts(options, 'Program.attachPerfEvent')
    return this.#link(() => this.#n.attachPerfEvent(fdArg(fd, 'Program.attachPerfEvent'), o))
  }

  /** Netfilter link; options `pf`, `hooknum`, `priority`, `flags`. */
  attachNetfilter (options) {
    const o = checkOpts(options, 'Program.attachNetfilter')
    return this.#link(() => this.#n.attachNetfilter(o))
  }

  attachLsm () { return this.#link(() => this.#n.attachLsm()) }

  [util.inspect.custom] () {
    try { return `Program '${this.name}' (${this.type}, SEC("${this.sectionName}"))` } catch { return 'Program <closed>' }
  }
}

// ---------------------------------------------------------------- Link

class Link {
  #n
  #owner
  constructor (n, owner) {
    if (!(n instanceof native.NativeLink)) throw new TypeError('links come from attach calls')
    this.#n = n
    this.#owner = owner
    owner?.add(this)
  }

  /** Open a link pinned on a bpffs (its pinPath is set: unpin() removes the pin). */
  static open (path) {
    return new Link(call(() => native.NativeLink.openPinned(strArg(path, 'Link.open', 'path'))))
  }

  get fd () { return this.#n.fd }
  get detached () { return this.#n.detached }
  /** What the link is attached to ("uprobe ..."), undefined once detached. */
  get target () { return this.#n.target ?? undefined }
  /** Where the link is pinned, or undefined. */
  get pinPath () { return this.#n.pinPath ?? undefined }
  /** Pin on a bpffs: the attachment then outlives this handle and the process. */
  pin (path) { call(() => this.#n.pin(strArg(path, 'Link.pin', 'path'))) }
  /** Remove the pin. */
  unpin () { call(() => this.#n.unpin()) }
  /** Replace the link's program (a Program or a program fd). */
  updateProgram (prog) {
    const fd = prog instanceof Program ? prog.fd : fdArg(prog, 'Link.updateProgram')
    call(() => this.#n.updateProgram(fd))
  }

  /** Kernel information: { type (BPF_LINK_TYPE_*), id, progId }. */
  info () { return call(() => this.#n.info()) }
  /** Iterator links: run the iterator once and return its whole output. */
  iterRead () { return call(() => this.#n.iterRead()) }
  /** Iterator links: a new readable fd (close it with fs.closeSync). */
  iterCreate () { return call(() => this.#n.iterCreate()) }
  /** Give up the handle without detaching: stays attached until the process exits. */
  disconnect () {
    this.#owner?.delete(this)
    this.#n.disconnect()
  }

  /** Detach and close; idempotent. */
  detach () {
    this.#owner?.delete(this)
    call(() => this.#n.detach())
  }

  close () { this.detach() }
  [dispose] () { this.detach() }
  [util.inspect.custom] () { return this.detached ? 'Link <detached>' : `Link fd=${this.fd}` }
}

// ---------------------------------------------------------------- BpfMap

// BpfMap → its native handle, for RingBuffer.add (module-private).
const nativeMaps = new WeakMap()
const mapNative = (m) => nativeMaps.get(m)

function flagsArg (flags) {
  if (flags === undefined || flags === null) return 0
  if (typeof flags === 'number' || typeof flags === 'bigint') return flags
  throw new TypeError('flags must be a number or bigint')
}

function rawOpt (options, what) {
  const o = checkOpts(options, what) || {}
  for (const k of Object.keys(o)) if (k !== 'raw') throw new TypeError(`${what}: unknown option '${k}' (known: raw)`)
  return Boolean(o.raw)
}

function keyArg (k) {
  if (k === undefined || k === null) throw new TypeError('map key must not be null or undefined')
  return k
}

/**
 * A BPF map. Keys and values are typed by the map's BTF (numbers, bigint for 64-bit,
 * objects for structs, arrays, Buffer for char[N]); a Buffer is always accepted as
 * raw bytes. Per-CPU values are arrays with one value per possible CPU.
 */
class BpfMap {
  #n
  constructor (n) {
    if (!(n instanceof native.NativeMap)) throw new TypeError('use obj.map(name)')
    this.#n = n
    nativeMaps.set(this, n)
  }

  get name () { return call(() => this.#n.name) }
  /** BPF_MAP_TYPE_* number. */
  get type () { return call(() => this.#n.type) }
  get keySize () { return call(() => this.#n.keySize) }
  get valueSize () { return call(() => this.#n.valueSize) }
  get maxEntries () { return call(() => this.#n.maxEntries) }
  get mapFlags () { return call(() => this.#n.mapFlags) }
  get fd () { return call(() => this.#n.fd) }
  get isPercpu () { return call(() => this.#n.isPercpu) }
  /** Before load only. */
  setMaxEntries (n) { call(() => this.#n.setMaxEntries(n)) }

  /** The value for `key`, or undefined when absent. */
  get (key) { return call(() => this.#n.lookup(keyArg(key), 0, false)) ?? undefined }
  /** As get(), with lookup flags (BPF_F_LOCK); `{ raw: true }` returns the value's bytes. */
  lookup (key, flags, options) {
    const raw = rawOpt(options, 'BpfMap.lookup')
    return call(() => this.#n.lookup(keyArg(key), flagsArg(flags), raw)) ?? undefined
  }

  /** Look up and delete in one step (queues, stacks, hashes); undefined when absent. */
  lookupAndDelete (key, flags, options) {
    const raw = rawOpt(options, 'BpfMap.lookupAndDelete')
    return call(() => this.#n.lookupAndDelete(keyArg(key), flagsArg(flags), raw)) ?? undefined
  }

  has (key) { return call(() => this.#n.lookup(keyArg(key), 0, true)) !== null }
  set (key, value) {
    call(() => this.#n.update(keyArg(key), value, 0))
    return this
  }

  /** flags: BPF_ANY (0), BPF_NOEXIST (1), BPF_EXIST (2), BPF_F_LOCK (4). */
  update (key, value, flags) { call(() => this.#n.update(keyArg(key), value, flagsArg(flags))) }
  /** True if the key existed. */
  delete (key) { return call(() => this.#n.delete(keyArg(key))) }

  /**
   * Up to `count` entries from `cursor` on, as [key, value] pairs (BPF_MAP_LOOKUP_BATCH);
   * the cursor advances and `cursor.done` turns true at the end of the map. ENOSPC: a
   * hash bucket holds more than `count` elements, ask for more. Options: the core's
   * bpf_map_batch_opts (`elemFlags`, `flags`) and `raw` (Buffers).
   */
  lookupBatch (cursor, count, options) {
    const [raw, o] = batchOpts(options, 'BpfMap.lookupBatch')
    return call(() => this.#n.lookupBatch(cursorNative(cursor), countArg(count), o, raw))
  }

  /** As lookupBatch, deleting what it returns (start each walk with a new cursor). */
  lookupAndDeleteBatch (cursor, count, options) {
    const [raw, o] = batchOpts(options, 'BpfMap.lookupAndDeleteBatch')
    return call(() => this.#n.lookupAndDeleteBatch(cursorNative(cursor), countArg(count), o, raw))
  }

  /** Update many keys at once (arrays typed as for set(), or packed Buffers). Returns the count. */
  updateBatch (keys, values, options) {
    const o = checkOpts(options, 'BpfMap.updateBatch')
    return call(() => this.#n.updateBatch(keys, values, o))
  }

  /** Delete many keys at once (an array or a packed Buffer). Returns the count. */
  deleteBatch (keys, options) {
    const o = checkOpts(options, 'BpfMap.deleteBatch')
    return call(() => this.#n.deleteBatch(keys, o))
  }

  * keys () { yield * call(() => this.#n.keys(false)) }
  * values () { for (const [, v] of call(() => this.#n.entries(false))) yield v }
  * entries () { yield * call(() => this.#n.entries(false)) }
  [Symbol.iterator] () { return this.entries() }
  [util.inspect.custom] () {
    try { return `BpfMap '${this.name}' type=${this.type} key=${this.keySize} value=${this.valueSize} max=${this.maxEntries}` } catch { return 'BpfMap <closed>' }
  }
}

/**
 * The position of a batch walk over a map (libbpf's in_batch / out_batch): pass the
 * same cursor to successive lookupBatch calls; `done` once the end was reached.
 */
class BatchCursor {
  #n = new native.NativeBatchCursor()
  constructor () { cursors.set(this, this.#n) }
  get done () { return this.#n.done }
  /** Start over from the first element. */
  reset () { this.#n.reset() }
}

const cursors = new WeakMap()
function cursorNative (c) {
  const n = cursors.get(c)
  if (!n) throw new TypeError('expected a BatchCursor (new BatchCursor())')
  return n
}

function countArg (count) {
  if (!Number.isInteger(count) || count < 0 || count > 0xffffffff) throw new TypeError('count must be a non-negative integer')
  return count
}

function batchOpts (options, what) {
  const o = checkOpts(options, what)
  if (!o) return [false, undefined]
  const { raw, ...rest } = o
  return [Boolean(raw), rest]
}

// ---------------------------------------------------------------- Btf

/**
 * BPF Type Format data: the kernel's (`Btf.vmlinux()`), a file's (`Btf.fromFile(path)`:
 * raw BTF or an ELF object's .BTF) or an object's own (`obj.btf`, valid while the
 * object is open). Types are addressed by id (1 .. typeCnt - 1) or C name.
 */
class Btf {
  #n
  constructor (n) {
    if (!(n instanceof native.NativeBtf)) throw new TypeError('use Btf.vmlinux(), Btf.fromFile(path) or obj.btf')
    this.#n = n
    btfs.set(this, n)
  }

  /** The running kernel's BTF (/sys/kernel/btf/vmlinux), parsed once per process. */
  static vmlinux () { return new Btf(call(() => native.NativeBtf.vmlinux())) }

  /** Raw BTF or an ELF file's .BTF; `{ base }` (a Btf) parses split BTF (kernel modules). */
  static fromFile (path, options) {
    if (typeof path !== 'string') throw new TypeError('Btf.fromFile: expected a path')
    const o = checkOpts(options, 'Btf.fromFile') || {}
    for (const k of Object.keys(o)) if (k !== 'base') throw new TypeError(`Btf.fromFile: unknown option '${k}' (known: base)`)
    let base = null
    if (o.base !== undefined && o.base !== null) {
      base = btfs.get(o.base)
      if (!base) throw new TypeError('Btf.fromFile: base must be a Btf')
    }
    return new Btf(call(() => native.NativeBtf.fromFile(path, base)))
  }

  /** Number of type ids including void 0 (libbpf's btf__type_cnt). */
  get typeCnt () { return call(() => this.#n.typeCnt) }
  /** First id of this BTF's own types (non-zero for split BTF). */
  get startId () { return call(() => this.#n.startId) }

  /**
   * The id of a type, or undefined. Without `kind`, `name` is a C name ('struct
   * task_struct', 'union u', 'enum e', 'u32'); with `kind` ('struct', 'typedef',
   * 'func', ... libbpf's kind names) a bare name of that kind.
   */
  findByName (name, kind) {
    if (typeof name !== 'string') throw new TypeError('Btf.findByName: name must be a string')
    if (kind !== undefined && kind !== null && typeof kind !== 'string') throw new TypeError('Btf.findByName: kind must be a string')
    return call(() => this.#n.findByName(name, kind ?? null)) ?? undefined
  }

  /** One type as a plain object: { id, kind, name, size?, typeId?, members?, ... }. */
  typeById (id) { return call(() => this.#n.typeById(id)) }
  /** Size in bytes of a type (id or C name). */
  resolveSize (type) { return call(() => this.#n.resolveSize(type)) }
  /** C spelling of a type (id or C name): 'struct event', 'char[16]'. */
  describe (type) { return call(() => this.#n.describe(type)) }
  /** Decode bytes as a type (id or C name), as map values are decoded. */
  decode (type, bytes) {
    if (!isBytes(bytes)) throw new TypeError('Btf.decode: expected a Buffer or Uint8Array')
    return call(() => this.#n.decode(type, bytes))
  }

  /** Encode a value as a type (id or C name) into a new Buffer of its size. */
  encode (type, value) { return call(() => this.#n.encode(type, value)) }

  [util.inspect.custom] () {
    try { return `Btf types=${this.typeCnt}` } catch { return 'Btf <closed>' }
  }
}

const btfs = new WeakMap()

// ---------------------------------------------------------------- event buffers

// Module-private hooks between EventBuffer and its subclasses.
const kPoll = Symbol('poll')
const kConsume = Symbol('consume')
const kDeliver = Symbol('deliver')
const kAutoStart = Symbol('autoStart')
const kFail = Symbol('fail')

function closedError (what) {
  return new BpfError(`${what} is closed`, os.constants.errno.EBADF, 'EBADF')
}

/**
 * What RingBuffer and PerfBuffer share: synchronous poll/consume, the background
 * waiter and the JS side of delivery (callback, 'data' listeners, `for await`).
 *
 * - synchronous, as in C: `poll(timeoutMs)` / `consume()` call the callback for every
 *   record (a non-zero return stops); `poll` blocks the JS thread.
 * - background: a native thread waits on the buffer and wakes the JS thread, which
 *   drains everything ready in one batch. It runs while the buffer has a callback, an
 *   async iterator or a 'data' listener (it starts by itself; `stop()` / `start()`
 *   control it). Records go to the callback, else to `for await` iterators and 'data'
 *   listeners.
 *
 * Keeping the process alive: a buffer never keeps Node running by itself (an idle
 * buffer lets the process exit), except while a `for await` loop is waiting for the
 * next record or after `ref()`.
 */
class EventBuffer extends EventEmitter {
  #n
  #what
  #closed = false
  #queue = []
  #waiters = [] // pending iterator next() resolvers
  #iterators = 0
  #refs = 0
  #keepAlive = null
  #highWaterMark = 4096
  #paused = false

  constructor (n, what) {
    super()
    if (new.target === EventBuffer) throw new TypeError('use RingBuffer or PerfBuffer')
    this.#n = n
    this.#what = what
    this.on('newListener', (ev) => { if (ev === 'data') queueMicrotask(() => this[kAutoStart]()) })
  }

  get epollFd () { return call(() => this.#n.epollFd) }

  /** Wait up to timeoutMs (-1 forever; blocks the event loop) and consume. Returns the count. */
  poll (timeoutMs = -1) { return call(() => this[kPoll](timeoutMs | 0)) }

  /** Consume everything available without waiting. Returns the count. */
  consume () { return call(() => this[kConsume]()) }

  /** Start background delivery (automatic with a callback, iterator or 'data' listener). */
  start () {
    if (this.#closed) throw closedError(this.#what)
    call(() => this.#n.start(() => this.#onWake()))
  }

  /** Stop background delivery; poll()/consume() still work. */
  stop () { if (!this.#closed) this.#n.stop() }
  get running () { return !this.#closed && this.#n.running }

  /** Keep the process alive while this buffer is open (like a socket's ref()). */
  ref () { this.#refs = 1; this.#updateKeepAlive(); return this }
  unref () { this.#refs = 0; this.#updateKeepAlive(); return this }

  get closed () { return this.#closed }

  close () {
    if (this.#closed) return
    this.#closed = true
    this.#n.close()
    this.#refs = 0
    this.#updateKeepAlive()
    for (const w of this.#waiters.splice(0)) w.resolve({ value: undefined, done: true })
  }

  [dispose] () { this.close() }

  [Symbol.asyncIterator] () {
    this.#iterators++
    this[kAutoStart]()
    let finished = false
    const finish = () => {
      if (!finished) { finished = true; this.#iterators-- }
    }
    return {
      next: () => {
        if (this.#queue.length) {
          const value = this.#queue.shift()
          this.#resume()
          return Promise.resolve({ value, done: false })
        }
        if (this.#closed || finished) { finish(); return Promise.resolve({ value: undefined, done: true }) }
        // Records may already be waiting in the buffer.
        this.#drain()
        if (this.#queue.length) return Promise.resolve({ value: this.#queue.shift(), done: false })
        return new Promise((resolve, reject) => {
          this.#waiters.push({ resolve, reject })
          this.#updateKeepAlive()
        })
      },
      return: () => {
        finish()
        // `break` out of for-await closes the buffer, as streams do.
        this.close()
        return Promise.resolve({ value: undefined, done: true })
      },
      [Symbol.asyncIterator] () { return this }
    }
  }

  [kAutoStart] () {
    if (!this.#closed && !this.#n.running) this.start()
  }

  #onWake () {
    if (this.#closed || !this.#n.running) return
    // Backpressure: with a full iterator queue leave the records in the kernel's buffer
    // and the waiter disarmed; next() resumes when the queue drains.
    if (this.#queue.length >= this.#highWaterMark) {
      this.#paused = true
      return
    }
    try {
      this.#drain()
    } finally {
      if (!this.#closed) this.#n.rearm()
    }
  }

  #resume () {
    if (this.#paused && !this.#closed && this.#queue.length < this.#highWaterMark / 2) {
      this.#paused = false
      this.#onWake()
    }
  }

  #drain () {
    try {
      this[kConsume]()
    } catch (e) {
      this[kFail](convert(e))
    }
  }

  // An error in background delivery: reject a waiting iterator, else 'error', else throw.
  [kFail] (err) {
    const w = this.#waiters.shift()
    if (w) { w.reject(err); this.#updateKeepAlive() } else if (this.listenerCount('error')) this.emit('error', err)
    else process.nextTick(() => { throw err })
  }

  // One record: to `cb` if given (its verdict goes back to the core: non-zero stops),
  // else to 'data' listeners and iterators.
  [kDeliver] (cb, rec, idx) {
    if (cb) {
      const r = cb(rec, idx)
      // Only a number or `true` stops; an async callback's Promise does not.
      return typeof r === 'number' ? r | 0 : (r === true ? 1 : 0)
    }
    if (this.listenerCount('data')) this.emit('data', rec, idx)
    if (this.#iterators > 0) {
      const w = this.#waiters.shift()
      if (w) { w.resolve({ value: rec, done: false }); this.#updateKeepAlive() } else this.#queue.push(rec)
    }
    return 0
  }

  #updateKeepAlive () {
    const want = !this.#closed && (this.#refs > 0 || this.#waiters.length > 0)
    if (want && !this.#keepAlive) {
      this.#keepAlive = setInterval(() => {}, 1 << 30)
    } else if (!want && this.#keepAlive) {
      clearInterval(this.#keepAlive)
      this.#keepAlive = null
    }
  }
}

function valueTypeOpt (o, what) {
  if (o.valueType !== undefined && o.valueType !== null && typeof o.valueType !== 'string') {
    throw new TypeError(`${what}: valueType must be a string`)
  }
  return o.valueType ?? null
}

/**
 * Consumer of BPF ring buffer maps (libbpf's ring_buffer): several rings, each with its
 * own callback and record type. Records are Buffers, or objects decoded by BTF with
 * `{ valueType: 'struct event' }`. Delivery model: see EventBuffer.
 */
class RingBuffer extends EventBuffer {
  #n
  #callbacks = []

  constructor (map, callback, options) {
    const n = call(() => new native.NativeRingBuffer())
    super(n, 'ring buffer')
    this.#n = n
    if (map !== undefined) this.add(map, callback, options)
  }

  /** Add another ring map with its own callback / valueType. Returns the ring index. */
  add (map, callback, options) {
    if (!(map instanceof BpfMap)) throw new TypeError('RingBuffer.add: expected a BpfMap')
    if (callback !== undefined && callback !== null && typeof callback !== 'function') {
      if (options === undefined && typeof callback === 'object') { options = callback; callback = undefined } else throw new TypeError('RingBuffer.add: callback must be a function')
    }
    const o = checkOpts(options, 'RingBuffer.add') || {}
    for (const k of Object.keys(o)) {
      if (k !== 'valueType') throw new TypeError(`RingBuffer.add: unknown option '${k}' (known: valueType)`)
    }
    const valueType = valueTypeOpt(o, 'RingBuffer.add')
    const idx = call(() => this.#n.add(mapNative(map), valueType))
    this.#callbacks[idx] = callback || null
    if (callback) this[kAutoStart]()
    return idx
  }

  get ringCount () { return this.#n.ringCount }

  [kPoll] (timeoutMs) {
    if (this.closed) throw closedError('ring buffer')
    return this.#n.poll(timeoutMs, (ring, rec) => this[kDeliver](this.#callbacks[ring], rec, ring))
  }

  [kConsume] () {
    if (this.closed) throw closedError('ring buffer')
    return this.#n.consume((ring, rec) => this[kDeliver](this.#callbacks[ring], rec, ring))
  }
}

const PERF_OPTS = ['pageCnt', 'lostCallback', 'valueType']

/**
 * Consumer of a BPF_MAP_TYPE_PERF_EVENT_ARRAY map (libbpf's perf_buffer): one buffer of
 * `pageCnt` pages (default 8, a power of two) per CPU. Samples go to `callback(record,
 * cpu)` (or iterators / 'data' listeners); lost-sample notices to
 * `options.lostCallback(count, cpu)`, else to 'lost' listeners. Records are Buffers
 * (the kernel pads them: up to 4 bytes longer than written), or objects decoded by BTF
 * with `{ valueType: 'struct event' }`. Other options are the core's perf_buffer_opts
 * (`samplePeriod`). Delivery model: see EventBuffer.
 */
class PerfBuffer extends EventBuffer {
  #n
  #callback
  #lost

  constructor (map, callback, options) {
    if (!(map instanceof BpfMap)) throw new TypeError('PerfBuffer: expected a BpfMap')
    if (callback !== undefined && callback !== null && typeof callback !== 'function') {
      if (options === undefined && typeof callback === 'object') { options = callback; callback = undefined } else throw new TypeError('PerfBuffer: callback must be a function')
    }
    const o = checkOpts(options, 'PerfBuffer') || {}
    const core = {}
    for (const [k, v] of Object.entries(o)) if (!PERF_OPTS.includes(k)) core[k] = v
    const pageCnt = o.pageCnt ?? 8
    if (!Number.isInteger(pageCnt) || pageCnt <= 0) throw new TypeError('PerfBuffer: pageCnt must be a positive integer')
    if (o.lostCallback !== undefined && o.lostCallback !== null && typeof o.lostCallback !== 'function') {
      throw new TypeError('PerfBuffer: lostCallback must be a function')
    }
    const valueType = valueTypeOpt(o, 'PerfBuffer')
    const n = call(() => new native.NativePerfBuffer(mapNative(map), pageCnt, valueType, core))
    super(n, 'perf buffer')
    this.#n = n
    this.#callback = callback || null
    this.#lost = o.lostCallback || null
    if (callback) this[kAutoStart]()
  }

  get bufferCnt () { return call(() => this.#n.bufferCnt) }
  /** The perf event fd of buffer `idx` (0 .. bufferCnt - 1). */
  bufferFd (idx) { return call(() => this.#n.bufferFd(idx)) }
  /** The CPU buffer `idx` reads. */
  bufferCpu (idx) { return call(() => this.#n.bufferCpu(idx)) }

  /** Read one buffer without waiting (libbpf's perf_buffer__consume_buffer). */
  consumeBuffer (idx) {
    return call(() => {
      if (this.closed) throw closedError('perf buffer')
      return this.#n.consumeBuffer(idx, this.#sample, this.#onLost)
    })
  }

  #sample = (cpu, rec) => this[kDeliver](this.#callback, rec, cpu)

  #onLost = (cpu, count) => {
    if (this.#lost) this.#lost(count, cpu)
    else if (this.listenerCount('lost')) this.emit('lost', count, cpu)
  }

  [kPoll] (timeoutMs) {
    if (this.closed) throw closedError('perf buffer')
    return this.#n.poll(timeoutMs, this.#sample, this.#onLost)
  }

  [kConsume] () {
    if (this.closed) throw closedError('perf buffer')
    return this.#n.consume(this.#sample, this.#onLost)
  }
}

/** Option field names per options struct, camelCase, from the core's declaration. */
function optsFields () { return native.optsFields() }

/** Number of possible CPUs: the length of a per-CPU map value. */
function numPossibleCpus () { return call(() => native.numPossibleCpus()) }

// ---------------------------------------------------------------- XDP / TC / netns

/** libbpf's bpf_xdp_attach: a Program or program fd on an interface, over netlink. */
function xdpAttach (ifindex, prog, flags, options) {
  const fd = prog instanceof Program ? prog.fd : fdArg(prog, 'xdpAttach')
  const o = checkOpts(options, 'xdpAttach')
  call(() => native.xdpAttach(ifindexArg(ifindex, 'xdpAttach'), fd, u32Opt(flags, 'xdpAttach', 'flags'), o))
}

/** libbpf's bpf_xdp_detach. */
function xdpDetach (ifindex, flags, options) {
  const o = checkOpts(options, 'xdpDetach')
  call(() => native.xdpDetach(ifindexArg(ifindex, 'xdpDetach'), u32Opt(flags, 'xdpDetach', 'flags'), o))
}

/** libbpf's bpf_xdp_query: { progId, drvProgId, hwProgId, skbProgId, attachMode, featureFlags (bigint), xdpZcMaxSegs }. */
function xdpQuery (ifindex, flags) {
  return call(() => native.xdpQuery(ifindexArg(ifindex, 'xdpQuery'), u32Opt(flags, 'xdpQuery', 'flags')))
}

/** libbpf's bpf_xdp_query_id: the attached program's id, 0 when none. */
function xdpQueryId (ifindex, flags) {
  return call(() => native.xdpQueryId(ifindexArg(ifindex, 'xdpQueryId'), u32Opt(flags, 'xdpQueryId', 'flags')))
}

/** libbpf's bpf_tc_hook_create({ ifindex, attachPoint, parent, handle, qdisc }); EEXIST when the clsact qdisc exists. */
function tcHookCreate (hook) { call(() => native.tcHookCreate(tcHookArg(hook, 'tcHookCreate'))) }
/** libbpf's bpf_tc_hook_destroy: 'ingress|egress' deletes the qdisc, one direction its filters. */
function tcHookDestroy (hook) { call(() => native.tcHookDestroy(tcHookArg(hook, 'tcHookDestroy'))) }
/** libbpf's bpf_tc_attach(hook, { prog or progFd, flags, handle, priority }) → the filled bpf_tc_opts. */
function tcAttach (hook, options) { return call(() => native.tcAttach(tcHookArg(hook, 'tcAttach'), tcOptsArg(options, 'tcAttach'))) }
/** libbpf's bpf_tc_detach(hook, { handle, priority }). */
function tcDetach (hook, options) { call(() => native.tcDetach(tcHookArg(hook, 'tcDetach'), tcOptsArg(options, 'tcDetach'))) }
/** libbpf's bpf_tc_query(hook, { handle, priority }) → { progId, ... }. */
function tcQuery (hook, options) { return call(() => native.tcQuery(tcHookArg(hook, 'tcQuery'), tcOptsArg(options, 'tcQuery'))) }

/**
 * Open a software CPU-clock sampling perf event (the usual target of SEC("perf_event")):
 * `pid` 0 (this thread, default) with `cpu` -1 (default), or pid -1 with a cpu; `period`
 * in ns (default 1e6), or with `freq: true` samples per second. Returns the fd: pass it
 * to attachPerfEvent and close it with fs.closeSync.
 */
function openCpuClockSampler (options) {
  const w = 'openCpuClockSampler'
  const o = knownKeys(checkOpts(options, w), w, ['pid', 'cpu', 'period', 'freq'])
  const int = (v, d, name) => {
    if (v === undefined || v === null) return d
    if (!Number.isInteger(v)) throw new TypeError(`${w}: option '${name}' must be an integer`)
    return v
  }
  const period = o.period ?? 1000000
  if (typeof period !== 'bigint' && !Number.isInteger(period)) throw new TypeError(`${w}: option 'period' must be an integer`)
  return call(() => native.openCpuClockSampler(int(o.pid, 0, 'pid'), int(o.cpu, -1, 'cpu'), period, Boolean(o.freq)))
}

/**
 * Run `fn()` with the calling (JS) thread inside network namespace `netns` (a name under
 * /run/netns, or a path such as /proc/PID/ns/net), then return to the original one,
 * also when fn throws. Interface names, XDP / tcx / TC attaches and sockets created
 * synchronously inside fn use that namespace; links keep working after it returns.
 * fn must be synchronous: code after an `await` runs back in the original namespace.
 */
function withNetns (netns, fn) {
  if (typeof netns !== 'string') throw new TypeError('withNetns: expected a namespace name or path')
  if (typeof fn !== 'function') throw new TypeError('withNetns: expected a function')
  const path = netns.includes('/') ? netns : `/run/netns/${netns}`
  const guard = call(() => native.NativeNetnsGuard.enter(path))
  try {
    return fn()
  } finally {
    call(() => guard.restore())
  }
}

/** Kernel UAPI and libbpf constants (libbpf's own with the RBPF_ prefix). */
const constants = Object.freeze({
  BPF_ANY: 0,
  BPF_NOEXIST: 1,
  BPF_EXIST: 2,
  BPF_F_LOCK: 4,
  XDP_FLAGS_UPDATE_IF_NOEXIST: 1,
  XDP_FLAGS_SKB_MODE: 2,
  XDP_FLAGS_DRV_MODE: 4,
  XDP_FLAGS_HW_MODE: 8,
  XDP_FLAGS_REPLACE: 16,
  XDP_ATTACHED_NONE: 0,
  XDP_ATTACHED_DRV: 1,
  XDP_ATTACHED_SKB: 2,
  XDP_ATTACHED_HW: 3,
  XDP_ATTACHED_MULTI: 4,
  RBPF_TC_INGRESS: 1,
  RBPF_TC_EGRESS: 2,
  RBPF_TC_CUSTOM: 4,
  RBPF_TC_QDISC: 8,
  RBPF_TC_F_REPLACE: 1,
  BPF_F_REPLACE: 4,
  BPF_F_BEFORE: 8,
  BPF_F_AFTER: 16,
  BPF_F_ID: 32,
  BPF_F_LINK: 8192,
  BPF_F_ALLOW_OVERRIDE: 1,
  BPF_F_ALLOW_MULTI: 2
})

// Shorthand properties only: Node's CommonJS lexer then offers them as ESM named exports.
module.exports = {
  BpfObject,
  Program,
  BpfMap,
  Link,
  BatchCursor,
  Btf,
  RingBuffer,
  PerfBuffer,
  BpfError,
  setLogger,
  optsFields,
  numPossibleCpus,
  xdpAttach,
  xdpDetach,
  xdpQuery,
  xdpQueryId,
  tcHookCreate,
  tcHookDestroy,
  tcAttach,
  tcDetach,
  tcQuery,
  openCpuClockSampler,
  withNetns,
  constants
}
