#!/usr/bin/env node
// One-off: cut the shared table schemas down to the tables ioc-emit targets.
//
//   node schemas/extract.js /path/to/shared/schemas
//
// Writes sentinel.json, defender.json and asim.json next to this script. The output is data
// (column names and types from Microsoft's published references); this script is ours.
'use strict';

const fs = require('fs');
const path = require('path');

// The device, email and URL tables both products share, by their own names.
const DEVICE_AND_EMAIL = [
  'DeviceNetworkEvents',
  'DeviceFileEvents',
  'DeviceProcessEvents',
  'DeviceEvents',
  'DeviceImageLoadEvents',
  'DeviceRegistryEvents',
  'UrlClickEvents',
  'EmailEvents',
];
const SENTINEL_TABLES = ['CommonSecurityLog', 'DnsEvents', ...DEVICE_AND_EMAIL];
const DEFENDER_TABLES = [...DEVICE_AND_EMAIL, 'EmailUrlInfo'];

// ASIM unifying parsers are functions, not tables: each exists as a built-in (`_Im_X`) and as a
// workspace-deployed parser (`imX`) with the same parameters and output. The names and the
// filtering parameters come from the `EquivalentBuiltInParser`/`ParserParams` entries of the
// parser manifests in Azure/Azure-Sentinel (Parsers/ASim*/Parsers/im*.yaml). Those manifests
// change over time; a parameter missing here shows up as KS196 on a query that passes it.
const DT = 'datetime=datetime(null)';
const DYN = 'dynamic=dynamic([])';
const ASIM = {
  _Im_Dns: {
    builtin: '_Im_Dns', workspace: 'imDns',
    params: [`starttime:${DT}`, `endtime:${DT}`, "srcipaddr:string='*'", `domain_has_any:${DYN}`,
      "responsecodename:string='*'", "response_has_ipv4:string='*'",
      `response_has_any_prefix:${DYN}`, "eventtype:string='lookup'", 'pack:bool=false'],
  },
  imAuditEvent: {
    builtin: '_Im_AuditEvent', workspace: 'imAuditEvent',
    params: [`starttime:${DT}`, `endtime:${DT}`, `srcipaddr_has_any_prefix:${DYN}`,
      `actorusername_has_any:${DYN}`, `operation_has_any:${DYN}`, `eventtype_in:${DYN}`,
      "eventresult:string='*'", `object_has_any:${DYN}`, `newvalue_has_any:${DYN}`,
      'pack:bool=false'],
  },
  imAuthentication: {
    builtin: '_Im_Authentication', workspace: 'imAuthentication',
    params: [`starttime:${DT}`, `endtime:${DT}`, `username_has_any:${DYN}`,
      `targetappname_has_any:${DYN}`, `srcipaddr_has_any_prefix:${DYN}`,
      `srchostname_has_any:${DYN}`, `eventtype_in:${DYN}`, `eventresultdetails_in:${DYN}`,
      "eventresult:string='*'", 'pack:bool=false'],
  },
  imFileEvent: {
    builtin: '_Im_FileEvent', workspace: 'imFileEvent',
    params: [`starttime:${DT}`, `endtime:${DT}`, `eventtype_in:${DYN}`,
      `srcipaddr_has_any_prefix:${DYN}`, `actorusername_has_any:${DYN}`,
      `targetfilepath_has_any:${DYN}`, `srcfilepath_has_any:${DYN}`, `hashes_has_any:${DYN}`,
      `dvchostname_has_any:${DYN}`, 'disabled:bool=false', 'pack:bool=false'],
  },
  imNetworkSession: {
    builtin: '_Im_NetworkSession', workspace: 'imNetworkSession',
    params: [`starttime:${DT}`, `endtime:${DT}`, `srcipaddr_has_any_prefix:${DYN}`,
      `dstipaddr_has_any_prefix:${DYN}`, `ipaddr_has_any_prefix:${DYN}`,
      'dstportnumber:int=int(null)', `hostname_has_any:${DYN}`, `dvcaction:${DYN}`,
      "eventresult:string='*'"],
  },
  imProcessCreate: {
    builtin: '_Im_ProcessCreate', workspace: 'imProcessCreate',
    params: [`starttime:${DT}`, `endtime:${DT}`, `commandline_has_any:${DYN}`,
      `commandline_has_all:${DYN}`, `commandline_has_any_ip_prefix:${DYN}`,
      `actingprocess_has_any:${DYN}`, `targetprocess_has_any:${DYN}`,
      `parentprocess_has_any:${DYN}`, "targetusername:string='*'",
      `dvcipaddr_has_any_prefix:${DYN}`, `dvcname_has_any:${DYN}`, `hashes_has_any:${DYN}`,
      "eventtype:string='*'"],
  },
  imRegistry: {
    builtin: '_Im_RegistryEvent', workspace: 'imRegistry',
    params: [`starttime:${DT}`, `endtime:${DT}`, `eventtype_in:${DYN}`,
      `actorusername_has_any:${DYN}`, `registrykey_has_any:${DYN}`,
      `registryvalue_has_any:${DYN}`, `registrydata_has_any:${DYN}`,
      `dvchostname_has_any:${DYN}`, 'disabled:bool=false', 'pack:bool=false'],
  },
  imWebSession: {
    builtin: '_Im_WebSession', workspace: 'imWebSession',
    params: [`starttime:${DT}`, `endtime:${DT}`, `srcipaddr_has_any_prefix:${DYN}`,
      `ipaddr_has_any_prefix:${DYN}`, `url_has_any:${DYN}`, `httpuseragent_has_any:${DYN}`,
      `eventresultdetails_in:${DYN}`, "eventresult:string='*'",
      `eventresultdetails_has_any:${DYN}`, 'disabled:bool=false'],
  },
};

