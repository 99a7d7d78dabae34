/**
 * Declarative socket options. Each socket class lists its options once, as
 * specs (default and validation, with libzmq's meaning in JSDoc); the list
 * yields both the property accessors on the class's prototype and, through
 * `OptionValues`, the TypeScript type of those properties and of the
 * constructor's options object. A bad value throws EINVAL naming the option
 * and the value.
 */
import { ZmqError, show, typeError } from "./errors.js";

/** Says what a value should have been, or undefined when it is acceptable; `values` are the socket's others, when it has them. */
export type Check = (value: unknown, values?: Readonly<Record<string, unknown>>) => string | undefined;

/** One option: its default and how a new value is checked. */
export interface OptionSpec<T> {
  readonly default: T;
  readonly check: Check;
  /** A secret (a key): errors never show its value. */
  readonly secret?: boolean;
  /**
   * The JavaScript type a value must have, as zeromq.js checks it first: a
   * value of another type is a TypeError (zeromq.js's message), a value of
   * this type that libzmq refuses is EINVAL. "string" takes a string, a
   * Uint8Array (a Buffer) or null.
   */
  readonly type?: "number" | "boolean" | "string";
  /** A C int in libzmq: a number is taken modulo 2^32 as a signed 32-bit integer first, as zeromq.js converts it. */
  readonly int32?: boolean;
  /** What a valid value is stored as, given the stored one (ZMQ_HEARTBEAT_TTL keeps whole deciseconds; accept filters add up). */
  normalize?(value: T, previous: T): T;
  /** Set for an option libzmq cannot give back (ZMQ_TCP_ACCEPT_FILTER): reading it is EINVAL, saying this. */
  readonly unreadable?: string;
}

/** A class's (or a security mechanism's) options by name. */
export type OptionSpecs = { readonly [name: string]: OptionSpec<unknown> };

/** The values a list of specs describes: `{ linger: number, ... }`. */
export type OptionValues<S> = { -readonly [K in keyof S]: S[K] extends OptionSpec<infer T> ? T : never };

/** Any option with a default and a check. */
export function option<T>(defaultValue: T, check: Check, flags: Omit<OptionSpec<T>, "default" | "check"> = {}): OptionSpec<T> {
  return { default: defaultValue, check, ...flags };
}

function integerCheck(min: number, max = Number.MAX_SAFE_INTEGER): Check {
  return (v) =>
    typeof v === "number" && Number.isInteger(v) && v >= min && v <= max
      ? undefined
      : `an integer from ${min}${max >= Number.MAX_SAFE_INTEGER ? " up" : ` to ${max}`}`;
}

const booleanCheck: Check = (v) => (typeof v === "boolean" ? undefined : "true or false");

function textCheck(maxLength = 255): Check {
  return (v) => {
    if (v === null) return undefined;
    if (typeof v !== "string") return "a string or null";
    return v.length > maxLength ? `at most ${maxLength} characters` : undefined;
  };
}

const INT32_MAX = 2 ** 31 - 1;

/**
 * An integer option, from `min` (to `max`): a C int in libzmq unless `max`
 * is past 2^31 - 1, so a larger number wraps as zeromq.js's conversion
 * wraps it (2^31 becomes negative: EINVAL; 1e10 becomes 1410065408).
 */
export function integer(defaultValue: number, min: number, max?: number, flags: { normalize?: (value: number) => number } = {}): OptionSpec<number> {
  const int32 = max === undefined || max <= INT32_MAX;
  return option(defaultValue, integerCheck(min, max ?? INT32_MAX), { type: "number", ...(int32 ? { int32 } : {}), ...flags });
}

/** A 64-bit integer option (ZMQ_AFFINITY, ZMQ_MAXMSGSIZE): any integer from `min`, past Number.MAX_SAFE_INTEGER too, as zeromq.js takes it (with a warning). */
export function integer64(defaultValue: number, min: number): OptionSpec<number> {
  return integer(defaultValue, min, Number.POSITIVE_INFINITY);
}

/** A true / false option. */
export function flag(defaultValue = false): OptionSpec<boolean> {
  return option(defaultValue, booleanCheck, { type: "boolean" });
}

/** A string option that may be null. */
export function text(defaultValue: string | null = null, maxLength = 255): OptionSpec<string | null> {
  return option(defaultValue, textCheck(maxLength), { type: "string" });
}

/** One of a few values. */
export function oneOf<const T extends readonly unknown[]>(defaultValue: T[number], values: T): OptionSpec<T[number]> {
  const expected = values.map((v) => (typeof v === "string" ? JSON.stringify(v) : String(v))).join(", ");
  return option(defaultValue, (v) => (values.includes(v) ? undefined : `one of ${expected}`));
}

/** The checks, for options that combine them. */
export const checks = { integer: integerCheck, boolean: booleanCheck, text: textCheck };

const TYPE_ERRORS = {
  number: "Option value must be a number",
  boolean: "Option value must be a boolean",
  string: "Option value must be a string or buffer",
} as const;

