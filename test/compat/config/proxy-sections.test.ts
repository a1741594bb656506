/**
 * Differential tests of the proxy sections: headers, names, inheritance from
 * defaults sections, and the checks between sections (missing backends,
 * modes, tables, timeouts, argument resolution...).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { haproxyAvailable } from '../../helpers/paths.js';
import { CASES } from './proxy-cases.js';
import { compareCases, describeDiffs } from './proxy-compare.js';

describe('proxy sections against haproxy -c', { skip: !haproxyAvailable() }, () => {
  for (const group of ['section headers and inheritance', 'post-parse checks']) {
    it(group, async () => {
      const diffs = await compareCases(CASES[group] ?? []);
      assert.equal(diffs.length, 0, describeDiffs(diffs));
    });
  }
});
