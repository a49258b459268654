// The conformance suite (conformance/cases.mjs) as part of the test suite:
// every case must pass with ocirun. The same cases then run under runc
// (/usr/sbin/runc, the reference) for information only: its column is printed
// as comments and never fails this test (runc 1.1 predates several fields).
//
//   npx tap --disable-coverage test/conformance.test.mjs
//   node conformance/run.mjs --compare        # the same, as a table
import t from 'tap';
import * as fs from 'node:fs';
import { makeRoot, hasRunc, waitFor, PREFIX } from './lib/harness.mjs';
import { OCIRUN, RUNC, runCase } from '../conformance/lib.mjs';
import { cases } from '../conformance/cases.mjs';

const root = makeRoot(t);

// A container's init that died is reparented to pid 1, which may reap it a
// little later; until then the zombie still shows its (deleted) cgroup. Let
// that happen before the suite's leak check looks.
const ours = () => fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
  try {
    const cg = fs.readFileSync(`/proc/${p}/cgroup`, 'utf8');
    return cg.includes(`${PREFIX}-conf-`) && cg.includes(`-${process.pid}-`);
  } catch {
    return false;
  }
});
t.teardown(() => waitFor(() => ours().length === 0, 15_000));

t.test('ocirun', async (t) => {
  for (const c of cases) {
    t.test(`${c.field}: ${c.name}`, async (t) => {
      const r = await runCase(c, OCIRUN, root);
      for (const p of r.problems) t.fail(p);
      if (r.pass) t.pass('as the spec says');
    });
  }
});

t.test('runc (reference, informative)', { skip: hasRunc() ? false : 'runc is not installed' }, async (t) => {
  const runcRoot = makeRoot(t);
  const rows = [];
  for (const c of cases) {
    const r = await runCase(c, RUNC, runcRoot);
    rows.push(`${r.pass ? 'pass' : 'FAIL'}  ${c.field}: ${c.name}${r.pass ? '' : `\n        ${r.problems.join('\n        ')}`}`);
  }
  t.comment(`runc: ${rows.filter((x) => x.startsWith('pass')).length}/${rows.length} cases pass\n${rows.join('\n')}`);
  t.pass('informative only');
});
