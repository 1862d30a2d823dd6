#!/usr/bin/env node
// Offline KQL checker on Microsoft's own parser (Kusto.Language, compiled to JavaScript).
//
//   node check.js --schema schemas/sentinel.json [--schema more.json] [--literals] \
//     < queries.json > result.json
//
// stdin: [{"id": string, "text": string}, ...]
// stdout: [{"id", "ok", "diagnostics": [{severity, code, message, start, length, snippet}],
//           "literals"?: [string, ...]}, ...]
// exit: 0 when no query has an error, 1 when one does, 2 when the batch could not be checked
// (bad usage, bad input, internal failure).
//
// One process checks a whole batch because loading the parser and binding the first query cost
// about a second, while each later query costs milliseconds.
'use strict';

const fs = require('fs');
const path = require('path');

const USAGE = 'usage: node check.js --schema FILE [--schema FILE]... [--literals] '
  + '< queries.json > result.json';

// Bad usage or input: reported on stderr, exit code 2.
class UsageError extends Error {}

let Kusto = null;

// The package ships a Bridge.NET build: bridge.min.js defines the runtime (`Bridge`, `System`)
// as globals, and Kusto.Language.Bridge.min.js adds `Kusto` on top, so order matters.
function loadKusto() {
  if (Kusto) return Kusto;
  const pkg = path.dirname(require.resolve('@kusto/language-service-next/package.json'));
  require(path.join(pkg, 'bridge.min.js'));
  require(path.join(pkg, 'Kusto.Language.Bridge.min.js'));
  Kusto = globalThis.Kusto;
  return Kusto;
}

