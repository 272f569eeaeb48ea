// Types of the `rbpf` package (hand-written for index.js; the native addon's own
// generated typings are binding.d.ts).
/// <reference types="node" />
import { EventEmitter } from 'node:events'

/** An rbpf error: errno (positive), code ('EINVAL', as Node's system errors), message
 * naming the object / program / map / section, and the verifier log for rejections. */
export declare class BpfError extends Error {
  readonly errno: number
  readonly code: string
  readonly verifierLog?: string
  constructor(message: string, errno: number, code?: string, verifierLog?: string)
}

/** Options of BpfObject.open (libbpf's bpf_object_open_opts, camelCase). */
export interface ObjectOpenOptions {
  objectName?: string | null
  relaxedMaps?: boolean
  pinRootPath?: string | null
  kconfig?: string | null
  btfCustomPath?: string | null
  kernelLogLevel?: number
}
export interface TracepointOptions { bpfCookie?: number | bigint }
export interface RawTracepointOptions { cookie?: number | bigint }
export interface TraceOptions { cookie?: number | bigint }
/** 64-bit options take a number or a bigint. */
type U64 = number | bigint
/** libbpf's enum probe_attach_mode, as a string or its number. */
export type AttachMode = 'default' | 'legacy' | 'perf' | 'link' | number
/** An interface index, or a name resolved in the calling thread's network namespace. */
export type IfIndex = number | string
/** libbpf's enum bpf_tc_attach_point: 'ingress', 'egress', 'ingress|egress', ... or its number. */
export type TcAttachPoint = 'ingress' | 'egress' | 'ingress|egress' | 'custom' | 'qdisc' | number

/** attachUprobe: `pid` and `funcOffset` (libbpf's positional arguments) plus bpf_uprobe_opts. */
export interface UprobeOptions {
  /** -1 (default): every process; 0: this one; N: that one. */
  pid?: number
  /** Offset in the file, or added to funcName's address. */
  funcOffset?: U64
  refCtrOffset?: U64
  bpfCookie?: U64
  retprobe?: boolean
  /** 'func' or 'func@LIB'. */
  funcName?: string | null
  attachMode?: AttachMode
}
export interface UprobeMultiOptions {
  pid?: number
  syms?: string[]
  offsets?: U64[]
  refCtrOffsets?: U64[]
  cookies?: U64[]
  retprobe?: boolean
  session?: boolean
}
export interface UsdtOptions { pid?: number, usdtCookie?: U64 }
export interface KprobeOptions { bpfCookie?: U64, offset?: U64, retprobe?: boolean, attachMode?: AttachMode }
export interface KsyscallOptions { bpfCookie?: U64, retprobe?: boolean }
export interface KprobeMultiOptions {
  syms?: string[]
  addrs?: U64[]
  cookies?: U64[]
  retprobe?: boolean
  session?: boolean
  uniqueMatch?: boolean
}
export interface XdpOptions {
  /** constants.XDP_FLAGS_SKB_MODE / _DRV_MODE / _HW_MODE (0: the kernel chooses). */
  flags?: number
}
/** bpf_tcx_opts / bpf_netkit_opts / bpf_cgroup_opts: ordering among attachments. */
export interface OrderingOptions {
  /** constants.BPF_F_BEFORE / BPF_F_AFTER / BPF_F_ID / BPF_F_LINK. */
  flags?: number
  relativeFd?: number
  relativeId?: number
  expectedRevision?: U64
}
export interface TcOptions {
  attachPoint?: TcAttachPoint
  /** 0: the kernel chooses. */
  priority?: number
  /** 0: the kernel chooses. */
  handle?: number
}
export interface IterOptions {
  /** The map to iterate (instead of mapFd). */
  map?: BpfMap
  mapFd?: number
  cgroupFd?: number
  order?: number
  tid?: number
  pid?: number
  pidFd?: number
}
export interface PerfEventOptions { bpfCookie?: U64, forceIoctlAttach?: boolean, dontEnable?: boolean }
export interface NetfilterOptions { pf?: number, hooknum?: number, priority?: number, flags?: number }
/** libbpf's bpf_tc_hook. */
export interface TcHook {
  ifindex: IfIndex
  attachPoint: TcAttachPoint
  parent?: number
  handle?: number
  qdisc?: string | null
}
/** libbpf's bpf_tc_opts (progId, handle, priority are also outputs). */
export interface TcFilterOptions {
  /** The program to attach (or progFd). */
  prog?: Program
  progFd?: number
  /** constants.RBPF_TC_F_REPLACE */
  flags?: number
  progId?: number
  handle?: number
  priority?: number
}
export interface TcFilter { progFd: number, flags: number, progId: number, handle: number, priority: number }
/** libbpf's bpf_xdp_query_opts. */
export interface XdpQuery {
  progId: number
  drvProgId: number
  hwProgId: number
  skbProgId: number
  /** constants.XDP_ATTACHED_*. */
  attachMode: number
  featureFlags: bigint
  xdpZcMaxSegs: number
}
export interface LinkInfo {
  /** BPF_LINK_TYPE_* number. */
  type: number
  id: number
  progId: number
}
/** A socket with an fd: a socket fd number, or a bound net.Socket / dgram.Socket. */
export type SocketLike = number | { _handle?: { fd?: number } | null }

