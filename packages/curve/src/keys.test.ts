// CURVE keys as users give them (keys.ts): Z85 key pairs, the public key of a
// secret key, the checks on option values (which never echo a secret), and
// curveAllowList, the ZAP decision for a set of client keys.
import { ZmqError } from "@zmq/kernel";
import { errorCode } from "@zmq/kernel/testing";
import { z85Decode, z85Encode } from "@zmq/wire";
import { describe, expect, it } from "vitest";
import { publicKeyOf } from "./box.js";
import { curveKeyPair, curvePublicKey } from "./index.js";
import { curveAllowList, keyBytes, keyProblem } from "./keys.js";

const Z85 = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

/** The example key pairs of libzmq's zmq_curve(7) page and RFC 26's tests. */
const CLIENT = { publicKey: "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID", secretKey: "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs" };
const SERVER = { publicKey: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", secretKey: "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6" };

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("curveKeyPair and curvePublicKey", () => {
  it("gives 40-character Z85 keys whose public key is curvePublicKey(secret)", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const { publicKey, secretKey } = curveKeyPair();
      expect(publicKey).toMatch(Z85);
      expect(secretKey).toMatch(Z85);
      expect(curvePublicKey(secretKey)).toBe(publicKey);
      expect(curvePublicKey(z85Decode(secretKey))).toBe(publicKey);
      expect(z85Encode(publicKeyOf(z85Decode(secretKey)))).toBe(publicKey);
      seen.add(secretKey);
    }
    expect(seen.size).toBe(50);
  });

  it("matches libzmq's documented example key pairs", () => {
    expect(curvePublicKey(CLIENT.secretKey)).toBe(CLIENT.publicKey);
    expect(curvePublicKey(SERVER.secretKey)).toBe(SERVER.publicKey);
  });

  it("refuses a secret key that is not a key with EINVAL, without repeating it", () => {
    const secret = CLIENT.secretKey.slice(0, 39);
    const bad: unknown[] = [secret, `${CLIENT.secretKey}x`, CLIENT.secretKey.replace("D", "~"), new Uint8Array(31), "", 42];
    for (const value of bad) {
      const error = thrown(() => curvePublicKey(value as string));
      expect(error).toBeInstanceOf(ZmqError);
      expect(errorCode(error)).toBe("EINVAL");
      if (typeof value === "string" && value.length > 0) expect((error as Error).message).not.toContain(value);
    }
  });
});

describe("keyProblem", () => {
  it("accepts 40 Z85 characters and 32 bytes", () => {
    expect(keyProblem(CLIENT.secretKey)).toBeUndefined();
    expect(keyProblem(new Uint8Array(32))).toBeUndefined();
    expect(keyProblem(Buffer.alloc(32))).toBeUndefined();
  });

  it("says what is wrong, never the value itself", () => {
    const secret = "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3";
    const cases: [unknown, RegExp][] = [
      [secret.slice(0, 39), /40-character Z85.*39/],
      [`${secret}!`, /40-character Z85.*41/],
      [secret.replace("-", "~"), /40-character Z85.*40/], // a character outside the alphabet
      [secret.replace("-", " "), /40-character Z85/],
      [new Uint8Array(33), /32 bytes.*33/],
      [new Uint8Array(0), /32 bytes.*0/],
      [12345, /Z85 string or 32 bytes/],
      [undefined, /Z85 string or 32 bytes/],
      [{ key: secret }, /Z85 string or 32 bytes/],
      [[...new Uint8Array(32)], /Z85 string or 32 bytes/],
    ];
    for (const [value, pattern] of cases) {
      const problem = keyProblem(value);
      expect(problem, String(value)).toMatch(pattern);
      expect(problem).not.toContain("s3cr3t");
      expect(problem).not.toContain("12345");
    }
  });

  it("keyBytes gives the 32 bytes of either form", () => {
    const bytes = z85Decode(SERVER.publicKey);
    expect(keyBytes(SERVER.publicKey)).toEqual(bytes);
    expect(keyBytes(bytes)).toBe(bytes);
  });
});

describe("curveAllowList", () => {
  const allowed = curveKeyPair();
  const other = curveKeyPair();
  const request = (key: Uint8Array | undefined, mechanism = "CURVE") => ({ mechanism, credentials: key ? [key] : [] });

  it("lets in the listed keys, given as Z85 or as bytes, with the Z85 key as user id", () => {
    const decide = curveAllowList([allowed.publicKey, z85Decode(SERVER.publicKey)]);
    expect(decide(request(z85Decode(allowed.publicKey)))).toEqual({ status: "200", userId: allowed.publicKey });
    expect(decide(request(z85Decode(SERVER.publicKey)))).toEqual({ status: "200", userId: SERVER.publicKey });
  });

  it("refuses other keys, other mechanisms, and missing or malformed credentials with 400", () => {
    const decide = curveAllowList(new Set([allowed.publicKey]));
    const key = z85Decode(allowed.publicKey);
    expect(decide(request(z85Decode(other.publicKey)))).toEqual({ status: "400" });
    expect(decide(request(key, "PLAIN"))).toEqual({ status: "400" });
    expect(decide(request(key, "curve"))).toEqual({ status: "400" });
    expect(decide(request(undefined))).toEqual({ status: "400" });
    expect(decide(request(key.subarray(0, 31)))).toEqual({ status: "400" });
    const longer = new Uint8Array(33);
    longer.set(key);
    expect(decide(request(longer))).toEqual({ status: "400" });
  });

  it("an empty list refuses everyone", () => {
    expect(curveAllowList([])(request(z85Decode(allowed.publicKey)))).toEqual({ status: "400" });
  });

  it("throws EINVAL for a listed value that is not a key, without repeating it", () => {
    const error = thrown(() => curveAllowList([allowed.publicKey, "not-a-key-but-maybe-a-secret"]));
    expect(errorCode(error)).toBe("EINVAL");
    expect((error as Error).message).not.toContain("maybe-a-secret");
    expect(errorCode(thrown(() => curveAllowList([new Uint8Array(16)])))).toBe("EINVAL");
  });
});
