/**
 * debconf as a noninteractive install sees it: every question has its template's default, nothing
 * is ever shown. Maintainer scripts source /usr/share/debconf/confmodule; pith gives them these
 * functions instead (the real module would start a debconf frontend process).
 */
import { parseDeb822 } from '../archive/deb822.js';

export const CONFMODULE_PATHS = new Set(['/usr/share/debconf/confmodule', '/usr/share/debconf/confmodule.sh']);

/** The command the stub's db_get calls: prints the default of a question, status 10 when unknown. */
export const DEBCONF_GET = '__pith_debconf_default';

export const CONFMODULE_STUB = `
db_version() { RET=2.0; return 0; }
db_capb() { RET=""; return 0; }
db_get() { RET=$(${DEBCONF_GET} "$1"); }
db_metaget() { RET=""; return 0; }
db_fget() { RET=false; return 0; }
db_input() { return 30; }
db_go() { return 0; }
db_set() { return 0; }
db_fset() { return 0; }
db_subst() { return 0; }
db_reset() { return 0; }
db_register() { return 0; }
db_unregister() { return 0; }
db_purge() { return 0; }
db_clear() { return 0; }
db_title() { return 0; }
db_settitle() { return 0; }
db_beginblock() { return 0; }
db_endblock() { return 0; }
db_progress() { return 0; }
db_info() { return 0; }
db_data() { return 0; }
db_stop() { return 0; }
db_x_loadtemplatefile() { return 0; }
`;

/** Question name -> default value, from the packages' templates files. */
export function templateDefaults(templates: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const text of templates) {
    let stanzas;
    try {
      stanzas = parseDeb822(text);
    } catch {
      continue; // a templates file pith cannot read: its questions have no default
    }
    for (const stanza of stanzas) {
      const name = stanza.get('Template');
      if (name && !out.has(name)) out.set(name, stanza.get('Default') ?? '');
    }
  }
  return out;
}
