/** The typed model of a whole configuration: what the parsers build and the runtime reads. */
import type { GlobalConfig } from './global.js';
import type { ProxyConfig } from './proxy.js';
import type {
  CacheSection, HttpErrorsSection, LogForwardSection, MailersSection, PeersSection, ProgramSection, ResolversSection, RingSection, UserlistSection,
} from './sections.js';
import { createGlobal } from './global.js';

export type * from './common.js';
export type * from './address.js';
export type * from './bind.js';
export type * from './server.js';
export type * from './proxy.js';
export type * from './global.js';
export type * from './sections.js';

export interface ConfigModel {
  /** The files read, in order (also exported to the environment as HAPROXY_CFGFILES). */
  files: string[];
  global: GlobalConfig;
  /** Every defaults section, anonymous ones included, in order. */
  defaults: ProxyConfig[];
  /** frontend, backend and listen sections in declaration order. */
  proxies: ProxyConfig[];
  peers: PeersSection[];
  resolvers: ResolversSection[];
  mailers: MailersSection[];
  userlists: UserlistSection[];
  caches: CacheSection[];
  programs: ProgramSection[];
  rings: RingSection[];
  httpErrors: HttpErrorsSection[];
  logForwards: LogForwardSection[];
}

export function createModel(files: string[]): ConfigModel {
  return {
    files,
    global: createGlobal(),
    defaults: [],
    proxies: [],
    peers: [],
    resolvers: [],
    mailers: [],
    userlists: [],
    caches: [],
    programs: [],
    rings: [],
    httpErrors: [],
    logForwards: [],
  };
}

/** Finds a proxy able to act as a backend by name (frontend-only proxies are not candidates). */
export function findBackend(model: ConfigModel, name: string): ProxyConfig | undefined {
  return model.proxies.find((p) => p.name === name && p.cap.backend);
}
