/**
 * `--junit FILE` and `--summary FILE` for `run` and `analyze`:
 *
 *   writeCiOutputs({ junit: 'zkcheck.xml', summary: process.env.GITHUB_STEP_SUMMARY }, [runDir]);
 *
 * reads each run dir's test.json and results.json and writes the JUnit file whole and APPENDS the
 * summary: $GITHUB_STEP_SUMMARY is shared by every command of a step, and GitHub's own convention
 * is `>>`. A run dir without test.json is a StoreError (one line; exit 254).
 */
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { readCiRun } from './ci-run.js';
import { junitXml } from './junit.js';
import { summaryMarkdown } from './summary.js';

export interface CiOutputFiles {
  junit?: string;
  summary?: string;
}

/** The files written, absolute. */
export function writeCiOutputs(files: CiOutputFiles, runDirs: readonly string[]): string[] {
  if (files.junit === undefined && files.summary === undefined) return [];
  const runs = runDirs.map(readCiRun);
  const written: string[] = [];
  if (files.junit !== undefined) {
    const path = resolve(files.junit);
    mkdirSync(dirname(path), { recursive: true });
    // Whole, then renamed: a CI step that reads it never sees half a file.
    const partial = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
    writeFileSync(partial, junitXml(runs));
    renameSync(partial, path);
    written.push(path);
  }
  if (files.summary !== undefined) {
    const path = resolve(files.summary);
    mkdirSync(dirname(path), { recursive: true });
    appendFileSync(
      path,
      `${summaryMarkdown(runs, { linkFrom: dirname(path), artifactsUrl: githubRunUrl() })}\n`,
    );
    written.push(path);
  }
  return written;
}

/** In GitHub Actions, the workflow run's page, where uploaded run dirs are listed as artifacts. */
function githubRunUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: id } = env;
  return server && repo && id ? `${server}/${repo}/actions/runs/${id}#artifacts` : undefined;
}
