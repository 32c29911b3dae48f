/**
 * The TLS certificate for https and wss: the configured PEM pair, or a self-signed one generated at
 * first start and kept beside the records so browsers can be told to trust it once.
 */
import { webcrypto, X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export interface PemPair {
  cert: string;
  key: string;
}

function toPem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString("base64").replace(/(.{64})/g, "$1\n");
  return `-----BEGIN ${label}-----\n${b64.trimEnd()}\n-----END ${label}-----\n`;
}

export async function generateSelfSigned(commonName: string): Promise<PemPair> {
  // loaded here, not at start: about 15 MB that only a first start without a certificate needs
  const x509 = await import("@peculiar/x509");
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString("hex"),
    name: `CN=${commonName}`,
    notBefore: new Date(now - 86_400_000),
    notAfter: new Date(now + 825 * 86_400_000),
    keys: keys as unknown as CryptoKeyPair,
    signingAlgorithm: alg,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: "dns", value: "localhost" }, { type: "ip", value: "127.0.0.1" }])],
  });
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  return { cert: cert.toString("pem") + "\n", key: toPem("PRIVATE KEY", pkcs8) };
}

/** The configured pair, else the generated pair at `generatedPath`(.crt/.key), made when absent. */
export async function loadOrCreateCertificate(certFile: string, keyFile: string, generatedPath: string): Promise<PemPair> {
  if (certFile !== "" || keyFile !== "") {
    return { cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") };
  }
  const crt = `${generatedPath}.crt`;
  const key = `${generatedPath}.key`;
  if (existsSync(crt) && existsSync(key)) return { cert: readFileSync(crt, "utf8"), key: readFileSync(key, "utf8") };
  const pair = await generateSelfSigned("transpond");
  mkdirSync(dirname(crt), { recursive: true });
  writeFileSync(crt, pair.cert);
  writeFileSync(key, pair.key, { mode: 0o600 });
  return pair;
}

export interface CertificateInfo {
  /** the PEM file browsers are shown */
  readonly file: string;
  /** the self-signed one made at first start, not the operator's */
  readonly generated: boolean;
  /** SHA-256 fingerprint, colon-separated hex as browsers show it */
  readonly sha256: string;
}

/** What the start banner says about the certificate in use (after loadOrCreateCertificate made it). */
export function certificateInfo(certFile: string, generatedPath: string): CertificateInfo {
  const file = certFile !== "" ? certFile : `${generatedPath}.crt`;
  return { file, generated: certFile === "", sha256: new X509Certificate(readFileSync(file)).fingerprint256 };
}
