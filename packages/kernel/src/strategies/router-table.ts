/**
 * ROUTER's table of peers by routing id. A peer's id is the one the
 * application gave its connect(), else the peer's Identity, else a
 * generated 5-byte id: 0x00 then a uint32 (big-endian) counting up from a
 * random start, as libzmq makes them.
 */
import type { Pipe } from "../pipe.js";

const hex = (id: Uint8Array): string => {
  let out = "";
  for (let i = 0; i < id.length; i++) out += (id[i]! < 16 ? "0" : "") + id[i]!.toString(16);
  return out;
};

export class RouterTable {
  private readonly byId = new Map<string, Pipe>();
  private readonly idOf = new Map<Pipe, Uint8Array>();
  private next = Math.floor(Math.random() * 0x100000000) >>> 0;

  constructor(private readonly alloc: (size: number) => Uint8Array = (n) => new Uint8Array(n)) {}

  get size(): number {
    return this.byId.size;
  }

  /** A fresh 5-byte id: 00 + uint32 BE. */
  generate(): Uint8Array {
    for (;;) {
      const id = this.alloc(5);
      const n = this.next;
      this.next = (this.next + 1) >>> 0;
      id[0] = 0;
      id[1] = n >>> 24;
      id[2] = (n >>> 16) & 0xff;
      id[3] = (n >>> 8) & 0xff;
      id[4] = n & 0xff;
      if (!this.byId.has(hex(id))) return id;
    }
  }

  /**
   * Gives a pipe its id. A wanted id already in use is refused (false), unless
   * `handover`: then the old pipe is renamed to a generated id and returned in
   * `displaced` for the caller to close.
   */
  add(pipe: Pipe, wanted: Uint8Array | undefined, handover: boolean): { ok: boolean; displaced?: Pipe } {
    let displaced: Pipe | undefined;
    let id = wanted && wanted.length > 0 ? wanted : undefined;
    if (id) {
      const old = this.byId.get(hex(id));
      if (old) {
        if (!handover) return { ok: false };
        this.rename(old, this.generate());
        displaced = old;
      }
    } else {
      id = this.generate();
    }
    this.byId.set(hex(id), pipe);
    this.idOf.set(pipe, id);
    return { ok: true, displaced };
  }

  private rename(pipe: Pipe, id: Uint8Array): void {
    const old = this.idOf.get(pipe);
    if (old) this.byId.delete(hex(old));
    this.byId.set(hex(id), pipe);
    this.idOf.set(pipe, id);
  }

  /** Forgets a pipe. */
  remove(pipe: Pipe): void {
    const id = this.idOf.get(pipe);
    if (!id) return;
    this.idOf.delete(pipe);
    if (this.byId.get(hex(id)) === pipe) this.byId.delete(hex(id));
  }

  /** The pipe with that id, or undefined. */
  lookup(id: Uint8Array): Pipe | undefined {
    return this.byId.get(hex(id));
  }

  /** The id of a pipe in the table. */
  idFor(pipe: Pipe): Uint8Array | undefined {
    return this.idOf.get(pipe);
  }
}