export interface RingBufferAddOptions {
  /** Decode records as this BTF type of the map's object, e.g. 'struct event'. */
  valueType?: string
}
/** PerfBuffer options: Node's own keys plus libbpf's perf_buffer_opts (camelCase). */
export interface PerfBufferOptions {
  /** Pages per CPU buffer, a power of two (default 8). */
  pageCnt?: number
  /** Lost-sample notices (else 'lost' events); count is a number. */
  lostCallback?: ((count: number, cpu: number) => void) | null
  /** Decode samples as this BTF type of the map's object, e.g. 'struct event'. */
  valueType?: string | null
  /** Samples per wakeup (0 means 1). */
  samplePeriod?: number | bigint
}
/** Options of the batch map calls (libbpf's bpf_map_batch_opts, camelCase). */
export interface MapBatchOptions {
  elemFlags?: number | bigint
  flags?: number | bigint
}

/** A value typed by BTF: numbers, bigint for 64-bit integers, Buffer for char[N],
 * arrays, plain objects for structs. */
export type BtfValue = number | bigint | boolean | Buffer | string | BtfValue[] | { [member: string]: BtfValue }

/** Global variables of one data section, by their C names. */
export type GlobalSection = { [name: string]: any }

export declare class BpfObject implements Disposable {
  /** Parse an ELF object (path or image); no kernel calls. Unknown option → TypeError. */
  static open(pathOrBuffer: string | Uint8Array, options?: ObjectOpenOptions): BpfObject
  readonly name: string
  readonly loaded: boolean
  readonly closed: boolean
  readonly kversion: number
  /** Create maps, relocate and load every program (BpfError with verifierLog on rejection). */
  load(): this
  program(name: string): Program | undefined
  readonly programs: Program[]
  map(name: string): BpfMap | undefined
  readonly maps: BpfMap[]
  /** Attach every auto-attachable program (the returned array is Disposable too). */
  attachAll(): Link[] & Disposable
  /** `.data` globals: numbers, bigint (64-bit), Buffer (char[N]), objects, arrays. */
  readonly data: GlobalSection
  /** `.rodata` globals: writable before load only (EPERM after). */
  readonly rodata: GlobalSection
  /** `.bss` globals: live after load. */
  readonly bss: GlobalSection
  readonly kconfig: GlobalSection
  /** Any global-data section by name: '.data.custom', '.rodata.custom'. */
  datasec(section: string): GlobalSection
  readonly datasecs: string[]
  /** The object's own BTF, undefined without a .BTF section (EBADF once closed). */
  readonly btf: Btf | undefined
  /** Close maps and programs; links stay attached. Idempotent. */
  close(): void
  [Symbol.dispose](): void
}

