/**
 * Prefix tries for publish-subscribe.
 *
 * - SubscriptionTrie (XPUB side): prefix -> the set of pipes subscribed to
 *   it. A pipe subscribing twice to one prefix counts once, as in libzmq.
 * - CountedTrie (XSUB side): prefix -> how many times the application
 *   subscribed to it.
 *
 * Matching walks the message's own bytes down the trie, so its cost does
 * not grow with subscriptions that share no prefix with the message.
 */
import type { Pipe } from "../pipe.js";

interface Node<T> {
  value: T | undefined;
  children: Map<number, Node<T>> | undefined;
  /** How many nodes below (or at) this one hold a value: prunes dead branches. */
  live: number;
}

const newNode = <T>(): Node<T> => ({ value: undefined, children: undefined, live: 0 });

/** A byte trie with one value per prefix. */
class PrefixTrie<T> {
  /** Read by SubscriptionTrie.match, which walks it inline. */
  readonly root: Node<T> = newNode();

  /** The node for a prefix, made on the way if `create`. */
  private find(prefix: Uint8Array, create: boolean): Node<T> | undefined {
    let node = this.root;
    for (let i = 0; i < prefix.length; i++) {
      const b = prefix[i]!;
      let next = node.children?.get(b);
      if (!next) {
        if (!create) return undefined;
        next = newNode<T>();
        (node.children ??= new Map()).set(b, next);
      }
      node = next;
    }
    return node;
  }

  get(prefix: Uint8Array): T | undefined {
    return this.find(prefix, false)?.value;
  }

  /** Sets or clears (undefined) the value for a prefix, keeping `live` counts and pruning. */
  set(prefix: Uint8Array, value: T | undefined): void {
    const path: Node<T>[] = [this.root];
    let node = this.root;
    for (let i = 0; i < prefix.length; i++) {
      const b = prefix[i]!;
      let next = node.children?.get(b);
      if (!next) {
        if (value === undefined) return;
        next = newNode<T>();
        (node.children ??= new Map()).set(b, next);
      }
      node = next;
      path.push(node);
    }
    const had = node.value !== undefined;
    node.value = value;
    const delta = (value !== undefined ? 1 : 0) - (had ? 1 : 0);
    if (delta === 0) return;
    for (const n of path) n.live += delta;
    if (delta < 0) {
      // Prune the branch below the deepest node still in use.
      for (let i = path.length - 1; i > 0; i--) {
        if (path[i]!.live > 0) break;
        path[i - 1]!.children!.delete(prefix[i - 1]!);
        if (path[i - 1]!.children!.size === 0) path[i - 1]!.children = undefined;
      }
    }
  }

  /** Calls `fn` with the value of every prefix of `data` that has one (the empty prefix first). */
  eachPrefixOf(data: Uint8Array, fn: (value: T) => void): void {
    let node: Node<T> | undefined = this.root;
    let i = 0;
    while (node && node.live > 0) {
      if (node.value !== undefined) fn(node.value);
      if (i >= data.length || !node.children) return;
      node = node.children.get(data[i++]!);
    }
  }

  /** True when some prefix of `data` has a value. */
  hasPrefixOf(data: Uint8Array): boolean {
    let node: Node<T> | undefined = this.root;
    let i = 0;
    while (node && node.live > 0) {
      if (node.value !== undefined) return true;
      if (i >= data.length || !node.children) return false;
      node = node.children.get(data[i++]!);
    }
    return false;
  }

  /** Every prefix with a value, depth first in byte order. */
  each(fn: (prefix: Uint8Array, value: T) => void): void {
    const walk = (node: Node<T>, path: number[]) => {
      if (node.value !== undefined) fn(Uint8Array.from(path), node.value);
      if (!node.children) return;
      for (const b of [...node.children.keys()].sort((x, y) => x - y)) {
        path.push(b);
        walk(node.children.get(b)!, path);
        path.pop();
      }
    };
    walk(this.root, []);
  }

  get empty(): boolean {
    return this.root.live === 0;
  }
}

