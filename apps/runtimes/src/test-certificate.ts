/**
 * A self-signed certificate for 127.0.0.1 made for one test run (openssl,
 * P-256, valid one day), as PEM files in a temporary directory: servers bind
 * wss:// with it and clients trust exactly it (Node, Bun and Deno through
 * `wss({ tls: { ca } })`, Chromium through the SHA-256 of its public key).
 */
import { execFileSync } from "node:child_process";
import { X509Certificate, createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCertificate {
  readonly certPath: string;
  readonly keyPath: string;
  readonly cert: string;
  readonly key: string;
  /** base64 SHA-256 of the DER public key, for Chromium's --ignore-certificate-errors-spki-list. */
  readonly spki: string;
  /** What a scenario script reads to find the files (peer.mjs's tlsFile). */
  readonly env: Record<string, string>;
  remove(): void;
}

export function makeTestCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), "zmq-runtimes-tls-"));
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  execFileSync("openssl", [
    "req",
    ...["-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"],
    ...["-keyout", keyPath, "-out", certPath, "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
  ]);
  const cert = readFileSync(certPath, "utf8");
  const der = new X509Certificate(cert).publicKey.export({ type: "spki", format: "der" });
  return {
    certPath,
    keyPath,
    cert,
    key: readFileSync(keyPath, "utf8"),
    spki: createHash("sha256").update(der).digest("base64"),
    env: { ZMQ_TEST_TLS_CERT: certPath, ZMQ_TEST_TLS_KEY: keyPath },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
