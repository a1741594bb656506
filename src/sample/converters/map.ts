/**
 * configuration.txt §7.3.1: map_* converters (configuration.txt §7.3.1 "map"): the file is read at parse time.
 *
 * Argument lists and input/output types are those HAProxy 2.6 registers (`haproxy -dKcnv`,
 * whose columns print "out => in"); they decide the "cannot be applied" checks.
 */
import type { SampleConverterDef } from '../converter-registry.js';
import { A } from '../types.js';
import { checkMapFileFor } from './map-file.js';

export const MAP_CONVERTERS: readonly SampleConverterDef[] = [
  { name: 'map', args: A(1, 'str', 'str'), in: 'str', out: 'str', valArgs: checkMapFileFor('map'), doc: '7.3.1' },
  { name: 'map_beg', args: A(1, 'str', 'str'), in: 'str', out: 'str', valArgs: checkMapFileFor('map_beg'), doc: '7.3.1' },
  { name: 'map_beg_int', args: A(1, 'str', 'sint'), in: 'str', out: 'sint', valArgs: checkMapFileFor('map_beg_int'), doc: '7.3.1' },
  { name: 'map_beg_ip', args: A(1, 'str', 'str'), in: 'str', out: 'addr', valArgs: checkMapFileFor('map_beg_ip'), doc: '7.3.1' },
  { name: 'map_dir', args: A(1, 'str', 'str'), in: 'str', out: 'str', valArgs: checkMapFileFor('map_dir'), doc: '7.3.1' },
  { name: 'map_dir_int', args: A(1, 'str', 'sint'), in: 'str', out: 'sint', valArgs: checkMapFileFor('map_dir_int'), doc: '7.3.1' },
  { name: 'map_dir_ip', args: A(1, 'str', 'str'), in: 'str', out: 'addr', valArgs: checkMapFileFor('map_dir_ip'), doc: '7.3.1' },
  { name: 'map_dom', args: A(1, 'str', 'str'), in: 'str', out: 'str', valArgs: checkMapFileFor('map_dom'), doc: '7.3.1' },
  { name: 'map_dom_int', args: A(1, 'str', 'sint'), in: 'str', out: 'sint', valArgs: checkMapFileFor('map_dom_int'), doc: '7.3.1' },
  { name: 'map_dom_ip', args: A(1, 'str', 'str'), in: 'str', out: 'addr', valArgs: checkMapFileFor('map_dom_ip'), doc: '7.3.1' },
  { name: 'map_end', args: A(1, 'str', 'str'), in: 'str', out: 'str', valArgs: checkMapFileFor('map_end'), doc: '7.3.1' },
  { name: 'map_end_int', args: A(1, 'str', 'sint'), in: 'str', out: 'sint', valArgs: checkMapFileFor('map_end_int'), doc: '7.3.1' },
  { name: 'map_end_ip', args: A(1, 'str', 'str'), in: 'str', out: 'addr', valArgs: checkMapFileFor('map_end_ip'), doc: '7.3.1' },
  { name: 'map_int', args: A(1, 'str', 'str'), in: 'sint', out: 'str', valArgs: checkMapFileFor('map_int'), doc: '7.3.1' },
  { name: 'map_int_int', args: A(1, 'str', 'sint'), in: 'sint', out: 'sint', valArgs: checkMapFileFor('map_int_int'), doc: '7.3.1' },
  { name: 'map_int_ip', args: A(1, 'str', 'str'), in: 'sint', out: 'addr', valArgs: checkMapFileFor('map_int_ip'), doc: '7.3.1' },
  { name: 'map_ip', args: A(1, 'str', 'str'), in: 'addr', out: 'str', valArgs: checkMapFileFor('map_ip'), doc: '7.3.1' },
  { name: 'map_ip_int', args: A(1, 'str', 'sint'), in: 'addr', out: 'sint', valArgs: checkMapFileFor('map_ip_int'), doc: '7.3.1' },
  { name: 'map_ip_ip', args: A(1, 'str', 'str'), in: 'addr', out: 'addr', valArgs: checkMapFileFor('map_ip_ip'), doc: '7.3.1' },
  { name: 'map_reg', args: A(1, 'str', 'str'), in: 'str', out: 'str', valArgs: checkMapFileFor('map_reg'), doc: '7.3.1' },
  { name: 'map_reg_int', args: A(1, 'str', 'sint'), in: 'str', out: 'sint', valArgs: checkMapFileFor('map_reg_int'), doc: '7.3.1' },
  { name: 'map_reg_ip', args: A(1, 'str', 'str'), in: 'str', out: 'addr', valArgs: checkMapFileFor('map_reg_ip'), doc: '7.3.1' },
  { name: 'map_regm', args: A(1, 'str', 'str'), in: 'str', out: 'str', valArgs: checkMapFileFor('map_regm'), doc: '7.3.1' },
  { name: 'map_str', args: A(1, 'str', 'str'), in: 'str', out: 'str', valArgs: checkMapFileFor('map_str'), doc: '7.3.1' },
  { name: 'map_str_int', args: A(1, 'str', 'sint'), in: 'str', out: 'sint', valArgs: checkMapFileFor('map_str_int'), doc: '7.3.1' },
  { name: 'map_str_ip', args: A(1, 'str', 'str'), in: 'str', out: 'addr', valArgs: checkMapFileFor('map_str_ip'), doc: '7.3.1' },
  { name: 'map_sub', args: A(1, 'str', 'str'), in: 'str', out: 'str', valArgs: checkMapFileFor('map_sub'), doc: '7.3.1' },
  { name: 'map_sub_int', args: A(1, 'str', 'sint'), in: 'str', out: 'sint', valArgs: checkMapFileFor('map_sub_int'), doc: '7.3.1' },
  { name: 'map_sub_ip', args: A(1, 'str', 'str'), in: 'str', out: 'addr', valArgs: checkMapFileFor('map_sub_ip'), doc: '7.3.1' },
];
