/** The launcher: the fault proxy runs as a labelled child process that never outlives its parent. */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  FAULT_PROXY_MARKER,
  findFaultProxyProcesses,
  isProcessAlive,
  startFaultProxyServer,
  sweepOrphanedFaultProxies,
} from './server.js';
import { sleep, TestServer } from './test-support.js';

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const serverModule = pathToFileURL(fileURLToPath(new URL('./server.ts', import.meta.url))).href;
const mainFile = fileURLToPath(new URL('./main.ts', import.meta.url));

async function waitUntilDead(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return true;
    await sleep(50);
  }
  return !isProcessAlive(pid);
}

/** Runs node with tsx, collecting stdout lines as they come. */
function runNode(args: string[]) {
  const child = spawn(process.execPath, ['--import', tsxLoader, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

describe('startFaultProxyServer', () => {
  it('starts a labelled child that answers /version, and stop() ends it', async () => {
    const server = await startFaultProxyServer({ label: 'server-test-basic' });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(server.pid).not.toBe(process.pid);
      expect(isProcessAlive(server.pid)).toBe(true);
      const response = await fetch(`${server.url}/version`);
      expect(response.status).toBe(200);
      const listed = findFaultProxyProcesses().find((found) => found.pid === server.pid);
      expect(listed).toEqual({
        pid: server.pid,
        label: 'server-test-basic',
        parentPid: process.pid,
        orphaned: false,
      });
    } finally {
      await server.stop();
    }
    expect(isProcessAlive(server.pid)).toBe(false);
    await server.stop(); // idempotent
    await expect(fetch(`${server.url}/version`)).rejects.toThrow();
  });

  it('is AsyncDisposable', async () => {
    const server = await startFaultProxyServer({ label: 'server-test-dispose' });
    await server[Symbol.asyncDispose]();
    expect(isProcessAlive(server.pid)).toBe(false);
  });

  it('exits by itself when its parent is killed with SIGKILL', async () => {
    const code = `
      const { startFaultProxyServer } = await import(${JSON.stringify(serverModule)});
      const server = await startFaultProxyServer({ label: 'server-test-orphan' });
      console.log(JSON.stringify({ pid: server.pid }));
      setInterval(() => {}, 1000);`;
    const parent = runNode(['--input-type=module', '-e', code]);
    let childPid = 0;
    try {
      const deadline = Date.now() + 20_000;
      while (!parent.stdout().includes('\n') && Date.now() < deadline) await sleep(50);
      childPid = (JSON.parse(parent.stdout().split('\n')[0]!) as { pid: number }).pid;
      expect(isProcessAlive(childPid)).toBe(true);
    } finally {
      parent.child.kill('SIGKILL');
      await parent.exited;
    }
    expect(await waitUntilDead(childPid, 3_000)).toBe(true);
  });

  it('fails with a clear error when the port is taken, leaving no process', async () => {
    const busy = await TestServer.start('record');
    try {
      await expect(startFaultProxyServer({ port: busy.port, label: 'server-test-busy' })).rejects.toThrow(
        /exited \(code 1\) before it was ready.*EADDRINUSE/s,
      );
      expect(findFaultProxyProcesses().filter((found) => found.label === 'server-test-busy')).toEqual([]);
    } finally {
      await busy.close();
    }
  });

  it('refuses a non-loopback host before starting anything', async () => {
    await expect(startFaultProxyServer({ host: '0.0.0.0' })).rejects.toThrow('is not a loopback host:port');
  });
});

describe('the fault proxy process', () => {
  it('exits 254 with a one-line error on a bad flag', async () => {
    const run = runNode([mainFile, FAULT_PROXY_MARKER, '--port', 'eighty']);
    expect(await run.exited).toBe(254);
    expect(run.stderr().trim()).toBe('zkcheck-proxy: --port must be an integer from 0 to 65535, got eighty');
  });

  it('can be found and swept when its parent is gone', async () => {
    // A pid that is not our parent's: the process counts as orphaned from the start.
    const run = runNode([
      mainFile,
      FAULT_PROXY_MARKER,
      '--port',
      '0',
      '--label',
      'server-test-sweep',
      '--parent-pid',
      '1',
    ]);
    try {
      const deadline = Date.now() + 20_000;
      while (!run.stdout().includes('ready') && Date.now() < deadline) await sleep(50);
      const stray = findFaultProxyProcesses().find((found) => found.label === 'server-test-sweep');
      expect(stray).toMatchObject({ pid: run.child.pid, parentPid: 1, orphaned: true });
      expect(sweepOrphanedFaultProxies({ label: 'server-test-sweep' })).toEqual([run.child.pid]);
      expect(await run.exited).toBe(null); // killed by a signal
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});