// The shared ASIM data lists the schema fields only. ASIM's common-fields reference ("Standard
// Log Analytics fields") adds these two to every schema, and Microsoft's own ASIM examples
// filter on TimeGenerated, so a parser without them would reject ordinary queries.
const LOG_ANALYTICS_FIELDS = { TimeGenerated: 'datetime', Type: 'string' };

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

// The source data was scraped from documentation tables, and a few names kept markdown residue:
// a leading space (" InitiatingProcessVersionInfoInternalFileName"), a footnote marker
// ("LatestDeliveryAction`*", "AccountDomain` [*](#mdi-only)"), or are a prose placeholder
// ("Dvc fields" in ASIM, standing for the Dvc* columns that are listed anyway). We keep the part
// before the first backtick when that is an identifier and drop the rest, so that every column
// we write can be referenced without brackets.
function sanitizeColumns(table, columns, log) {
  const out = {};
  for (const [raw, type] of Object.entries(columns)) {
    const name = raw.trim().split('`')[0].trim();
    if (!IDENT.test(name)) {
      log.push(`${table}: dropped column ${JSON.stringify(raw)}`);
      continue;
    }
    if (name !== raw) log.push(`${table}: renamed column ${JSON.stringify(raw)} to ${name}`);
    if (Object.prototype.hasOwnProperty.call(out, name)) {
      log.push(`${table}: dropped duplicate column ${JSON.stringify(raw)}`);
      continue;
    }
    out[name] = type;
  }
  return out;
}

function pick(source, names, log) {
  const tables = {};
  for (const name of names) {
    const columns = source.tables[name];
    if (!columns) throw new Error(`table ${name} is missing from the source schema`);
    tables[name] = sanitizeColumns(name, columns, log);
  }
  return tables;
}

function write(file, doc) {
  fs.writeFileSync(file, JSON.stringify(doc, null, 2) + '\n');
  process.stderr.write(`wrote ${file}\n`);
}

function main() {
  const dir = process.argv[2];
  if (!dir || process.argv.length > 3) {
    process.stderr.write('usage: node schemas/extract.js SHARED_SCHEMA_DIR\n');
    process.exit(2);
  }
  const read = (name) => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
  const out = __dirname;
  const log = [];

  const la = read('log-analytics-tables.json');
  write(path.join(out, 'sentinel.json'), {
    about: `${la.about}\nKept for ioc-emit: ${SENTINEL_TABLES.join(', ')}.`,
    tables: pick(la, SENTINEL_TABLES, log),
  });

  const xdr = read('defender-xdr-tables.json');
  write(path.join(out, 'defender.json'), {
    about: `${xdr.about}\nKept for ioc-emit: ${DEFENDER_TABLES.join(', ')}.`,
    tables: pick(xdr, DEFENDER_TABLES, log),
  });

  const asim = read('sentinel-asim-functions.json');
  const functions = {};
  for (const [source, columns] of Object.entries(asim.tables)) {
    const names = ASIM[source];
    if (!names) throw new Error(`no ASIM parser names known for ${source}`);
    functions[names.builtin] = {
      aliases: [names.workspace],
      params: `(${names.params.join(', ')})`,
      columns: { ...LOG_ANALYTICS_FIELDS, ...sanitizeColumns(source, columns, log) },
    };
  }
  const kept = Object.values(ASIM).map((n) => `${n.builtin} (alias ${n.workspace})`);
  write(path.join(out, 'asim.json'), {
    about: `${asim.about}\nKept for ioc-emit: all, declared as functions: ${kept.join(', ')}.`
      + ' Parameters from the parser manifests in Azure/Azure-Sentinel; TimeGenerated and Type'
      + ' added from the ASIM common-fields reference.',
    tables: {},
    functions,
  });

  for (const line of log) process.stderr.write(`note: ${line}\n`);
}

main();