export declare class Program {
  readonly name: string
  readonly sectionName: string
  /** libbpf's program type name: 'tracepoint', 'xdp', 'raw_tracepoint', ..., 'unspec'. */
  readonly type: string
  /** Before load: a type name ('xdp') or a BPF_PROG_TYPE_* number. */
  setType(type: string | number): void
  readonly autoload: boolean
  setAutoload(autoload: boolean): void
  readonly autoattach: boolean
  setAutoattach(autoattach: boolean): void
  readonly fd: number
  readonly insnCnt: number
  attach(): Link
  attachTracepoint(category: string, name: string, options?: TracepointOptions): Link
  attachRawTracepoint(name: string, options?: RawTracepointOptions): Link
  attachTrace(options?: TraceOptions): Link
  /** uprobe / uretprobe on a path or library name ('libc.so.6'). */
  attachUprobe(path: string, options?: UprobeOptions): Link
  /** One uprobe.multi link: a glob pattern, or syms / offsets in the options. */
  attachUprobeMulti(path: string, pattern?: string | null, options?: UprobeMultiOptions): Link
  attachUprobeMulti(path: string, options: UprobeMultiOptions): Link
  /** Every site of USDT probe provider:name (the object must include usdt.bpf.h). */
  attachUsdt(path: string, provider: string, name: string, options?: UsdtOptions): Link
  /** kprobe / kretprobe ('' func: options.offset is a raw address). EOPNOTSUPP without kprobes. */
  attachKprobe(func: string, options?: KprobeOptions): Link
  attachKsyscall(syscallName: string, options?: KsyscallOptions): Link
  attachKprobeMulti(pattern?: string | null, options?: KprobeMultiOptions): Link
  attachKprobeMulti(options: KprobeMultiOptions): Link
  /** XDP through a BPF link. */
  attachXdp(ifindex: IfIndex, options?: XdpOptions): Link
  /** tcx link, ingress or egress as the section says. */
  attachTcx(ifindex: IfIndex, options?: OrderingOptions): Link
  attachNetkit(ifindex: IfIndex, options?: OrderingOptions): Link
  /** clsact + cls_bpf over netlink; detach removes the filter (and the qdisc it created). */
  attachTc(ifindex: IfIndex, options?: TcOptions): Link
  /** A cgroup by fd or directory path. */
  attachCgroup(cgroup: number | string, options?: OrderingOptions): Link
  /** A network namespace by fd or path (/run/netns/NAME). */
  attachNetns(netns: number | string): Link
  /** sk_msg / sk_skb on a sockmap or sockhash. */
  attachSockmap(map: BpfMap | number): Link
  /** SO_ATTACH_BPF on a socket; detach removes it. */
  attachSocketFilter(socket: SocketLike): Link
  /** Iterator link: read it with link.iterRead(). */
  attachIter(options?: IterOptions): Link
  /** A perf event fd you opened (duplicated: close yours with fs.closeSync). */
  attachPerfEvent(fd: number, options?: PerfEventOptions): Link
  attachNetfilter(options?: NetfilterOptions): Link
  /** EPERM on kernels in lockdown. */
  attachLsm(): Link
}

export declare class Link implements Disposable {
  /** Open a link pinned on a bpffs (unpin() removes that pin). */
  static open(path: string): Link
  /** -1 once detached, and for links without a BPF link fd (USDT, TC netlink, socket filter). */
  readonly fd: number
  readonly detached: boolean
  /** What the link is attached to, for messages; undefined once detached. */
  readonly target: string | undefined
  readonly pinPath: string | undefined
  pin(path: string): void
  unpin(): void
  /** BPF_LINK_UPDATE: replace the link's program. */
  updateProgram(prog: Program | number): void
  info(): LinkInfo
  /** Iterator links: run once, return the whole output. */
  iterRead(): Buffer
  /** Iterator links: a new readable fd (close it with fs.closeSync). */
  iterCreate(): number
  /** Forget the handle; the attachment stays until the process exits. */
  disconnect(): void
  /** Detach and close; idempotent. */
  detach(): void
  close(): void
  [Symbol.dispose](): void
}

