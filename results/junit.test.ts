import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCiRun } from './ci-run.js';
import { storeFixtureRun, tempDir, TESTDATA } from './ci-testing.js';
import { junitXml } from './junit.js';

const XSD = join(TESTDATA, 'junit-10.xsd');
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
// Under CI the schema check must run (scripts/setup.sh installs libxml2-utils); elsewhere it may skip.
const withXmllint = hasXmllint || process.env.CI === 'true' ? it : it.skip;

const work = tempDir('junit');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** xmllint's verdict on a document against junit-10.xsd: '' when valid, its complaints otherwise. */
function schemaErrors(xml: string, name: string): string {
  const file = join(work, `${name}.xml`);
  writeFileSync(file, xml);
  const result = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
  if (result.error) throw result.error;
  return result.status === 0 ? '' : result.stderr;
}

function xpath(xml: string, name: string, expr: string): string {
  const file = join(work, `${name}.xml`);
  writeFileSync(file, xml);
  // xmllint ends what it prints with one newline of its own.
  return execFileSync('xmllint', ['--xpath', expr, file], { encoding: 'utf8' }).replace(/\n$/, '');
}

const NASTY = 'a<b>&"c\' ]]> \u0001 \ud800 |pipe| `tick`\nline two';

function brokenRun(): string {
  const dir = storeFixtureRun(
    work,
    'run-partition-leader',
    { testName: 'nasty', timestamp: '20261205T130000.000Z' },
    {
      test: (t) => {
        t.name = `nasty ${NASTY}`;
      },
      results: (r) => {
        r.valid = false;
        const claims = r.claims as Array<Record<string, unknown>>;
        // A promised claim broken, with an explanation full of characters XML must escape.
        claims[0]!.valid = false;
        claims[0]!.title = `writes ${NASTY}`;
        claims[0]!.explanation = ['process 3 read <nil> & then "1"', `odd: ${NASTY}`];
        // A promised claim the checker could not decide.
        claims[1]!.valid = 'unknown';
        claims[1]!.cause = 'time budget (120 s) spent';
      },
    },
  );
  return dir;
}

describe('junitXml', () => {
  withXmllint('validates against junit-10.xsd for the stored runs: a suite per run, a case per claim', () => {
    const runs = ['run-partition-leader', 'run-partition-pause'].map((name) =>
      readCiRun(join(TESTDATA, name)),
    );
    const xml = junitXml(runs);
    expect(schemaErrors(xml, 'fixtures')).toBe('');
    expect(xpath(xml, 'fixtures', 'count(/testsuites/testsuite)')).toBe('2');
    expect(xpath(xml, 'fixtures', 'count(/testsuites/testsuite[1]/testcase)')).toBe('5');
    // Both fixtures break only the unpromised whole-history claim: skipped, with its evidence, no failure.
    expect(xpath(xml, 'fixtures', 'count(//failure)')).toBe('0');
    expect(xpath(xml, 'fixtures', 'string(/testsuites/testsuite[1]/@skipped)')).toBe('1');
    const skipped = xpath(xml, 'fixtures', 'string(//testcase[@name="whole history linearizable"]/skipped)');
    expect(skipped).toContain('no order allows it');
    expect(skipped).toContain('counterexamples/linearizable.html');
  });

  withXmllint(
    'writes a broken promised claim as a failure carrying its explanation, escaped and still valid',
    () => {
      const xml = junitXml([readCiRun(brokenRun())]);
      expect(schemaErrors(xml, 'nasty')).toBe('');
      expect(xpath(xml, 'nasty', 'string(/testsuites/testsuite/@failures)')).toBe('1');
      expect(xpath(xml, 'nasty', 'string(/testsuites/testsuite/@errors)')).toBe('1');
      const failure = xpath(xml, 'nasty', 'string(//failure)');
      expect(failure).toContain('process 3 read <nil> & then "1"');
      // Characters XML cannot hold come back as \uXXXX, the rest exactly.
      expect(failure).toContain('a<b>&"c\' ]]> \\u0001 \\ud800 |pipe|');
      expect(xpath(xml, 'nasty', 'string(//failure/@message)')).toContain('writes a<b>&"c');
      expect(xpath(xml, 'nasty', 'string(//error/@message)')).toBe(
        'reads sequentially consistent: unknown: time budget (120 s) spent',
      );
      expect(xpath(xml, 'nasty', 'string(/testsuites/testsuite/@name)')).toBe(
        'nasty a<b>&"c\' ]]> \\u0001 \\ud800 |pipe| `tick`\nline two',
      );
    },
  );

  withXmllint('gives a run without results.json one error case, and stays valid', () => {
    const dir = storeFixtureRun(
      work,
      'run-partition-pause',
      { testName: 'running', timestamp: '20261205T130000.000Z' },
      {
        test: (t) => {
          t.status = 'running';
        },
      },
    );
    rmSync(join(dir, 'results.json'));
    const xml = junitXml([readCiRun(dir)]);
    expect(schemaErrors(xml, 'running')).toBe('');
    expect(xpath(xml, 'running', 'string(//testcase/error/@message)')).toContain('status running');
  });

  withXmllint('the schema check catches a document CI would reject (the twin of the valid ones)', () => {
    const xml = junitXml([readCiRun(join(TESTDATA, 'run-partition-leader'))]);
    // Without the required `failures` attribute, and with an exponent time, Jenkins' schema refuses it.
    const bad = xml.replace(/ failures="\d+"(?= errors)/, '').replace(/time="[\d.]+"/, 'time="1e-3"');
    expect(bad).not.toBe(xml);
    expect(schemaErrors(bad, 'bad')).toMatch(/failures|time/);
  });

  it('keeps the fixture schema where the test expects it', () => {
    expect(existsSync(XSD)).toBe(true);
    expect(readFileSync(XSD, 'utf8')).toContain('<xs:element name="testsuites">');
  });
});
