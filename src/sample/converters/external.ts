/**
 * configuration.txt §7.3.1: device-detection converters ("51d.single",
 * "da-csv-conv"). They need libraries Switchyard does not build; like a
 * HAProxy built without them, the parser answers "unknown converter" and adds
 * a hint.
 */
import type { SampleConverterDef } from '../converter-registry.js';
import { A } from '../types.js';

export const EXTERNAL_CONVERTERS: readonly SampleConverterDef[] = [
  { name: '51d.single', args: A(1, 'str', 'str', 'str', 'str', 'str'), in: 'str', out: 'str', doc: '7.3.1', unavailable: "'51Degrees' device detection is not built into Switchyard (HAProxy needs USE_51DEGREES for it)" },
  { name: 'da-csv-conv', args: A(1, 'str', 'str', 'str', 'str', 'str'), in: 'str', out: 'str', doc: '7.3.1', unavailable: "'DeviceAtlas' device detection is not built into Switchyard (HAProxy needs USE_DEVICEATLAS for it)" },
];