/**
 * Checks a value's JavaScript type as zeromq.js does, before its range:
 * a TypeError with zeromq.js's message (our explanation in `detail`), and
 * returns the value to store — a fractional number truncated, as zeromq.js
 * converts it to libzmq's integer.
 */
export function coerceOption(name: string, value: unknown, spec: OptionSpec<unknown>): unknown {
  const type = spec.type;
  if (type === undefined) return value;
  const ok = type === "string" ? value === null || typeof value === "string" || value instanceof Uint8Array : typeof value === type;
  if (!ok) {
    const shown = spec.secret ? "a value not shown (a secret)" : show(value);
    throw typeError(TYPE_ERRORS[type], `Invalid value for option '${name}': ${shown} (expected a ${type})`);
  }
  // A Buffer for a text option is its UTF-8 text, unless the option keeps bytes (routingId).
  if (type === "string" && value instanceof Uint8Array && spec.check(value) !== undefined) return new TextDecoder().decode(value);
  if (type !== "number" || !Number.isFinite(value)) return value;
  const whole = Math.trunc(value as number);
  return spec.int32 ? whole | 0 : whole;
}

/** Throws EINVAL naming the option and the value (not a secret's) when `check` refuses it. */
export function validateOption(name: string, value: unknown, check: Check, secret = false, values?: Readonly<Record<string, unknown>>): void {
  const expected = check(value, values);
  if (expected !== undefined) {
    const shown = secret ? "a value not shown (a secret)" : show(value);
    throw new ZmqError("EINVAL", `Invalid value for option '${name}': ${shown} (expected ${expected})`);
  }
}

/**
 * Options owned by a plug-in (a security mechanism): their specs, and
 * whether their values select the plug-in. As in libzmq, the plug-in whose
 * option was set last, and whose values select it, is the one in use.
 */
export interface OptionOwner {
  readonly options: OptionSpecs;
  selects(values: never): boolean;
}

/**
 * The option values of one socket: its class's options, and the options of
 * the security mechanisms its Context has. Values are kept in one plain
 * object, so reading one on a hot path is a property load.
 */
export class OptionStore {
  readonly values: Record<string, unknown>;
  /** The plug-in that owns the option set last (a security mechanism), as libzmq's last-set-wins. */
  selected: OptionOwner | undefined = undefined;
  /** Set when the socket closes: reading or setting an option then fails with ENOTSOCK, as zeromq.js's. */
  closed = false;
  private readonly owners: ReadonlyMap<string, OptionOwner>;

  constructor(
    private readonly specs: OptionSpecs = {},
    defaults: Record<string, unknown> = {},
    owners: readonly OptionOwner[] = [],
  ) {
    this.values = { ...defaults };
    const byName = new Map<string, OptionOwner>();
    for (const owner of owners) {
      for (const [name, spec] of Object.entries(owner.options)) {
        byName.set(name, owner);
        this.values[name] = spec.default;
      }
    }
    this.owners = byName;
  }

  /** True when this socket has an option of that name. */
  has(name: string): boolean {
    return name in this.specs || this.owners.has(name);
  }

  get(name: string): unknown {
    return this.values[name];
  }

  /** ENOTSOCK once the socket is closed: libzmq's answer for an option of a closed socket, which zeromq.js passes on. */
  assertOpen(): void {
    if (this.closed) throw new ZmqError("ENOTSOCK", "The socket is closed: its options can no longer be read or set");
  }

  /** Told the name of each option set (the socket's host applies new HWMs to its pipes). */
  changed: ((name: string) => void) | undefined = undefined;

  /** Validates and sets an option; EINVAL for a bad value or an unknown name. */
  set(name: string, value: unknown, socketType = "this"): void {
    this.assertOpen();
    const owner = this.owners.get(name);
    const spec = this.specs[name] ?? owner?.options[name];
    if (!spec) throw unknownOption(name, value, socketType);
    value = coerceOption(name, value, spec);
    validateOption(name, value, spec.check, spec.secret, this.values);
    this.values[name] = spec.normalize ? spec.normalize(value, this.values[name]) : value;
    this.changed?.(name);
    if (!owner) return;
    if (owner.selects(this.values as never)) this.selected = owner;
    else if (this.selected === owner) this.selected = undefined;
  }
}

/**
 * Gives each getter-only accessor of `proto` a setter that throws the
 * TypeError V8 throws for zeromq.js's native accessors ("Cannot set property
 * type of #<Socket> which has only a getter"), naming zeromq.js's class.
 */
export function refuseWrites(proto: object, className: string): void {
  for (const name of Object.getOwnPropertyNames(proto)) {
    const d = Object.getOwnPropertyDescriptor(proto, name)!;
    if (!d.get || d.set) continue;
    const set = () => {
      throw new TypeError(`Cannot set property ${name} of #<${className}> which has only a getter`);
    };
    Object.defineProperty(proto, name, { ...d, set });
  }
}

/**
 * Sets the options a constructor was given, as zeromq.js does: an unknown
 * name is its TypeError ("Cannot add property"), a read-only property's
 * name the TypeError of its setter (refuseWrites: "Cannot set property").
 */
