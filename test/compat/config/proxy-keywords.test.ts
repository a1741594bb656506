/**
 * Differential tests of the proxy keywords: one keyword line per case, checked
 * by `haproxy -c` and by our loader; verdicts and every message must match.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { haproxyAvailable } from '../../helpers/paths.js';
import { CASES } from './proxy-cases.js';
import { compareCases, describeDiffs } from './proxy-compare.js';

const GROUPS = [
  'general', 'options', 'timeouts, logging and error pages', 'persistence and balancing', 'stats, defaults and misc', 'health checks and alerts',
];

describe('proxy keywords against haproxy -c', { skip: !haproxyAvailable() }, () => {
  for (const group of GROUPS) {
    it(group, async () => {
      const diffs = await compareCases(CASES[group] ?? []);
      assert.equal(diffs.length, 0, describeDiffs(diffs));
    });
  }
});
