/**
 * JUnit XML for CI (`--junit FILE`): one `<testsuite>` per run, one `<testcase>` per claim, valid
 * against the schema Jenkins reads (results/testdata/junit-10.xsd), which GitLab, GitHub test
 * reporters and most others accept too.
 *
 * How a claim maps, and why: CI must fail exactly when zkcheck's exit code does (1 for a broken
 * promised claim, 2 for an unknown verdict), and a reader must still see what ZooKeeper does not
 * promise.
 * - promised, valid: a passing case.
 * - promised, INVALID: `<failure>` whose text is the explanation (the cycle, the ops) and the
 *   counterexample page's path.
 * - promised, unknown: `<error>`: the check could not decide (a budget, a crash), which is not a
 *   consistency failure but must not pass silently either.
 * - not promised (e.g. whole-history linearizability): valid is a passing case; INVALID or unknown
 *   is `<skipped>` with the note and the explanation. Skipped, not failed: ZooKeeper's documented
 *   guarantees allow it and the run's exit code ignores it; skipped, not passed: test reporters
 *   list skipped cases with their message, so the finding stays visible.
 * - a run without results.json (crashed or still running) gets one `<error>` case, `results`.
 * Run facts (workload, nemesis, ZooKeeper, seed, dir, report) are suite `<properties>`: junit-10.xsd
 * has no properties on a test case.
 */
import { join } from 'node:path';
import type { StoredClaim } from './report-html.js';
import {
  claimOutcome,
  counterexampleFile,
  nemesisLabel,
  runVerdict,
  workloadLabel,
  type CiRun,
} from './ci-run.js';

