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
export interface RingBufferAddOptions {
  /** Decode records as this BTF type of the map's object, e.g. 'struct event'. */
  valueType?: string
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
}

export declare class Link implements Disposable {
  /** -1 once detached. */
  readonly fd: number
  readonly detached: boolean
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
  keys(): IterableIterator<K>
  values(): IterableIterator<V>
  entries(): IterableIterator<[K, V]>
  [Symbol.iterator](): IterableIterator<[K, V]>
}

/** Ring buffer consumer. See index.js for the delivery model. */
export declare class RingBuffer<R = any> extends EventEmitter implements AsyncIterable<R>, Disposable {
  constructor(map?: BpfMap, callback?: ((record: R, ring: number) => number | boolean | void) | null, options?: RingBufferAddOptions)
  add(map: BpfMap, callback?: ((record: R, ring: number) => number | boolean | void) | null, options?: RingBufferAddOptions): number
  readonly ringCount: number
  readonly epollFd: number
  /** Wait (blocking the JS thread) up to timeoutMs, -1 = forever, then consume. */
  poll(timeoutMs?: number): number
  consume(): number
  start(): void
  stop(): void
  readonly running: boolean
  ref(): this
  unref(): this
  close(): void
  [Symbol.dispose](): void
  [Symbol.asyncIterator](): AsyncIterator<R>
  on(event: 'data', listener: (record: R, ring: number) => void): this
  on(event: 'error', listener: (err: Error) => void): this
  on(event: string | symbol, listener: (...args: any[]) => void): this
}

/** Route library messages; null silences, undefined restores the stderr default. */
export declare function setLogger(fn: ((level: 'warn' | 'info' | 'debug', message: string) => void) | null | undefined):
  ((level: 'warn' | 'info' | 'debug', message: string) => void) | null | undefined

/** Option names per options struct (C name → camelCase fields), from the core's declaration. */
export declare function optsFields(): Record<string, string[]>
export declare function numPossibleCpus(): number
export declare const constants: { readonly BPF_ANY: 0, readonly BPF_NOEXIST: 1, readonly BPF_EXIST: 2, readonly BPF_F_LOCK: 4 }
