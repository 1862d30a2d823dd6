#!/usr/bin/env node
// Proves the checker can fail: each case pins one thing it must accept or reject, so that a
// broken install, a schema mix-up or a silently passing parser shows up here and not as a
// green Rust test. Run with `npm test`.
'use strict';

const assert = require('assert/strict');
const { spawnSync } = require('child_process');
const path = require('path');
const { buildGlobals, checkQuery, UsageError } = require('./check');

const here = __dirname;
const schema = (name) => path.join(here, 'schemas', name);
const fixture = (name) => path.join(here, 'fixtures', name);

let passed = 0;
let failed = 0;

function test(name, fn) {
  try {
    fn();
    passed += 1;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL - ${name}\n  ${String(e.message).replace(/\n/g, '\n  ')}`);
  }
}

function check(globals, text, options) {
  return checkQuery(globals, { id: 't', text }, options);
}

const describe = (r) => JSON.stringify(r.diagnostics.map((d) => `${d.code}: ${d.message}`));

function passes(globals, text) {
  const r = check(globals, text);
  assert.ok(r.ok, `expected no errors, got ${describe(r)}`);
  return r;
}

function fails(globals, text, code) {
  const r = check(globals, text);
  assert.ok(!r.ok, 'expected an error, got none');
  assert.ok(r.diagnostics.some((d) => d.severity === 'Error' && d.code === code),
    `expected ${code}, got ${describe(r)}`);
  return r;
}

// An `or` chain of ip:port pairs, the shape a naive emitter produces for a long IOC list.
function orChain(table, pairs) {
  const terms = [];
  for (let i = 0; i < pairs; i++) {
    terms.push(`(RemoteIP == "10.0.${i >> 8}.${i & 255}" and RemotePort == ${1024 + i})`);
  }
  return `${table} | where ${terms.join(' or ')}`;
}

function runCli(args, input) {
  const r = spawnSync(process.execPath, [path.join(here, 'check.js'), ...args],
    { input, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const t0 = Date.now();
const sentinel = buildGlobals([schema('sentinel.json')]);
const defender = buildGlobals([schema('defender.json')]);
const asim = buildGlobals([schema('asim.json')]);
const functions = buildGlobals([fixture('functions.json')]);
console.log(`# schemas loaded in ${Date.now() - t0} ms`);

// --- tables and columns ------------------------------------------------------------------------

test('Sentinel query with TimeGenerated passes', () => {
  passes(sentinel, 'CommonSecurityLog | where TimeGenerated > ago(1d) '
    + '| where DestinationIP == "1.2.3.4" | project TimeGenerated, SourceIP, DestinationIP');
});

test('Sentinel query with Timestamp fails on sentinel.json', () => {
  fails(sentinel, 'CommonSecurityLog | where Timestamp > ago(1d)', 'KS142');
  fails(sentinel, 'DeviceNetworkEvents | where Timestamp > ago(1d)', 'KS142');
});

test('Defender query with Timestamp passes on defender.json', () => {
  passes(defender, 'DeviceNetworkEvents | where Timestamp > ago(1d) '
    + '| where RemoteIP == "1.2.3.4" | project Timestamp, DeviceName, RemoteUrl');
});

test('Defender query with TimeGenerated fails on defender.json', () => {
  fails(defender, 'DeviceNetworkEvents | where TimeGenerated > ago(1d)', 'KS142');
});

test('unknown column fails', () => {
  fails(sentinel, 'DeviceNetworkEvents | where NoSuchColumn == "x"', 'KS142');
});

test('unknown table fails', () => {
  fails(sentinel, 'NoSuchTable | take 1', 'KS204');
});

test('a table only defender.json has is unknown to sentinel.json', () => {
  passes(defender, 'EmailUrlInfo | where Url has "example"');
  fails(sentinel, 'EmailUrlInfo | where Url has "example"', 'KS204');
});

test('columns renamed from documentation residue are usable', () => {
  passes(defender, 'EmailEvents | where LatestDeliveryAction == "Blocked"');
});

// --- syntax ------------------------------------------------------------------------------------

test('syntax error fails', () => {
  fails(sentinel, 'DeviceNetworkEvents | where (RemoteIP == "1.2.3.4"', 'KS005');
  const r = check(sentinel, 'DeviceNetworkEvents | where RemoteIP == ');
  assert.ok(!r.ok, 'dangling operator passed');
});

// --- IOC001: numeric vs string -----------------------------------------------------------------

test('RemotePort == "80" fails with IOC001', () => {
  const r = fails(sentinel, 'DeviceNetworkEvents | where RemotePort == "80"', 'IOC001');
  const d = r.diagnostics.find((x) => x.code === 'IOC001');
  assert.equal(d.snippet, 'RemotePort == "80"');
  assert.equal(d.start, 'DeviceNetworkEvents | where '.length);
});

test('RemotePort == 80 passes', () => {
  passes(sentinel, 'DeviceNetworkEvents | where RemotePort == 80');
  passes(defender, 'DeviceNetworkEvents | where RemotePort in (80, 443) and RemotePort != 8080');
});

test('other comparisons and list operators mixing number and string fail', () => {
  fails(sentinel, 'DeviceNetworkEvents | where RemotePort != "80"', 'IOC001');
  fails(sentinel, 'DeviceNetworkEvents | where RemotePort in (80, "443")', 'IOC001');
  fails(sentinel, 'DeviceNetworkEvents | where RemotePort !in ("443")', 'IOC001');
  fails(sentinel, 'DeviceNetworkEvents | where RemoteIP == 80', 'IOC001');
  fails(sentinel, 'DeviceNetworkEvents | where RemoteIP in~ (1, 2)', 'IOC001');
});

test('string operators with a numeric side fail (binder KS106, no duplicate IOC001)', () => {
  const r = fails(sentinel, 'DeviceNetworkEvents | where RemotePort contains "80"', 'KS106');
  assert.equal(r.diagnostics.length, 1, describe(r));
  fails(sentinel, 'DeviceNetworkEvents | where RemoteIP has 80', 'KS106');
  fails(sentinel, 'DeviceNetworkEvents | where RemotePort =~ "80"', 'KS106');
});

test('same-type and dynamic comparisons pass', () => {
  passes(sentinel, 'DeviceNetworkEvents | where tostring(RemotePort) == "80"');
  passes(sentinel, 'DeviceNetworkEvents | where RemotePort == toint("80")');
  passes(sentinel, 'DeviceNetworkEvents | where RemoteIP in (dynamic(["1.2.3.4"]))');
  // CommonSecurityLog.RemotePort is a string column in the Log Analytics reference.
  passes(sentinel, 'CommonSecurityLog | where RemotePort == "80" and DestinationPort == 80');
});

// --- string literals ---------------------------------------------------------------------------

test('string literals with escapes parse and decode', () => {
  const r = check(sentinel,
    'print a = "a\\"b\\\\c", b = @"c:\\temp", c = \'it\\\'s\', d = @\'it\'\'s\', e = h"x"',
    { literals: true });
  assert.ok(r.ok, describe(r));
  assert.deepEqual(r.literals, ['a"b\\c', 'c:\\temp', "it's", "it's", 'x']);
});

test("'it''s' is two adjacent literals, which KQL concatenates to \"its\"", () => {
  const r = check(sentinel, "print v = 'it''s'", { literals: true });
  assert.ok(r.ok, describe(r));
  assert.deepEqual(r.literals, ['it', 's']);
});

test('literal with \\", \\\\, \\n and non-ASCII decodes to the right value', () => {
  const r = check(sentinel, 'print v = "q\\"b\\\\s\\nl é😀"', { literals: true });
  assert.ok(r.ok, describe(r));
  assert.deepEqual(r.literals, ['q"b\\s\nl é😀']);
});

test('"\\t" in a plain literal is a tab; an unknown escape like "\\d" is an error', () => {
  const r = check(sentinel, 'print v = "c:\\temp"', { literals: true });
  assert.deepEqual(r.literals, ['c:\temp']);
  assert.ok(!check(sentinel, 'print v = "\\d+"').ok, '"\\d+" passed');
  passes(sentinel, 'print v = @"\\d+"');
});

// --- limits ------------------------------------------------------------------------------------

test('an or-chain of 2000 ip:port pairs is rejected with KS245', () => {
  const r = fails(sentinel, orChain('DeviceNetworkEvents', 2000), 'KS245');
  const d = r.diagnostics.find((x) => x.code === 'KS245');
  assert.equal(d.message,
    'Query syntax depth exceeds maximum safe limit. Semantic analysis not performed.');
});

// The limit is Kusto.Language's MaxAnalysisDepth (500 in this build); each `or` adds a level.
test('the or-chain limit sits between 490 and 491 pairs', () => {
  passes(sentinel, orChain('DeviceNetworkEvents', 490));
  fails(sentinel, orChain('DeviceNetworkEvents', 491), 'KS245');
});

test('a flat in-list of 2000 values is fine', () => {
  const ips = Array.from({ length: 2000 }, (_, i) => `"10.1.${i >> 8}.${i & 255}"`);
  passes(sentinel, `DeviceNetworkEvents | where RemoteIP in (${ips.join(', ')})`);
});

// --- functions ---------------------------------------------------------------------------------

test('a function declared with params and body can be queried', () => {
  passes(functions, "_GetWatchlist('blocklist') | where SearchKey == '1.2.3.4' "
    + '| project SearchKey, WatchlistItem');
  fails(functions, "_GetWatchlist('blocklist') | where NoSuchColumn == 1", 'KS142');
});

test('a function declared with columns answers to each of its names', () => {
  passes(functions, 'imExample | where DstPortNumber == 443');
  passes(functions, '_Im_Example(starttime=ago(1d), dstportnumber=443) | where DstIpAddr == "x"');
  fails(functions, 'imExample | where DstPortNumber == "443"', 'IOC001');
  fails(functions, '_Im_Example(nosuchparam=1)', 'KS196');
});

test('a function body with errors is refused when the schema loads', () => {
  const refused = (e) => e instanceof UsageError
    && /_Broken: the function body has errors: KS204/.test(e.message);
  assert.throws(() => buildGlobals([fixture('bad-function.json')]), refused);
});

test('ASIM parsers from asim.json: built-in and workspace names, filtering parameters', () => {
  passes(asim, '_Im_NetworkSession(starttime=ago(1d), dstportnumber=443) '
    + '| where DstIpAddr == "1.2.3.4" | project TimeGenerated, SrcIpAddr, DstIpAddr');
  passes(asim, 'imNetworkSession | where TimeGenerated > ago(1d) and DstPortNumber == 443');
  passes(asim, "_Im_Dns(domain_has_any=dynamic(['evil.example'])) | where DnsQuery has 'evil'");
  passes(asim, 'imRegistry | take 1');
  passes(asim, '_Im_RegistryEvent(registrykey_has_any=dynamic(["Run"])) | take 1');
  fails(asim, '_Im_NetworkSession(nosuchparam=1)', 'KS196');
});

// --- the command line contract -----------------------------------------------------------------

test('CLI: clean batch exits 0 with only JSON on stdout', () => {
  const input = JSON.stringify([
    { id: 'a', text: 'DeviceNetworkEvents | where RemotePort == 80' },
    { id: 'b', text: 'imNetworkSession | where DstPortNumber == 443' },
  ]);
  const r = runCli(['--schema', schema('sentinel.json'), '--schema', schema('asim.json')], input);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out, [
    { id: 'a', ok: true, diagnostics: [] },
    { id: 'b', ok: true, diagnostics: [] },
  ]);
  assert.match(r.stderr, /2 queries in \d+ ms/);
});

test('CLI: a query with errors makes exit 1, warnings alone do not', () => {
  // A fuzzy union over a missing table is the one KS205 warning a query of ours could meet.
  const warning = 'union isfuzzy=true DeviceNetworkEvents, NoSuchTable | take 1';
  const warned = runCli(['--schema', schema('sentinel.json')],
    JSON.stringify([{ id: 'w', text: warning }]));
  assert.equal(warned.status, 0, warned.stderr);
  const [w] = JSON.parse(warned.stdout);
  assert.equal(w.ok, true);
  assert.deepEqual(w.diagnostics.map((d) => [d.severity, d.code]), [['Warning', 'KS205']]);

  const input = JSON.stringify([
    { id: 'good', text: 'DeviceNetworkEvents | where RemotePort == 80' },
    { id: 'bad', text: 'DeviceNetworkEvents | where RemotePort == "80"' },
  ]);
  const r = runCli(['--schema', schema('sentinel.json'), '--literals'], input);
  assert.equal(r.status, 1, r.stderr);
  const [good, bad] = JSON.parse(r.stdout);
  assert.deepEqual(good, {
    id: 'good',
    ok: true,
    diagnostics: [],
    literals: [],
    shape: 'DeviceNetworkEvents | where RemotePort == 80',
  });
  assert.equal(bad.ok, false);
  assert.deepEqual(Object.keys(bad.diagnostics[0]),
    ['severity', 'code', 'message', 'start', 'length', 'snippet']);
  assert.deepEqual(bad.literals, ['80']);
  // The shape keeps every token but a literal's contents.
  assert.equal(bad.shape, 'DeviceNetworkEvents | where RemotePort == STR');
});

test('CLI: bad usage and bad input exit 2 with nothing on stdout', () => {
  const cases = [
    [[], '[]'],
    [['--schema'], '[]'],
    [['--schema', schema('sentinel.json'), '--bogus'], '[]'],
    [['--schema', path.join(here, 'no-such-schema.json')], '[]'],
    [['--schema', schema('sentinel.json')], 'not json'],
    [['--schema', schema('sentinel.json')], '{"id": "a", "text": "x"}'],
    [['--schema', schema('sentinel.json')], '[{"id": 1, "text": "x"}]'],
    [['--schema', fixture('bad-function.json')], '[]'],
  ];
  for (const [args, input] of cases) {
    const r = runCli(args, input);
    assert.equal(r.status, 2, `${JSON.stringify(args)} ${input}: ${r.stderr}`);
    assert.equal(r.stdout, '', `${JSON.stringify(args)} printed to stdout`);
  }
});

console.log(`# selftest took ${Date.now() - t0} ms`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