export declare class BpfMap<K = any, V = any> implements Iterable<[K, V]> {
  readonly name: string
  /** BPF_MAP_TYPE_* number. */
  readonly type: number
  readonly keySize: number
  readonly valueSize: number
  readonly maxEntries: number
  readonly mapFlags: number
  readonly fd: number
  readonly isPercpu: boolean
  setMaxEntries(n: number): void
  /** The value (per-CPU maps: an array, one per possible CPU), or undefined. */
  get(key: K | Uint8Array): V | undefined
  lookup(key: K | Uint8Array, flags?: number | bigint, options?: { raw?: false }): V | undefined
  lookup(key: K | Uint8Array, flags: number | bigint | undefined, options: { raw: true }): Buffer | undefined
  lookupAndDelete(key: K | Uint8Array, flags?: number | bigint, options?: { raw?: false }): V | undefined
  lookupAndDelete(key: K | Uint8Array, flags: number | bigint | undefined, options: { raw: true }): Buffer | undefined
  has(key: K | Uint8Array): boolean
  set(key: K | Uint8Array, value: V | Uint8Array): this
  /** flags: BPF_ANY, BPF_NOEXIST, BPF_EXIST, BPF_F_LOCK. */
  update(key: K | Uint8Array, value: V | Uint8Array, flags?: number | bigint): void
  /** True when the key existed. */
  delete(key: K | Uint8Array): boolean
  /** Up to `count` entries from `cursor` on (BPF_MAP_LOOKUP_BATCH); the cursor advances. */
  lookupBatch(cursor: BatchCursor, count: number, options?: MapBatchOptions & { raw?: false }): Array<[K, V]>
  lookupBatch(cursor: BatchCursor, count: number, options: MapBatchOptions & { raw: true }): Array<[Buffer, Buffer]>
  /** As lookupBatch, deleting what it returns (a new cursor per walk). */
  lookupAndDeleteBatch(cursor: BatchCursor, count: number, options?: MapBatchOptions & { raw?: false }): Array<[K, V]>
  lookupAndDeleteBatch(cursor: BatchCursor, count: number, options: MapBatchOptions & { raw: true }): Array<[Buffer, Buffer]>
  /** Update many entries (typed arrays of equal length, or packed Buffers). Returns the count. */
  updateBatch(keys: Array<K | Uint8Array> | Uint8Array, values: Array<V | Uint8Array> | Uint8Array, options?: MapBatchOptions): number
  /** Delete many keys (a missing key is ENOENT after those before it). Returns the count. */
  deleteBatch(keys: Array<K | Uint8Array> | Uint8Array, options?: MapBatchOptions): number
  keys(): IterableIterator<K>
  values(): IterableIterator<V>
  /** Every entry (read with batch lookups where the kernel supports them). */
  entries(): IterableIterator<[K, V]>
  [Symbol.iterator](): IterableIterator<[K, V]>
}

/** A batch walk's position over a map: pass it to successive lookupBatch calls. */
export declare class BatchCursor {
  constructor()
  /** True once a call reached the end of the map. */
  readonly done: boolean
  /** Start over from the first element. */
  reset(): void
}

