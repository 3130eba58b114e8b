import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeFixtureRun, tempDir } from './ci-testing.js';
import { ServeError, startServe, type Serving } from './serve.js';

const LEADER = 'leader/20261205T130348.071Z';
const PAUSE = 'pause/20261205T131000.000Z';
const RUNNING = 'growing/20261205T140000.000Z';

let store: string;
let outside: string;
let serving: Serving;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with the path exactly as given (fetch would normalise `..` away before sending). */
function raw(path: string, options: { method?: string; host?: string } = {}): Promise<Reply> {
  const url = new URL(serving.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: options.method ?? 'GET',
        headers: { host: options.host ?? url.host },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The runs table's rows: [id, verdict]. */
function rowsOf(html: string): Array<[string, string]> {
  return [...html.matchAll(/<tr class="run" data-run="([^"]+)" data-verdict="([^"]+)"/g)].map((m) => [
    m[1]!,
    m[2]!,
  ]);
}

beforeAll(async () => {
  store = tempDir('serve');
  outside = tempDir('outside');
  writeFileSync(join(outside, 'secret.txt'), 'not yours');
  storeFixtureRun(store, 'run-partition-leader', { testName: 'leader', timestamp: '20261205T130348.071Z' });
  storeFixtureRun(
    store,
    'run-partition-pause',
    { testName: 'pause', timestamp: '20261205T131000.000Z' },
    {
      results: (r) => {
        r.valid = false;
      },
    },
  );
  // A run being written: test.json says running, no results.json.
  const running = storeFixtureRun(
    store,
    'run-partition-pause',
    { testName: 'growing', timestamp: '20261205T140000.000Z' },
    {
      test: (t) => {
        t.status = 'running';
        t.name = 'growing';
        delete t.endedAt;
      },
    },
  );
  rmSync(join(running, 'results.json'));
  // A run created a moment ago: no test.json yet.
  mkdirSync(join(store, 'fresh', '20261205T150000.000Z'), { recursive: true });
  symlinkSync(join(outside, 'secret.txt'), join(store, LEADER, 'escape.txt'));
  symlinkSync(outside, join(store, LEADER, 'escape-dir'));
  symlinkSync(LEADER.split('/')[1]!, join(store, 'leader', 'latest'));
  serving = await startServe({ store, port: 0 });
});

afterAll(async () => {
  await serving?.close();
  rmSync(store, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe('zkcheck serve: pages', () => {
  it('binds 127.0.0.1 unless told otherwise', () => {
    expect(serving.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('lists every run newest first with its verdict; a run being written shows as running', async () => {
    const page = await raw('/');
    expect(page.status).toBe(200);
    expect(rowsOf(page.body)).toEqual([
      ['fresh/20261205T150000.000Z', 'starting'],
      [RUNNING, 'running'],
      [PAUSE, 'INVALID'],
      [LEADER, 'valid'],
    ]);
    expect(page.body).toContain('partition,pause');
    expect(page.body).toContain('3.8.0-${mvngit.commit.id}');
    expect(page.body).toContain(`<a href="/runs/${LEADER}/">r-partition-leader</a>`);
  });

  it('filters by verdict, workload, nemesis and minimum ops', async () => {
    expect(rowsOf((await raw('/?verdict=INVALID')).body)).toEqual([[PAUSE, 'INVALID']]);
    expect(rowsOf((await raw('/?nemesis=partition-leader')).body)).toEqual([[LEADER, 'valid']]);
    expect(rowsOf((await raw('/?workload=register&verdict=valid')).body)).toEqual([[LEADER, 'valid']]);
    expect(rowsOf((await raw('/?minOps=1')).body).map(([id]) => id)).toEqual([PAUSE, LEADER]);
    expect(rowsOf((await raw('/?time=2026-11')).body)).toEqual([]);
  });

  it('shows a run dir with its report link and serves its files read-only, with their types', async () => {
    const dir = await raw(`/runs/${LEADER}/`);
    expect(dir.status).toBe(200);
    expect(dir.body).toContain('history.jsonl');
    const test = await raw(`/runs/${LEADER}/test.json`);
    expect(test.status).toBe(200);
    expect(test.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(test.body).toBe(readFileSync(join(store, LEADER, 'test.json'), 'utf8'));
    const head = await raw(`/runs/${LEADER}/history.jsonl`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBe(
      readFileSync(join(store, LEADER, 'history.jsonl')).length,
    );
    expect(head.body).toBe('');
    // Through the store's own `latest` link: inside the store, so served.
    expect((await raw('/runs/leader/latest/test.json')).status).toBe(200);
    expect((await raw(`/runs/${LEADER}`)).status).toBe(301);
  });

  it('compares two runs: claims side by side, throughput and latency overlaid', async () => {
    const page = await raw(`/compare?run=${LEADER}&run=${PAUSE}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>Compare 2 runs</h1>');
    expect(page.body.match(/<tr class="claim"/g)).toHaveLength(5);
    expect(page.body.match(/<svg/g)).toHaveLength(2);
    expect(page.body).toContain('r-partition-leader 2026-12-05T13:03:48.071Z');
    expect((await raw(`/compare?run=${LEADER}`)).status).toBe(400);
    expect((await raw(`/compare?run=${LEADER}&run=../../etc`)).status).toBe(404);
  }, 60_000);
});

describe('zkcheck serve: refusals', () => {
  it.each([
    ['/runs/../../etc/passwd'],
    ['/runs/%2e%2e/%2e%2e/etc/passwd'],
    [`/runs/${LEADER}/..%2f..%2f..%2fetc/passwd`],
    ['/runs//etc/passwd'],
    ['//etc/passwd'],
    ['/runs/./leader/'],
  ])('refuses %s', async (path) => {
    const reply = await raw(path);
    expect([400, 403]).toContain(reply.status);
    expect(reply.body).toMatch(/refused/);
    expect(reply.body).not.toContain('root:');
  });

  it('refuses an absolute request target', async () => {
    const reply = await raw('http://example.com/etc/passwd');
    expect(reply.status).toBe(400);
  });

  it('refuses symlinks that lead out of the store, file or directory', async () => {
    const file = await raw(`/runs/${LEADER}/escape.txt`);
    expect(file.status).toBe(403);
    expect(file.body).not.toContain('not yours');
    expect((await raw(`/runs/${LEADER}/escape-dir/secret.txt`)).status).toBe(403);
    expect((await raw(`/runs/${LEADER}/escape-dir/`)).status).toBe(403);
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])(
    'refuses %s, and the store is unchanged',
    async (method) => {
      const reply = await raw(`/runs/${LEADER}/test.json`, { method });
      expect(reply.status).toBe(405);
      expect(reply.headers.allow).toBe('GET, HEAD');
      expect(existsSync(join(store, LEADER, 'test.json'))).toBe(true);
    },
  );

  it('answers only requests addressed to a loopback name (DNS rebinding)', async () => {
    expect((await raw('/', { host: 'evil.example:8080' })).status).toBe(403);
    expect((await raw('/', { host: `localhost:${new URL(serving.url).port}` })).status).toBe(200);
  });

  it('hides dot-files (a writer’s temp files)', async () => {
    writeFileSync(join(store, LEADER, '.results.json.1.tmp'), '{');
    expect((await raw(`/runs/${LEADER}/.results.json.1.tmp`)).status).toBe(404);
  });
});

describe('zkcheck serve: while runs are written', () => {
  it('keeps serving a growing history and a half-written results.json, then shows the verdict', async () => {
    const dir = join(store, RUNNING);
    const history = join(dir, 'history.jsonl');
    const line = readFileSync(history, 'utf8').split('\n')[0]!;
    for (let i = 0; i < 20; i++) {
      appendFileSync(history, `${line}\n`);
      const [list, file] = await Promise.all([raw('/'), raw(`/runs/${RUNNING}/history.jsonl`)]);
      expect(list.status).toBe(200);
      expect(file.status).toBe(200);
      expect(file.body.length).toBe(Number(file.headers['content-length']));
    }
    // Mid-write (a reader racing a non-atomic writer): the row says unreadable, the page still works.
    writeFileSync(join(dir, 'results.json'), '{"valid": tr');
    expect(rowsOf((await raw('/')).body)).toContainEqual([RUNNING, 'unreadable']);
    writeFileSync(join(dir, 'results.json'), JSON.stringify({ valid: true, claims: [] }));
    expect(rowsOf((await raw('/')).body)).toContainEqual([RUNNING, 'valid']);
    rmSync(join(dir, 'results.json'));
  });
});

describe('startServe', () => {
  it('says in one line when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startServe({ store, port })).rejects.toThrow(ServeError);
      await expect(startServe({ store, port })).rejects.toThrow(
        `port ${port} on 127.0.0.1 is in use: choose another with --port`,
      );
    } finally {
      blocker.close();
    }
  });

  it('refuses a store that does not exist', async () => {
    await expect(startServe({ store: join(store, 'nope'), port: 0 })).rejects.toThrow(/^no run store at /);
  });
});