// Unbracketed KQL names. Columns outside this are skipped: the shared schemas carry a few names
// with documentation residue (see schemas/extract.js) that no generated query should use.
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function readSchemaFile(file) {
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read schema ${file}: ${e.message}`);
  }
  const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(doc) || !isObject(doc.tables)) {
    throw new UsageError(`schema ${file}: expected {"tables": {Table: {Column: type}}}`);
  }
  if (doc.functions !== undefined && !isObject(doc.functions)) {
    throw new UsageError(`schema ${file}: "functions" must be an object`);
  }
  return { file, tables: doc.tables, functions: doc.functions || {} };
}

function scalarType(S, type, where) {
  const symbol = typeof type === 'string' ? S.ScalarTypes.GetSymbol(type) : null;
  if (!symbol) throw new UsageError(`${where}: unknown column type ${JSON.stringify(type)}`);
  return symbol;
}

// Yields [name, type] for the usable columns, warning once about each skipped one.
function* usableColumns(columns, where) {
  if (columns === null || typeof columns !== 'object' || Array.isArray(columns)) {
    throw new UsageError(`${where}: columns must be an object of {name: type}`);
  }
  for (const [name, type] of Object.entries(columns)) {
    if (IDENT.test(name)) {
      yield [name, type];
    } else {
      process.stderr.write(`kusto-check: ${where}: skipped column ${JSON.stringify(name)}, `
        + 'not a plain identifier\n');
    }
  }
}

// Fast path: a TableSymbol from ColumnSymbols binds ~700 tables in about 0.5 s, where the
// schema-string overload needs about three times as long.
function tableSymbol(S, name, columns, where) {
  const symbols = [];
  for (const [col, type] of usableColumns(columns, where)) {
    symbols.push(new S.ColumnSymbol(col, scalarType(S, type, `${where}.${col}`),
      null, null, null, null));
  }
  return new S.TableSymbol.$ctor4(name, symbols);
}

// A declared function is either a KQL body with a parameter list, or just the columns it
// returns. The latter gets an empty `datatable` as body: the binder then knows the result
// schema, and the body, being ours, needs no check. Returns the symbols to declare and, for a
// written body, what validateBody needs.
function functionSymbols(S, name, spec, where) {
  if (spec === null || typeof spec !== 'object') {
    throw new UsageError(`${where}: expected {"params", "body"} or {"columns"}`);
  }
  const params = spec.params === undefined ? '()' : spec.params;
  if (typeof params !== 'string' || !/^\s*\(.*\)\s*$/s.test(params)) {
    throw new UsageError(`${where}: "params" must be a parameter list like "(name:string)"`);
  }
  let body;
  let written = null;
  if (typeof spec.body === 'string') {
    body = spec.body.trim().startsWith('{') ? spec.body : `{ ${spec.body} }`;
    written = { where, params, body };
  } else if (spec.columns !== undefined) {
    const decls = [];
    for (const [col, type] of usableColumns(spec.columns, where)) {
      decls.push(`${col}:${scalarType(S, type, `${where}.${col}`).Name}`);
    }
    body = `{ datatable(${decls.join(', ')})[] }`;
  } else {
    throw new UsageError(`${where}: a function needs "body" or "columns"`);
  }
  const aliases = spec.aliases === undefined ? [] : spec.aliases;
  if (!Array.isArray(aliases) || !aliases.every((a) => typeof a === 'string' && IDENT.test(a))) {
    throw new UsageError(`${where}: "aliases" must be an array of names`);
  }
  const symbols = [name, ...aliases]
    .map((n) => [n, new S.FunctionSymbol.$ctor16(n, params, body, null)]);
  return { symbols, written };
}

// The binder analyses a function body only where a query calls it, and then keeps the body's
// own errors to itself: a schema function over a missing table would let every query pass.
// So each written body is analysed once up front, its parameters declared as query
// parameters (same list syntax). Errors inside the declaration line are not the body's fault
// (a parameter type query_parameters cannot take) and are ignored.
function validateBody(K, globals, { where, params, body }) {
  const inner = body.trim().replace(/^\{/, '').replace(/\}$/, '');
  const prefix = /^\s*\(\s*\)\s*$/.test(params) ? '' : `declare query_parameters${params};\n`;
  const list = K.KustoCode.ParseAndAnalyze(prefix + inner, globals).GetDiagnostics();
  const errors = [];
  for (let i = 0; i < list.Count; i++) {
    const d = list.getItem(i);
    if (d.Severity === 'Error' && d.Start >= prefix.length) errors.push(`${d.Code}: ${d.Message}`);
  }
  if (errors.length > 0) {
    throw new UsageError(`${where}: the function body has errors: ${errors.join('; ')}`);
  }
}

// Builds the global state for a set of schema files. A name declared twice is taken from the
// later file, with a warning: that lets a small file override one table of a big one.
function buildGlobals(schemaFiles) {
  const K = loadKusto().Language;
  const S = K.Symbols;
  const members = new Map();
  const bodies = [];
  const declare = (name, symbol, where) => {
    if (!IDENT.test(name)) throw new UsageError(`${where}: ${JSON.stringify(name)} is not a name`);
    if (members.has(name)) {
      process.stderr.write(`kusto-check: ${where}: ${name} replaces an earlier declaration\n`);
    }
    members.set(name, symbol);
  };
  for (const file of schemaFiles) {
    const doc = readSchemaFile(file);
    for (const [name, columns] of Object.entries(doc.tables)) {
      declare(name, tableSymbol(S, name, columns, `${file}: ${name}`), file);
    }
    for (const [name, spec] of Object.entries(doc.functions)) {
      const { symbols, written } = functionSymbols(S, name, spec, `${file}: ${name}`);
      for (const [n, symbol] of symbols) declare(n, symbol, file);
      if (written) bodies.push(written);
    }
  }
  const db = new S.DatabaseSymbol.$ctor2('db', null, [...members.values()]);
  const globals = K.GlobalState.Default.WithDatabase(db);
  // After all files are in: a body may use a table that a later file declares.
  for (const written of bodies) validateBody(K, globals, written);
  return globals;
}

// --- IOC001: numeric/string operand mixes the binder lets through -----------------------------

const NUMERIC = new Set(['int', 'long', 'real', 'decimal']);

// Operators whose two sides are compared as values. Kusto.Language binds `RemotePort == "80"`
// without complaint, but the engine refuses to compare int with string, and `in`/`has_any`
// lists have the same problem per element. Some string operators (`contains`) already get
// KS106 from the binder; the walk still covers them in case a version stops reporting it.
const BINARY_KINDS = [
  'EqualExpression', 'NotEqualExpression', 'LessThanExpression', 'LessThanOrEqualExpression',
  'GreaterThanExpression', 'GreaterThanOrEqualExpression', 'EqualTildeExpression',
  'BangTildeExpression', 'HasExpression', 'HasCsExpression', 'NotHasExpression',
  'NotHasCsExpression', 'HasPrefixExpression', 'HasPrefixCsExpression', 'NotHasPrefixExpression',
  'NotHasPrefixCsExpression', 'HasSuffixExpression', 'HasSuffixCsExpression',
  'NotHasSuffixExpression', 'NotHasSuffixCsExpression', 'LikeExpression', 'LikeCsExpression',
  'NotLikeExpression', 'NotLikeCsExpression', 'ContainsExpression', 'ContainsCsExpression',
  'NotContainsExpression', 'NotContainsCsExpression', 'StartsWithExpression',
  'StartsWithCsExpression', 'NotStartsWithExpression', 'NotStartsWithCsExpression',
  'EndsWithExpression', 'EndsWithCsExpression', 'NotEndsWithExpression',
  'NotEndsWithCsExpression', 'MatchesRegexExpression',
];
// `in~` is InExpression and `in` is InCsExpression in this grammar.
const LIST_KINDS = [
  'InExpression', 'InCsExpression', 'NotInExpression', 'NotInCsExpression',
  'HasAnyExpression', 'HasAllExpression',
];

let kindSets = null;
function operatorKinds() {
  if (kindSets) return kindSets;
  const SK = loadKusto().Language.Syntax.SyntaxKind;
  // Resolved by name so that a kind renamed in a later package version is dropped, not misread.
  const resolve = (names) => new Set(names.map((n) => SK[n]).filter((v) => Number.isInteger(v)));
  kindSets = { binary: resolve(BINARY_KINDS), list: resolve(LIST_KINDS) };
  return kindSets;
}

function typeName(expr) {
  const type = expr && expr.ResultType;
  return type && typeof type.Name === 'string' ? type.Name : null;
}

function mixesNumberAndString(a, b) {
  return (NUMERIC.has(a) && b === 'string') || (a === 'string' && NUMERIC.has(b));
}

// Elements of an `in (...)` / `has_any (...)` list; empty when the right side is not a list.
function listElements(list) {
  const out = [];
  const items = list && list.Expressions;
  if (!items) return out;
  for (let i = 0; i < items.Count; i++) {
    const element = items.getItem(i).Element;
    if (element) out.push(element);
  }
  return out;
}

// The IOC001 finding for one node of a bound tree, or null.
function typeMismatch(node, text) {
  const kinds = operatorKinds();
  const isBinary = kinds.binary.has(node.Kind);
  if (!isBinary && !kinds.list.has(node.Kind)) return null;
  const left = node.Left;
  const leftType = typeName(left);
  if (!leftType || !node.Right) return null;
  const rights = isBinary ? [node.Right] : listElements(node.Right);
  const bad = rights.find((r) => mixesNumberAndString(leftType, typeName(r)));
  if (!bad) return null;
  const op = text.slice(left.End, node.Right.TextStart).trim();
  return {
    severity: 'Error',
    code: 'IOC001',
    message: `The operator '${op}' mixes ${leftType} and ${typeName(bad)} operands; the engine `
      + 'rejects this, so compare against a value of the same type.',
    start: node.TextStart,
    length: node.Width,
  };
}

// --- per-query check ---------------------------------------------------------------------------

const SNIPPET_MAX = 120;

// The text a diagnostic points at, so a failure can be read without counting characters.
// Offsets are UTF-16 code units (JavaScript string indices), as the parser reports them. A
// zero-width diagnostic (e.g. "Missing: )") gets the text just before its position.
function snippet(text, start, length) {
  if (length > 0) {
    const s = text.slice(start, start + Math.min(length, SNIPPET_MAX));
    return length > SNIPPET_MAX ? `${s}...` : s;
  }
  return text.slice(Math.max(0, start - 40), start);
}

function toDiagnostic(text, d) {
  const start = d.HasLocation ? d.Start : 0;
  const length = d.HasLocation ? d.Length : 0;
  return {
    severity: d.Severity,
    code: d.Code,
    message: d.Message,
    start,
    length,
    snippet: snippet(text, start, length),
  };
}

// One pass over the tree for both extras: IOC001 findings when the tree is bound, and the
// decoded values of the string literal tokens, in source order, when asked. The parser decodes
// escapes itself (SyntaxToken.ValueText); adjacent literals such as 'it''s' stay separate tokens
// here although KQL concatenates them into one value.
function walk(code, text, bound, wantLiterals) {
  const literalKind = loadKusto().Language.Syntax.SyntaxKind.StringLiteralToken;
  const mismatches = [];
  const literals = [];
  // The token kinds in order, literal values left out: two queries with the same shape differ
  // only in their literals' contents, so a value cannot have changed the query's structure.
  const shape = [];
  code.Syntax.WalkElements((element) => {
    if (element.IsToken) {
      if (wantLiterals) {
        if (element.Kind === literalKind) shape.push('STR');
        else if (element.Text) shape.push(element.Text);
        if (element.Kind === literalKind) literals.push(element.ValueText);
      }
      return;
    }
    const m = bound && typeMismatch(element, text);
    if (m) mismatches.push(m);
  });
  return { mismatches, literals, shape: shape.join(' ') };
}

function checkQuery(globals, query, options = {}) {
  const K = loadKusto().Language;
  const { id, text } = query;
  const result = { id, ok: false, diagnostics: [] };
  try {
    const code = K.KustoCode.ParseAndAnalyze(text, globals);
    const list = code.GetDiagnostics();
    for (let i = 0; i < list.Count; i++) {
      result.diagnostics.push(toDiagnostic(text, list.getItem(i)));
    }
    // Past the depth limit (KS245) nothing is bound, so there are no types to compare.
    const bound = !result.diagnostics.some((d) => d.code === 'KS245');
    const { mismatches, literals, shape } = walk(code, text, bound, options.literals);
    for (const m of mismatches) {
      // The binder already rejects some of these (KS106); one error per spot is enough.
      const covered = result.diagnostics.some((d) => d.severity === 'Error'
        && d.start >= m.start && d.start + d.length <= m.start + m.length);
      if (!covered) result.diagnostics.push({ ...m, snippet: snippet(text, m.start, m.length) });
    }
    if (options.literals) {
      result.literals = literals;
      result.shape = shape;
    }
  } catch (e) {
    // A crash inside the parser says nothing about the query, but it must not pass either.
    result.diagnostics.push({
      severity: 'Error',
      code: 'IOC900',
      message: `kusto-check internal failure: ${e && e.message}`,
      start: 0,
      length: 0,
      snippet: '',
    });
  }
  result.diagnostics.sort((a, b) => a.start - b.start);
  result.ok = !result.diagnostics.some((d) => d.severity === 'Error');
  if (options.literals && !result.literals) result.literals = [];
  return result;
}

// --- command line ------------------------------------------------------------------------------

function parseArgs(argv) {
  const opts = { schemas: [], literals: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--schema') {
      if (i + 1 >= argv.length) throw new UsageError('--schema needs a file');
      opts.schemas.push(argv[++i]);
    } else if (arg.startsWith('--schema=')) {
      opts.schemas.push(arg.slice('--schema='.length));
    } else if (arg === '--literals') {
      opts.literals = true;
    } else if (arg === '-h' || arg === '--help') {
      opts.help = true;
    } else {
      throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  if (!opts.help && opts.schemas.length === 0) throw new UsageError('at least one --schema');
  return opts;
}

function readQueries(raw) {
  let queries;
  try {
    queries = JSON.parse(raw);
  } catch (e) {
    throw new UsageError(`stdin is not JSON: ${e.message}`);
  }
  if (!Array.isArray(queries)) throw new UsageError('stdin must be a JSON array');
  queries.forEach((q, i) => {
    if (q === null || typeof q !== 'object' || typeof q.id !== 'string'
      || typeof q.text !== 'string') {
      throw new UsageError(`stdin[${i}]: expected {"id": string, "text": string}`);
    }
  });
  return queries;
}

function main() {
  const t0 = process.hrtime.bigint();
  const ms = (from) => Number((process.hrtime.bigint() - from) / 1000000n);
  try {
    const opts = parseArgs(process.argv.slice(2));
    if (opts.help) {
      process.stderr.write(`${USAGE}\n`);
      return;
    }
    const queries = readQueries(fs.readFileSync(0, 'utf8'));
    loadKusto();
    const globals = buildGlobals(opts.schemas);
    const loaded = ms(t0);
    const t1 = process.hrtime.bigint();
    const results = queries.map((q) => checkQuery(globals, q, { literals: opts.literals }));
    const failed = results.filter((r) => !r.ok).length;
    process.stderr.write(`kusto-check: load ${loaded} ms, ${queries.length} queries in `
      + `${ms(t1)} ms, ${failed} with errors\n`);
    process.stdout.write(`${JSON.stringify(results)}\n`);
    // exitCode, not exit(): a piped stdout must be flushed before the process ends.
    process.exitCode = failed > 0 ? 1 : 0;
  } catch (e) {
    // Exit code 1 is reserved for "a query has errors"; anything that kept us from checking,
    // including a crash of our own, is 2 so a caller never mistakes it for a verdict.
    if (e instanceof UsageError) {
      process.stderr.write(`kusto-check: ${e.message}\n${USAGE}\n`);
    } else {
      process.stderr.write(`kusto-check: internal error: ${e && e.stack}\n`);
    }
    process.exitCode = 2;
  }
}

module.exports = { loadKusto, buildGlobals, checkQuery, UsageError };

if (require.main === module) main();
