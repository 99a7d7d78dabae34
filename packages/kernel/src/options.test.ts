import { describe, expect, it } from "vitest";
import { baseOptions } from "./base-options.js";
import { OptionStore } from "./options.js";

const defaults = Object.fromEntries(Object.entries(baseOptions).map(([name, spec]) => [name, spec.default]));

describe("OptionStore", () => {
  it("refuses a value of the wrong type with zeromq.js's TypeError, explained in detail", () => {
    const o = new OptionStore(baseOptions, defaults);
    const e = (() => {
      try {
        o.set("linger", "x");
      } catch (error) {
        return error as TypeError & { detail?: string };
      }
    })();
    expect(e).toBeInstanceOf(TypeError);
    expect(e!.message).toBe("Option value must be a number");
    expect(e!.detail).toBe(`Invalid value for option 'linger': "x" (expected a number)`);
    expect(() => o.set("immediate", 1)).toThrow(new TypeError("Option value must be a boolean"));
    expect(() => o.set("zapDomain", 5)).toThrow(new TypeError("Option value must be a string or buffer"));
    expect(() => o.set("bogus", 5)).toThrow(new TypeError("Cannot add property bogus, object is not extensible"));
  });

  it("truncates a fractional number as zeromq.js does, and reads a Buffer for a text option as its text", () => {
    const o = new OptionStore(baseOptions, defaults);
    o.set("linger", 1.9);
    expect(o.get("linger")).toBe(1);
    o.set("zapDomain", new TextEncoder().encode("global"));
    expect(o.get("zapDomain")).toBe("global");
    o.set("routingId", new Uint8Array([0, 1]));
    expect(o.get("routingId")).toEqual(new Uint8Array([0, 1]));
  });

  it("validates ranges with EINVAL naming the option and the value", () => {
    const o = new OptionStore(baseOptions, defaults);
    expect(() => o.set("linger", -2)).toThrow(expect.objectContaining({ detail: expect.stringContaining(`Invalid value for option 'linger': -2`) }));
    expect(() => o.set("heartbeatTimeToLive", 6553600)).toThrow(expect.objectContaining({ detail: expect.stringMatching(/6553600/) }));
    expect(() => o.set("routingId", "")).toThrow(expect.objectContaining({ detail: expect.stringMatching(/1 to 255 bytes/) }));
    expect(() => o.set("routingId", "x".repeat(256))).toThrow(expect.objectContaining({ detail: expect.stringMatching(/routingId/) }));
    o.set("routingId", new Uint8Array([0, 1]));
    o.set("immediate", true);
    expect(o.get("immediate")).toBe(true);
  });
});