/** One `<testsuites>` document for the runs, in the order given. */
export function junitXml(runs: readonly CiRun[]): string {
  const suites = runs.map(suiteOf);
  const total = (key: keyof SuiteCounts) => suites.reduce((sum, suite) => sum + suite.counts[key], 0);
  const time = suites.reduce((sum, suite) => sum + suite.seconds, 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="zkcheck" tests="${total('tests')}" failures="${total('failures')}" errors="${total('errors')}" time="${seconds(time)}">`,
    ...suites.map((suite) => suite.xml),
    '</testsuites>',
    '',
  ].join('\n');
}

interface SuiteCounts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function suiteOf(run: CiRun): { xml: string; counts: SuiteCounts; seconds: number } {
  const { test, results } = run;
  const name = test.name ?? 'run';
  const classname = `zkcheck.${name}`;
  const cases: string[] = [];
  const counts: SuiteCounts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  if (!results) {
    counts.tests++;
    counts.errors++;
    const why = `no results.json: the run was not checked (status ${String(test.status ?? 'unknown')})`;
    cases.push(
      `    <testcase name="results" classname="${attr(classname)}">\n      <error type="not-checked" message="${attr(why)}"/>\n    </testcase>`,
    );
  }
  for (const claim of results?.claims ?? []) {
    counts.tests++;
    const outcome = claimOutcome(claim);
    if (outcome === 'broken') counts.failures++;
    if (outcome === 'unknown') counts.errors++;
    if (outcome === 'allowed-broken' || outcome === 'allowed-unknown') counts.skipped++;
    cases.push(claimCase(run, classname, claim));
  }
  if (results?.harnessError) {
    counts.tests++;
    counts.errors++;
    cases.push(
      `    <testcase name="harness" classname="${attr(classname)}">\n      <error type="harness-error" message="${attr(results.harnessError)}"/>\n    </testcase>`,
    );
  }
  if (results && (results.selfCheck ?? []).length > 0) {
    counts.tests++;
    counts.errors++;
    const problems = (results.selfCheck ?? []).join('\n');
    cases.push(
      `    <testcase name="self-check" classname="${attr(classname)}">\n      <error type="self-check" message="the history failed its self-check">${text(problems)}</error>\n    </testcase>`,
    );
  }
  const duration = results?.stats?.durationSeconds ?? 0;
  const properties: Array<[string, string]> = [
    ['verdict', runVerdict(run)],
    ['workload', workloadLabel(test)],
    ['nemesis', nemesisLabel(test)],
    ['zookeeper', test.zookeeper?.version ?? ''],
    ['provider', test.provider ?? ''],
    ['seed', test.seed === undefined ? '' : String(test.seed)],
    ['ops', String(results?.stats?.ops ?? '')],
    ['run', run.dir],
    ['report', join(run.dir, 'report.html')],
  ];
  const head =
    `  <testsuite name="${attr(name)}" tests="${counts.tests}" failures="${counts.failures}" errors="${counts.errors}" ` +
    `skipped="${counts.skipped}" time="${seconds(duration)}"${test.startedAt ? ` timestamp="${attr(test.startedAt)}"` : ''}>`;
  const props = [
    '    <properties>',
    ...properties.map(([key, value]) => `      <property name="${attr(key)}" value="${attr(value)}"/>`),
    '    </properties>',
  ];
  return {
    xml: [head, ...props, ...cases, '  </testsuite>'].join('\n'),
    counts,
    seconds: Number.isFinite(duration) && duration > 0 ? duration : 0,
  };
}

function claimCase(run: CiRun, classname: string, claim: StoredClaim): string {
  const title = claim.title ?? claim.claim;
  const open = `    <testcase name="${attr(title)}" classname="${attr(classname)}" time="${seconds((claim.ms ?? 0) / 1000)}">`;
  const evidence = evidenceText(run, claim);
  const cause = claim.cause ? `: ${claim.cause}` : '';
  const note = claim.note ? ` (${claim.note})` : '';
  let body: string;
  switch (claimOutcome(claim)) {
    case 'passed':
      body =
        claim.promised === false
          ? `      <system-out>${text(`not promised by ZooKeeper${note}`)}</system-out>`
          : '';
      break;
    case 'broken':
      body = `      <failure type="claim-broken" message="${attr(`${title}: INVALID${note}`)}">${text(evidence)}</failure>`;
      break;
    case 'unknown':
      body = `      <error type="claim-unknown" message="${attr(`${title}: unknown${cause}`)}">${text(evidence)}</error>`;
      break;
    case 'allowed-broken':
      body = `      <skipped type="not-promised" message="${attr(`not promised by ZooKeeper, and broken here${note}`)}">${text(evidence)}</skipped>`;
      break;
    case 'allowed-unknown':
      body = `      <skipped type="not-promised" message="${attr(`not promised by ZooKeeper, and unknown here${cause}`)}"/>`;
      break;
  }
  return body === '' ? `${open.slice(0, -1)}/>` : `${open}\n${body}\n    </testcase>`;
}

function evidenceText(run: CiRun, claim: StoredClaim): string {
  const lines = [...(claim.explanation ?? [])];
  const page = counterexampleFile(run.dir, claim);
  if (page) lines.push(`counterexample: ${join(run.dir, page)}`);
  return lines.join('\n');
}

/** Seconds as the schema's SUREFIRE_TIME takes them: digits and a dot, never an exponent. */
function seconds(value: number): string {
  return Number.isFinite(value) && value > 0 ? value.toFixed(3) : '0.000';
}

/**
 * Characters XML 1.0 cannot hold at all (C0 controls but tab, newline and return; lone
 * surrogates; U+FFFE and U+FFFF) are written as `\uXXXX`: no escape makes them legal.
 */
const NOT_XML =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function clean(value: string): string {
  return value.replace(NOT_XML, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Element text. */
function text(value: string): string {
  return clean(value).replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}

/** An attribute value in double quotes; newlines and tabs as references, or parsers fold them to spaces. */
function attr(value: string): string {
  return clean(value).replace(
    /[&<>"'\n\r\t]/g,
    (c) =>
      ({
        '&': '&amp;',
        '<': '&lt;',
        '>': '&gt;',
        '"': '&quot;',
        "'": '&apos;',
        '\n': '&#10;',
        '\r': '&#13;',
        '\t': '&#9;',
      })[c]!,
  );
}
