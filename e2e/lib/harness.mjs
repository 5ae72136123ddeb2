// Starts the real `containment` binary on a free port against a fresh database, and Debian's
// Chromium through playwright-core. Every suite runs once per backend: SQLite always, and
// PostgreSQL when TEST_DATABASE_URL is set.

import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
export const BINARY = process.env.CONTAINMENT_BIN ?? join(root, 'target', 'debug', 'containment');
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** The backends to run on. */
export function backends() {
  return process.env.TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

/** Why browser tests cannot run here, or null. Outside CI a missing browser skips; in CI it fails. */
export function browserUnavailable() {
  if (existsSync(CHROMIUM)) return null;
  const reason = `Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`;
  if (IN_CI) throw new Error(`${reason}: browser tests are mandatory in CI`);
  return reason;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function postgresUrlFor(name) {
  const url = new URL(process.env.TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

function psql(sql) {
  execFileSync('psql', [process.env.TEST_DATABASE_URL, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/**
 * Starts the server; resolves once /readyz answers 200. With `demo: N` the database is first
 * filled with the demo data of N supervisees; `demoAccounts` then maps each role's name as the
 * demo prints it ("Supervising officer") to its e-mail, and `demoPassword` is their password.
 */
export async function startServer(backend, { demo } = {}) {
  if (!existsSync(BINARY)) {
    throw new Error(`${BINARY} does not exist: run cargo build first`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'containment-e2e-'));
  const env = { ...process.env, CONTAINMENT_DATA_DIR: dataDir, CONTAINMENT_LOG: 'warn' };
  delete env.DATABASE_URL;
  let pgName = null;
  if (backend === 'postgres') {
    pgName = `containment_e2e_${randomBytes(8).toString('hex')}`;
    psql(`CREATE DATABASE "${pgName}"`);
    env.DATABASE_URL = postgresUrlFor(pgName);
  }
  let demoAccounts = {};
  let demoPassword;
  if (demo) {
    const printed = execFileSync(BINARY, ['demo', '--supervisees', String(demo)], {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demoPassword = /password:\s+(.+)$/m.exec(printed)?.[1]?.trim();
    for (const m of printed.matchAll(/^\s+(\S.*?\S)\s{2,}(\S+@\S+)$/gm)) demoAccounts[m[1]] = m[2];
  }
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(BINARY, ['serve', '--listen', `127.0.0.1:${port}`], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk.toString();
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${stderr}`);
    try {
      const res = await fetch(`${baseUrl}/readyz`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server not ready within 60 s:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // Standard error is a pipe here, not a terminal: the server leaves the first administrator's
  // one-time password in a private file of the data folder instead of printing it.
  const passwordFile = join(dataDir, 'first-admin-password.txt');
  const handedOver = existsSync(passwordFile) ? readFileSync(passwordFile, 'utf8') : '';
  const admin = {
    email: /e-mail:\s+(\S+)/.exec(handedOver)?.[1],
    password: /one-time password:\s+(\S+)/.exec(handedOver)?.[1],
  };
  return {
    baseUrl,
    admin,
    demoAccounts,
    demoPassword,
    stderr: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(dataDir, { recursive: true, force: true });
      if (pgName) psql(`DROP DATABASE IF EXISTS "${pgName}" WITH (FORCE)`);
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A new page that records what went wrong while it was used: console errors (CSP violations
 * among them), uncaught exceptions, and any request that failed or answered 4xx/5xx.
 */
export async function newWatchedPage(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`exception: ${err.message}`));
  page.on('requestfailed', (req) => {
    // A request the browser itself abandoned because the page navigated on is not a failure
    // of the server; anything else (refused, reset, blocked) is.
    if (req.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.push(`failed: ${req.url()} (${req.failure()?.errorText})`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400 && res.request().resourceType() !== 'document') {
      problems.push(`${res.status()}: ${res.url()}`);
    }
  });
  return { page, problems, close: () => context.close() };
}

/** axe violations for the WCAG 2.1 A and AA tags, as readable lines. */
export async function accessibilityViolations(page) {
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  return results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}