/** XPUB's subscriptions: prefix -> set of pipes. */
export class SubscriptionTrie {
  private readonly trie = new PrefixTrie<Set<Pipe>>();
  private readonly byPipe = new Map<Pipe, Set<string>>();

  /** Subscribes a pipe; true when the prefix had no subscriber before (the first). */
  add(prefix: Uint8Array, pipe: Pipe): boolean {
    let pipes = this.trie.get(prefix);
    const first = pipes === undefined;
    if (!pipes) {
      pipes = new Set();
      this.trie.set(prefix, pipes);
    }
    pipes.add(pipe);
    let mine = this.byPipe.get(pipe);
    if (!mine) this.byPipe.set(pipe, (mine = new Set()));
    mine.add(key(prefix));
    return first;
  }

  /** Unsubscribes a pipe; true when it was the prefix's last subscriber. */
  remove(prefix: Uint8Array, pipe: Pipe): boolean {
    const pipes = this.trie.get(prefix);
    if (!pipes || !pipes.delete(pipe)) return false;
    this.byPipe.get(pipe)?.delete(key(prefix));
    if (pipes.size > 0) return false;
    this.trie.set(prefix, undefined);
    return true;
  }

  /** Removes every subscription of a pipe; `onLast` hears each prefix left with no subscriber. */
  removePipe(pipe: Pipe, onLast: (prefix: Uint8Array) => void): void {
    const mine = this.byPipe.get(pipe);
    if (!mine) return;
    this.byPipe.delete(pipe);
    for (const k of mine) {
      const prefix = unkey(k);
      const pipes = this.trie.get(prefix);
      if (!pipes) continue;
      pipes.delete(pipe);
      if (pipes.size === 0) {
        this.trie.set(prefix, undefined);
        onLast(prefix);
      }
    }
  }

  /** Calls `fn` for each pipe subscribed to some prefix of `data` (a pipe may come more than once). */
  match(data: Uint8Array, fn: (pipe: Pipe) => void): void {
    // eachPrefixOf's walk, inlined: this runs for every message a publisher sends.
    let node: Node<Set<Pipe>> | undefined = this.trie.root;
    let i = 0;
    while (node && node.live > 0) {
      if (node.value !== undefined) for (const p of node.value) fn(p);
      if (i >= data.length || !node.children) return;
      node = node.children.get(data[i++]!);
    }
  }

  /** True when the pipe has any subscription. */
  hasAny(pipe: Pipe): boolean {
    return (this.byPipe.get(pipe)?.size ?? 0) > 0;
  }
}

/** XSUB's subscriptions: prefix -> how many times it was subscribed. */
export class CountedTrie {
  private readonly trie = new PrefixTrie<number>();

  /** Counts a subscription; true when it is the prefix's first. */
  add(prefix: Uint8Array): boolean {
    const n = this.trie.get(prefix) ?? 0;
    this.trie.set(prefix, n + 1);
    return n === 0;
  }

  /** Uncounts one; true when the count reached 0 (the prefix is gone). */
  remove(prefix: Uint8Array): boolean {
    const n = this.trie.get(prefix);
    if (n === undefined) return false;
    this.trie.set(prefix, n > 1 ? n - 1 : undefined);
    return n === 1;
  }

  /** True when some subscription is a prefix of `data`. */
  matches(data: Uint8Array): boolean {
    return this.trie.hasPrefixOf(data);
  }

  /** Every subscribed prefix once, in trie order (as libzmq re-sends them). */
  each(fn: (prefix: Uint8Array) => void): void {
    this.trie.each((prefix) => fn(prefix));
  }

  get empty(): boolean {
    return this.trie.empty;
  }
}

function key(prefix: Uint8Array): string {
  let s = "";
  for (let i = 0; i < prefix.length; i++) s += String.fromCharCode(prefix[i]!);
  return s;
}

function unkey(k: string): Uint8Array {
  const out = new Uint8Array(k.length);
  for (let i = 0; i < k.length; i++) out[i] = k.charCodeAt(i);
  return out;
}