export function applyOptions(target: object, store: OptionStore, given: Record<string, unknown>, socketType: string): void {
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined) continue;
    if (!store.has(name)) {
      // An accessor's setter (a read-only one's throws), else zeromq.js's unknown-option TypeError.
      if (hasSetter(target, name)) (target as Record<string, unknown>)[name] = value;
      throw unknownOption(name, value, socketType);
    }
    (target as Record<string, unknown>)[name] = value;
  }
}

/** True when `name` is an accessor with a setter somewhere on `object`'s prototype chain (refuseWrites gives read-only ones one). */
function hasSetter(object: object, name: string): boolean {
  for (let o: object | null = Object.getPrototypeOf(object) as object | null; o !== null; o = Object.getPrototypeOf(o) as object | null) {
    const d = Object.getOwnPropertyDescriptor(o, name);
    if (d) return typeof d.set === "function";
  }
  return false;
}

/**
 * zeromq.js's sockets and Contexts take no properties beyond their own: call
 * at the end of a constructor with `new.target` and the class, and the
 * instance of exactly that class is made non-extensible (a subclass of it
 * is left as its author made it).
 */
export function sealInstance(instance: object, newTarget: unknown, cls: unknown): void {
  if (newTarget === cls) Object.preventExtensions(instance);
}

/** Names that may hold secrets: an unknown option by such a name is not echoed either. */
function secretLike(name: string): boolean {
  return /secret|password|key/i.test(name);
}

/** EINVAL for an option a socket does not have (the value is not shown when the name sounds secret). */
export function unknownOption(name: string, value: unknown, socketType: string): TypeError {
  const shown = secretLike(name) ? "not shown" : show(value);
  // zeromq.js's sockets are sealed objects: an unknown option fails as V8 words it.
  return typeError(`Cannot add property ${name}, object is not extensible`, `Unknown option '${name}' for a ${socketType} socket (value ${shown})`);
}

/** What an object with options gives the accessors: its store, and its type's name for errors. */
export interface HasOptions {
  readonly options: OptionStore;
  readonly socketType: string;
}

interface ClassOptions {
  readonly specs: OptionSpecs;
  readonly defaults: Record<string, unknown>;
}

const byClass = /* @__PURE__ */ new WeakMap<object, ClassOptions>();

/**
 * Declares a class's options: accessors on its prototype (except names it
 * already defines by hand) that read and validate through the instance's
 * OptionStore, merged with the options of the classes it extends, whose
 * defaults `defaults` may change (XSUB's linger is 0). Call it from the
 * class's static block.
 */
export function defineOptions(cls: { readonly prototype: object }, specs: OptionSpecs, defaults: Record<string, unknown> = {}): void {
  const parent = classOptions(Object.getPrototypeOf(cls) as object);
  const merged: OptionSpecs = { ...parent?.specs, ...specs };
  const values: Record<string, unknown> = { ...parent?.defaults };
  for (const [name, spec] of Object.entries(specs)) values[name] = spec.default;
  for (const [name, value] of Object.entries(defaults)) {
    const spec = merged[name];
    if (!spec) throw new ZmqError("EINVAL", `A default for '${name}', which is not an option of this class`);
    validateOption(name, value, spec.check);
    values[name] = value;
  }
  byClass.set(cls, { specs: merged, defaults: values });
  defineAccessors(cls.prototype, specs);
}

const descriptorsBySpecs = /* @__PURE__ */ new WeakMap<OptionSpecs, PropertyDescriptorMap>();

/** One accessor pair per option, made once per specs object so that every object given them shares one shape. */
function descriptorsFor(specs: OptionSpecs): PropertyDescriptorMap {
  let descriptors = descriptorsBySpecs.get(specs);
  if (descriptors) return descriptors;
  descriptors = {};
  for (const [name, spec] of Object.entries(specs)) {
    const unreadable = spec.unreadable;
    descriptors[name] = {
      configurable: true,
      enumerable: false,
      get(this: HasOptions) {
        const options = this.options;
        if (options.closed) options.assertOpen();
        if (unreadable !== undefined) throw new ZmqError("EINVAL", `Option '${name}' cannot be read: ${unreadable}`);
        return options.values[name];
      },
      set(this: HasOptions, value: unknown) {
        this.options.set(name, value, this.socketType);
      },
    };
  }
  descriptorsBySpecs.set(specs, descriptors);
  return descriptors;
}

/** Installs get / set accessors for these options on an object (a prototype, or a socket), where it has none of that name. */
export function defineAccessors(target: object, specs: OptionSpecs): void {
  const descriptors = descriptorsFor(specs);
  for (const name of Object.keys(descriptors)) {
    if (!Object.prototype.hasOwnProperty.call(target, name)) Object.defineProperty(target, name, descriptors[name]!);
  }
}

/** The merged specs and defaults of a class, from the nearest class that declared options. */
export function classOptions(cls: object | null): ClassOptions | undefined {
  for (let c = cls; c !== null && c !== Function.prototype; c = Object.getPrototypeOf(c) as object | null) {
    const found = byClass.get(c);
    if (found) {
      if (c !== cls && cls !== null) byClass.set(cls, found);
      return found;
    }
  }
  return undefined;
}