export interface BtfMember { name: string, typeId: number, bitOffset: number, bitfieldSize: number }
export interface BtfEnumValue { name: string, value: number | bigint }
export interface BtfParam { name: string, typeId: number }
export interface BtfVarSecInfo { typeId: number, offset: number, size: number }
/** A BTF type. `kind` is libbpf's kind name; the optional fields depend on it. */
export interface BtfType {
  id: number
  kind: 'void' | 'int' | 'ptr' | 'array' | 'struct' | 'union' | 'enum' | 'fwd' | 'typedef' | 'volatile' |
    'const' | 'restrict' | 'func' | 'func_proto' | 'var' | 'datasec' | 'float' | 'decl_tag' | 'type_tag' | 'enum64'
  /** '' when anonymous. */
  name: string
  vlen: number
  kflag: boolean
  /** int, struct, union, enum, enum64, datasec, float. */
  size?: number
  /** ptr, typedef, modifiers, var, decl_tag: the referenced type; func: its func_proto;
   * func_proto: the return type. */
  typeId?: number
  /** int */
  bits?: number
  bitOffset?: number
  /** int: 'signed' | 'char' | 'bool' | 'none'; enum/enum64: whether signed. */
  encoding?: 'signed' | 'char' | 'bool' | 'none'
  signed?: boolean
  /** array */
  elemTypeId?: number
  indexTypeId?: number
  nelems?: number
  /** struct, union */
  members?: BtfMember[]
  /** enum (numbers), enum64 (bigint) */
  values?: BtfEnumValue[]
  /** fwd */
  fwdKind?: 'struct' | 'union'
  /** func, var */
  linkage?: 'static' | 'global' | 'extern' | 'unknown'
  /** func_proto */
  params?: BtfParam[]
  /** datasec */
  vars?: BtfVarSecInfo[]
  /** decl_tag: -1 for the type itself, else a member / parameter index. */
  componentIdx?: number
}

/** BPF Type Format data: the kernel's, a file's, or an object's own (`obj.btf`). */
export declare class Btf {
  /** The running kernel's BTF, parsed once per process. */
  static vmlinux(): Btf
  /** Raw BTF or an ELF file's .BTF; `base` for split BTF (kernel modules). */
  static fromFile(path: string, options?: { base?: Btf | null }): Btf
  /** Number of type ids including void (libbpf's btf__type_cnt). */
  readonly typeCnt: number
  readonly startId: number
  /** A C name ('struct task_struct', 'u32') or, with `kind`, a bare name of that kind. */
  findByName(name: string, kind?: BtfType['kind'] | null): number | undefined
  typeById(id: number): BtfType
  resolveSize(type: number | string): number
  /** C spelling: 'struct event', 'char[16]', 'const char *'. */
  describe(type: number | string): string
  decode(type: number | string, bytes: Uint8Array): BtfValue
  encode(type: number | string, value: BtfValue): Buffer
}

/** What RingBuffer and PerfBuffer share: sync poll/consume and background delivery. */
declare class EventBuffer<R> extends EventEmitter implements AsyncIterable<R>, Disposable {
  readonly epollFd: number
  /** Wait (blocking the JS thread) up to timeoutMs, -1 = forever, then consume. */
  poll(timeoutMs?: number): number
  consume(): number
  /** Start background delivery (automatic with a callback, iterator or 'data' listener). */
  start(): void
  stop(): void
  readonly running: boolean
  readonly closed: boolean
  /** Keep the process alive while open (an idle buffer does not, by default). */
  ref(): this
  unref(): this
  close(): void
  [Symbol.dispose](): void
  [Symbol.asyncIterator](): AsyncIterator<R>
  on(event: 'data', listener: (record: R, index: number) => void): this
  on(event: 'error', listener: (err: Error) => void): this
  on(event: string | symbol, listener: (...args: any[]) => void): this
}

/** Ring buffer consumer (libbpf's ring_buffer). See index.js for the delivery model. */
export declare class RingBuffer<R = any> extends EventBuffer<R> {
  constructor(map?: BpfMap, callback?: ((record: R, ring: number) => number | boolean | void) | null, options?: RingBufferAddOptions)
  add(map: BpfMap, callback?: ((record: R, ring: number) => number | boolean | void) | null, options?: RingBufferAddOptions): number
  readonly ringCount: number
}

