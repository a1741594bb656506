/**
 * configuration.txt §7.3.4 "Fetching samples at Layer 5", the part that is not
 * SSL (the ssl_* fetches are in ssl.ts), plus the device-detection fetches
 * documented in the DeviceAtlas/WURFL notes shipped with HAProxy.
 *
 * These need libraries Switchyard does not build. HAProxy itself, built
 * without them (as Debian's 2.6 is), answers "unknown fetch method '51d.all'";
 * we give the same message and attach a hint saying why.
 */
import type { SampleFetchDef } from '../fetch-registry.js';
import { A } from '../types.js';

const NOT_BUILT = (lib: string): string => `'${lib}' device detection is not built into Switchyard (HAProxy needs USE_${lib.toUpperCase().replace(/[^A-Z0-9]/g, '')} for it)`;

export const LAYER5_FETCHES: readonly SampleFetchDef[] = [
  { name: '51d.all', args: A(1, 'str', 'str', 'str', 'str', 'str'), out: 'str', use: ['HRQHV'], doc: '7.3.4', unavailable: NOT_BUILT('51Degrees') },
  // doc/DeviceAtlas-device-detection.txt
  { name: 'da-csv-fetch', args: A(1, 'str', 'str', 'str', 'str', 'str'), out: 'str', use: ['HRQHV'], doc: 'DeviceAtlas-device-detection.txt', unavailable: NOT_BUILT('DeviceAtlas') },
  // doc/WURFL-device-detection.txt
  { name: 'wurfl-get-all', args: A(0), out: 'str', use: ['HRQHV'], doc: 'WURFL-device-detection.txt', unavailable: NOT_BUILT('WURFL') },
  { name: 'wurfl-get', args: A(1, 'str', 'str', 'str', 'str', 'str'), out: 'str', use: ['HRQHV'], doc: 'WURFL-device-detection.txt', unavailable: NOT_BUILT('WURFL') },
];
