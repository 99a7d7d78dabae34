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

/**
 * A trie node. Its children sit in a table indexed by byte - `min`, which
 * spans only the bytes from the lowest child to the highest (as libzmq's
 * trie keeps them): one array read per byte of a message, and at most 256
 * slots per node.
 */
interface Node<T> {
  value: T | undefined;
  /** children[b - min] is the child for byte b (undefined where there is none); undefined without children. */
  children: (Node<T> | undefined)[] | undefined;
  min: number;
  /** How many children `children` holds. */
  count: number;
  /** How many nodes below (or at) this one hold a value: prunes dead branches. */
  live: number;
}

const newNode = <T>(): Node<T> => ({ value: undefined, children: undefined, min: 0, count: 0, live: 0 });

/** The child for byte b, if any. */
function childOf<T>(node: Node<T>, b: number): Node<T> | undefined {
  const children = node.children;
  if (children === undefined) return undefined;
  const i = b - node.min;
  return i >= 0 && i < children.length ? children[i] : undefined;
}

function addChild<T>(node: Node<T>, b: number, child: Node<T>): void {
  const children = node.children;
  if (children === undefined) {
    node.children = [child];
    node.min = b;
  } else if (b < node.min) {
    // Widen the table downwards to b.
    const grown = new Array<Node<T> | undefined>(node.min - b + children.length).fill(undefined);
    for (let i = 0; i < children.length; i++) grown[node.min - b + i] = children[i];
    grown[0] = child;
    node.children = grown;
    node.min = b;
  } else {
    while (children.length <= b - node.min) children.push(undefined);
    children[b - node.min] = child;
  }
  node.count++;
}

function removeChild<T>(node: Node<T>, b: number): void {
  node.children![b - node.min] = undefined;
  if (--node.count === 0) node.children = undefined;
}

/** A byte trie with one value per prefix. */
class PrefixTrie<T> {
  /** Read by SubscriptionTrie.match, which walks it itself. */
  readonly root: Node<T> = newNode();

  /** The node for a prefix, made on the way if `create`. */
  private find(prefix: Uint8Array, create: boolean): Node<T> | undefined {
    let node = this.root;
    for (let i = 0; i < prefix.length; i++) {
      const b = prefix[i]!;
      let next = childOf(node, b);
      if (!next) {
        if (!create) return undefined;
        next = newNode<T>();
        addChild(node, b, next);
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
      let next = childOf(node, b);
      if (!next) {
        if (value === undefined) return;
        next = newNode<T>();
        addChild(node, b, next);
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
        removeChild(path[i - 1]!, prefix[i - 1]!);
      }
    }
  }

  /** True when some prefix of `data` has a value. */
  hasPrefixOf(data: Uint8Array): boolean {
    let node: Node<T> | undefined = this.root;
    let i = 0;
    while (node && node.live > 0) {
      if (node.value !== undefined) return true;
      if (i >= data.length) return false;
      node = childOf(node, data[i++]!);
    }
    return false;
  }

  /** Every prefix with a value, depth first in byte order. */
  each(fn: (prefix: Uint8Array, value: T) => void): void {
    const walk = (node: Node<T>, path: number[]) => {
      if (node.value !== undefined) fn(Uint8Array.from(path), node.value);
      const children = node.children;
      if (!children) return;
      for (let i = 0; i < children.length; i++) {
        const child = children[i];
        if (!child) continue;
        path.push(node.min + i);
        walk(child, path);
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
    // Walked here rather than through a callback per prefix: this runs for every message a publisher sends.
    let node: Node<Set<Pipe>> | undefined = this.trie.root;
    let i = 0;
    while (node && node.live > 0) {
      if (node.value !== undefined) for (const p of node.value) fn(p);
      if (i >= data.length) return;
      node = childOf(node, data[i++]!);
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