/** Perf buffer consumer (libbpf's perf_buffer): one buffer per CPU over a PERF_EVENT_ARRAY. */
export declare class PerfBuffer<R = any> extends EventBuffer<R> {
  constructor(map: BpfMap, callback?: ((record: R, cpu: number) => number | boolean | void) | null, options?: PerfBufferOptions)
  constructor(map: BpfMap, options: PerfBufferOptions)
  readonly bufferCnt: number
  bufferFd(idx: number): number
  bufferCpu(idx: number): number
  /** Read one CPU buffer without waiting. */
  consumeBuffer(idx: number): number
  on(event: 'data', listener: (record: R, cpu: number) => void): this
  on(event: 'lost', listener: (count: number, cpu: number) => void): this
  on(event: 'error', listener: (err: Error) => void): this
  on(event: string | symbol, listener: (...args: any[]) => void): this
}

/** Route library messages; null silences, undefined restores the stderr default. */
export declare function setLogger(fn: ((level: 'warn' | 'info' | 'debug', message: string) => void) | null | undefined):
  ((level: 'warn' | 'info' | 'debug', message: string) => void) | null | undefined

/** Option names per options struct (C name → camelCase fields), from the core's declaration. */
export declare function optsFields(): Record<string, string[]>
export declare function numPossibleCpus(): number
/** libbpf's bpf_xdp_attach / bpf_xdp_detach / bpf_xdp_query / bpf_xdp_query_id (netlink). */
export declare function xdpAttach(ifindex: IfIndex, prog: Program | number, flags?: number, options?: { oldProgFd?: number }): void
export declare function xdpDetach(ifindex: IfIndex, flags?: number, options?: { oldProgFd?: number }): void
export declare function xdpQuery(ifindex: IfIndex, flags?: number): XdpQuery
export declare function xdpQueryId(ifindex: IfIndex, flags?: number): number
/** libbpf's bpf_tc_hook_create (EEXIST when the qdisc exists) / _destroy. */
export declare function tcHookCreate(hook: TcHook): void
export declare function tcHookDestroy(hook: TcHook): void
/** libbpf's bpf_tc_attach / bpf_tc_detach / bpf_tc_query. */
export declare function tcAttach(hook: TcHook, options: TcFilterOptions): TcFilter
export declare function tcDetach(hook: TcHook, options: TcFilterOptions): void
export declare function tcQuery(hook: TcHook, options: TcFilterOptions): TcFilter
/** A software CPU-clock sampling perf event fd (pid 0 / cpu -1 by default; period in ns). */
export declare function openCpuClockSampler(options?: { pid?: number, cpu?: number, period?: number | bigint, freq?: boolean }): number
/** Run fn with this thread in a network namespace (name under /run/netns, or a path); fn must be synchronous. */
export declare function withNetns<T>(netns: string, fn: () => T): T
export declare const constants: {
  readonly BPF_ANY: 0, readonly BPF_NOEXIST: 1, readonly BPF_EXIST: 2, readonly BPF_F_LOCK: 4
  readonly XDP_FLAGS_UPDATE_IF_NOEXIST: 1, readonly XDP_FLAGS_SKB_MODE: 2, readonly XDP_FLAGS_DRV_MODE: 4
  readonly XDP_FLAGS_HW_MODE: 8, readonly XDP_FLAGS_REPLACE: 16
  readonly XDP_ATTACHED_NONE: 0, readonly XDP_ATTACHED_DRV: 1, readonly XDP_ATTACHED_SKB: 2
  readonly XDP_ATTACHED_HW: 3, readonly XDP_ATTACHED_MULTI: 4
  readonly RBPF_TC_INGRESS: 1, readonly RBPF_TC_EGRESS: 2, readonly RBPF_TC_CUSTOM: 4, readonly RBPF_TC_QDISC: 8
  readonly RBPF_TC_F_REPLACE: 1
  readonly BPF_F_REPLACE: 4, readonly BPF_F_BEFORE: 8, readonly BPF_F_AFTER: 16, readonly BPF_F_ID: 32
  readonly BPF_F_LINK: 8192, readonly BPF_F_ALLOW_OVERRIDE: 1, readonly BPF_F_ALLOW_MULTI: 2
}
