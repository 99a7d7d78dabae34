import { describe, expect, it } from "vitest";
import { baseOptions } from "./base-options.js";
import { OptionStore } from "./options.js";

const defaults = Object.fromEntries(Object.entries(baseOptions).map(([name, spec]) => [name, spec.default]));

describe("OptionStore", () => {
  it("validates with EINVAL naming the option and the value", () => {
    const o = new OptionStore(baseOptions, defaults);
    expect(() => o.set("linger", "x")).toThrow(`Invalid value for option 'linger': "x"`);
    expect(() => o.set("heartbeatTimeToLive", 6553600)).toThrow(/6553600/);
    expect(() => o.set("routingId", "")).toThrow(/1 to 255 bytes/);
    expect(() => o.set("routingId", "x".repeat(256))).toThrow(/routingId/);
    o.set("routingId", new Uint8Array([0, 1]));
    o.set("immediate", true);
    expect(o.get("immediate")).toBe(true);
    expect(() => o.set("immediate", 1)).toThrow(/true or false/);
  });
});
