// Starts the real filmdex binary on the bundled sample for the test (`filmdex up --sample` in a
// fresh workdir, on a free loopback port) and stops it afterwards. FILMDEX_E2E_URL points the
// test at a server that is already running instead (for example `npm run mock` while developing).
import { spawn } from "node:child_process";
import { access, constants, mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const READY_TIMEOUT_MS = 300_000;

/** The binary: $FILMDEX_BIN, else $CARGO_TARGET_DIR/release/filmdex (~/.cache/filmdex-target). */
export function binaryPath() {
  if (process.env.FILMDEX_BIN) return process.env.FILMDEX_BIN;
  const target = process.env.CARGO_TARGET_DIR || path.join(os.homedir(), ".cache", "filmdex-target");
  return path.join(target, "release", "filmdex");
}

/** A port nothing listens on right now (the OS picks it; the server then binds it). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves to `{ origin, stop(), log() }` once `/readyz` answers 200. */
export async function startServer() {
  if (process.env.FILMDEX_E2E_URL) {
    const origin = new URL(process.env.FILMDEX_E2E_URL).origin;
    await waitReady(origin, null, () => "");
    return { origin, stop: async () => {}, log: () => "" };
  }
  const binary = binaryPath();
  try {
    await access(binary, constants.X_OK);
  } catch {
    throw new Error(
      `no filmdex binary at ${binary}: build it with ` +
        "`CARGO_TARGET_DIR=$HOME/.cache/filmdex-target cargo build --release -p filmdex`, or set FILMDEX_BIN",
    );
  }
  const workdir = await mkdtemp(path.join(os.tmpdir(), "filmdex-e2e-"));
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const args = ["up", "--sample", "--workdir", workdir, "--host", "127.0.0.1", "--port", String(port)];
  const child = spawn(binary, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn" },
  });
  const lines = [];
  const keep = (chunk) => {
    lines.push(...chunk.toString().split("\n").filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 200));
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const log = () => lines.join("\n");
  try {
    await waitReady(origin, child, log);
  } catch (error) {
    child.kill("SIGKILL");
    await rm(workdir, { recursive: true, force: true });
    throw error;
  }
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(workdir, { recursive: true, force: true });
  };
  return { origin, stop, log };
}

async function waitReady(origin, child, log) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      throw new Error(`filmdex exited with ${child.exitCode} before it was ready:\n${log()}`);
    }
    try {
      const response = await fetch(`${origin}/readyz`);
      if (response.ok) return;
    } catch {
      // Not listening yet: the sample is still being built.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`filmdex was not ready at ${origin} within ${READY_TIMEOUT_MS / 1000} s:\n${log()}`);
}
