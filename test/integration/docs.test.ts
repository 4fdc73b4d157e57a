// The documentation is tested so that it cannot rot: README.md and every page under docs/.
//
// Code blocks. Every ```ts and ```json block is checked, according to the HTML comment on the
// line above it (invisible on GitHub):
//   (no marker)                           a ```ts block with defineScenario(: a whole scenario file
//   <!-- example: scenario -->            the same, said explicitly
//   <!-- example: fleets -->              fleet entries (`soil: {...}`), wrapped in a minimal scenario
//   <!-- example: fields -->              top-level fields (`targets: ..., fleets: ...`), wrapped likewise
//   <!-- example: fields of <file> -->    top-level fields added to that scenario file (e.g. thresholds)
//   <!-- example: program -->             a module using the API; type-checked only (it would connect)
//   <!-- example: fleet-result -->        ```json members of a result's fleets.<name>, checked against FleetResult
//   <!-- example: gateway-config -->      ```json gateway configuration, checked by the gateway's own validator
//   <!-- example: excerpt of <file> -->   ```ts lines quoted from a source file, found there verbatim (so a walkthrough cannot drift)
//   <!-- not-tested: reason -->           not checked; counted and reported with its reason
// Options after a semicolon: `; run: <args>` also runs the scenario through the CLI with those
// arguments, `; needs: <file>` provides an empty stand-in for a file the scenario names (a CA
// file, say) in the working directory while it loads.
// Scenarios and wrapped fragments are loaded with the project's own loader (loadScenario), which
// validates them; every ts and json-result block is type-checked with the TypeScript compiler
// API under the project's compiler options (unused imports allowed: examples show what exists).
//
// Also: every relative link (and #anchor) resolves, README.md stays under 30,000 bytes, every
// docs page follows the page conventions and is listed in the README, and every CLI flag the docs
// name exists in `fleetbench <command> --help`.

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/dsl/load.ts';
import { resolveGatewayConfig } from '../../src/gateway/config.ts';
import type { RunResult } from '../../src/result/types.ts';
import { type CliResult, runCli, TMP_DIR } from '../helpers/scenario.ts';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const README = join(ROOT, 'README.md');
const DOCS = join(ROOT, 'docs');
const README_LIMIT = 30_000;
/** Pages the README links to that another branch is writing; checked like any page once they exist. */
const PENDING_PAGES = new Set<string>();
const COMMANDS = ['run', 'validate', 'gateway', 'report', 'compare', 'merge', 'capacity', 'probe'] as const;
/** What a wrapped fragment may use: the DSL's builders, as a scenario file imports them. */
const BUILDERS = 'defineScenario, mqtt, coap, amqp, http, ws, udp, every, poisson, stages, json, bytes, template';
const IMPORTS = `import { ${BUILDERS} } from 'fleetbench';\nvoid [${BUILDERS}];\n`;

// ---------------------------------------------------------------------------------------------
// Reading the markdown

interface Block {
  /** 'README.md:123' (the line of the opening fence). */
  where: string;
  file: string;
  line: number;
  lang: string;
  code: string;
  /** The marker's text after 'example:' or 'not-tested:', when there is one. */
  example: string | undefined;
  notTested: string | undefined;
}

interface Page {
  file: string;
  /** Relative to ROOT, e.g. 'docs/mqtt.md'. */
  name: string;
  text: string;
  blocks: Block[];
  /** Lines outside fenced blocks. */
  prose: { line: number; text: string }[];
  anchors: Set<string>;
}

const pageFiles = [
  README,
  ...readdirSync(DOCS)
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(DOCS, f)),
];
const pages = pageFiles.map(readPage);
const blocks = pages.flatMap((p) => p.blocks);

function readPage(file: string): Page {
  const name = relative(ROOT, file);
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const found: Block[] = [];
  const prose: Page['prose'] = [];
  const headings: string[] = [];
  let open: { line: number; lang: string; indent: string; fence: string; body: string[] } | undefined;
  lines.forEach((raw, i) => {
    const fence = /^(\s*)(`{3,})(\S*)\s*$/.exec(raw);
    if (open) {
      if (fence && fence[2]!.length >= open.fence.length && !fence[3]) {
        const marker = markerBefore(lines, open.line - 1);
        found.push({
          where: `${name}:${open.line}`,
          file: name,
          line: open.line,
          lang: open.lang,
          code: open.body.join('\n'),
          example: marker?.kind === 'example' ? marker.text : undefined,
          notTested: marker?.kind === 'not-tested' ? marker.text : undefined,
        });
        open = undefined;
      } else {
        open.body.push(raw.startsWith(open.indent) ? raw.slice(open.indent.length) : raw.trimStart());
      }
      return;
    }
    if (fence) {
      open = { line: i + 1, lang: fence[3]!, indent: fence[1]!, fence: fence[2]!, body: [] };
      return;
    }
    prose.push({ line: i + 1, text: raw });
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(raw);
    if (heading) headings.push(heading[1]!);
  });
  if (open) throw new Error(`${name}:${open.line}: code block never closed`);
  return { file, name, text, blocks: found, prose, anchors: anchorsOf(headings) };
}

/** The marker on the nearest non-blank line above a fence (0-based index of the fence line). */
function markerBefore(lines: string[], fenceIndex: number): { kind: string; text: string } | undefined {
  for (let i = fenceIndex - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const m = /^<!--\s*(example|not-tested):\s*(.*?)\s*-->$/.exec(line);
    return m ? { kind: m[1]!, text: m[2]! } : undefined;
  }
  return undefined;
}

/** GitHub's heading anchors: inline markup dropped, lower case, punctuation removed, spaces → '-'. */
function anchorsOf(headings: string[]): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const h of headings) {
    const text = h
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/[`*]/g, '')
      .toLowerCase();
    const base = text.replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

// ---------------------------------------------------------------------------------------------
// What each block becomes

type Kind = 'scenario' | 'fleets' | 'fields' | 'program' | 'fleet-result' | 'gateway-config' | 'excerpt';

interface Example {
  block: Block;
  kind: Kind;
  /** For `fields of <file>`: the scenario the fields are added to, relative to ROOT. */
  base?: string;
  run?: string[];
  needs?: string;
}

interface Checked extends Example {
  /** The TypeScript module that is type-checked (and, for scenarios, loaded). */
  module: string | undefined;
  loads: boolean;
}

const TS_KINDS: Kind[] = ['scenario', 'fleets', 'fields', 'program', 'excerpt'];
const JSON_KINDS: Kind[] = ['fleet-result', 'gateway-config'];

/** Sorts every ts/json block into an example to check, a not-tested block, or a problem. */
function classify(list: Block[]): { examples: Example[]; notTested: Block[]; problems: string[] } {
  const examples: Example[] = [];
  const notTested: Block[] = [];
  const problems: string[] = [];
  for (const block of list) {
    if (block.lang !== 'ts' && block.lang !== 'json') {
      if (block.example !== undefined)
        problems.push(`${block.where}: an example marker on a \`\`\`${block.lang} block`);
      continue;
    }
    if (block.notTested !== undefined) {
      if (block.notTested.length < 3) problems.push(`${block.where}: not-tested needs a reason`);
      notTested.push(block);
      continue;
    }
    const spec =
      block.example ?? (block.lang === 'ts' && block.code.includes('defineScenario(') ? 'scenario' : undefined);
    if (spec === undefined) {
      problems.push(
        `${block.where}: a \`\`\`${block.lang} block that is neither a whole scenario nor marked (<!-- example: … --> or <!-- not-tested: reason -->)`,
      );
      continue;
    }
    const [head = '', ...options] = spec.split(';').map((s) => s.trim());
    const [kind, of, base, ...extra] = head.split(/\s+/);
    const example: Example = { block, kind: kind as Kind };
    if (!(block.lang === 'ts' ? TS_KINDS : JSON_KINDS).includes(example.kind)) {
      problems.push(`${block.where}: unknown example kind ${JSON.stringify(kind)} for a \`\`\`${block.lang} block`);
      continue;
    }
    if (of !== undefined) {
      if (of !== 'of' || base === undefined || extra.length > 0 || !['fields', 'excerpt'].includes(example.kind))
        problems.push(
          `${block.where}: expected 'fields of <scenario file>' or 'excerpt of <file>', got ${JSON.stringify(head)}`,
        );
      else if (!existsSync(join(ROOT, base))) problems.push(`${block.where}: ${base} does not exist`);
      else example.base = base;
    }
    for (const option of options) {
      const m = /^(run|needs):\s*(.*)$/.exec(option);
      if (m?.[1] === 'run') example.run = m[2]!.split(/\s+/).filter(Boolean);
      else if (m?.[1] === 'needs' && /^[\w.-]+$/.test(m[2]!)) example.needs = m[2]!;
      else problems.push(`${block.where}: unknown example option ${JSON.stringify(option)}`);
    }
    if ((example.run || example.needs) && !['scenario', 'fleets', 'fields'].includes(example.kind))
      problems.push(`${block.where}: run and needs are for scenarios`);
    examples.push(example);
  }
  return { examples, notTested, problems };
}

const sorted = classify(blocks);

/** Where generated files go: inside the project, so `import … from 'fleetbench'` resolves. */
const WORK = join(TMP_DIR, `docs-${process.pid}`);

function prepare(example: Example): Checked {
  const { block, kind } = example;
  const scenario = (fields: string): string =>
    `${IMPORTS}export default defineScenario({\n  name: 'doc-example',\n  duration: '1s',\n${fields}\n});\n`;
  switch (kind) {
    case 'scenario':
      return { ...example, module: `${block.code}\n`, loads: true };
    case 'fleets':
      return { ...example, module: scenario(`  fleets: {\n${block.code}\n  },`), loads: true };
    case 'fields':
      if (example.base) {
        const from = relative(WORK, join(ROOT, example.base)).replaceAll('\\', '/');
        return {
          ...example,
          module: `${IMPORTS}import base from '${from}';\nexport default defineScenario({\n  ...base,\n${block.code}\n});\n`,
          loads: true,
        };
      }
      return { ...example, module: scenario(block.code), loads: true };
    case 'program':
      return { ...example, module: `${block.code}\nexport {};\n`, loads: false };
    case 'fleet-result':
      return {
        ...example,
        module: `import type { FleetResult } from 'fleetbench';\nexport const block = {\n${block.code}\n} satisfies Partial<FleetResult>;\n`,
        loads: false,
      };
    case 'gateway-config':
    case 'excerpt':
      return { ...example, module: undefined, loads: false };
  }
}

const checked = sorted.examples.map(prepare);
const fileOf = (c: Checked): string => join(WORK, `${c.block.file.replace(/[^\w]+/g, '-')}-${c.block.line}.ts`);

// ---------------------------------------------------------------------------------------------
// Slow work started early, so that it overlaps with the type check: CLI runs and --help output.

let runs: Promise<{ example: Checked; out: string; cli: CliResult | Error }>[] = [];
let helps: Promise<Map<string, Set<string>>> | undefined;

beforeAll(() => {
  mkdirSync(WORK, { recursive: true });
  for (const c of checked) if (c.module !== undefined) writeFileSync(fileOf(c), c.module);
  runs = checked
    .filter((c) => c.run)
    .map(async (example) => {
      const out = join(WORK, `out-${example.block.line}`);
      const cli = await runCli(['run', fileOf(example), ...example.run!, '--out', out, '--quiet'], {
        timeoutMs: 40_000,
      }).catch((err: Error) => err);
      return { example, out, cli };
    });
  helps = helpFlags();
  helps.catch(() => undefined); // awaited (and reported) by its test
});

afterAll(async () => {
  await Promise.allSettled(runs);
  rmSync(WORK, { recursive: true, force: true });
});

async function helpFlags(): Promise<Map<string, Set<string>>> {
  const exec = promisify(execFile);
  const bin = join(ROOT, 'src/bin/fleetbench.js');
  const outputs = await Promise.all(
    ['', ...COMMANDS].map(async (command) => {
      const { stdout } = await exec(process.execPath, [bin, ...(command ? [command] : []), '--help'], { cwd: ROOT });
      return [command, stdout] as const;
    }),
  );
  const flags = new Map<string, Set<string>>();
  for (const [command, stdout] of outputs) flags.set(command || 'fleetbench', new Set(flagsIn(stdout)));
  return flags;
}

/** `--long` and `-s` options named in a text. */
function flagsIn(text: string): string[] {
  return [...text.matchAll(/(?<=^|[\s,(`|[])(--[a-z][a-z0-9-]*|-[a-zA-Z])(?=$|[\s,)`=\]|.;:])/gm)].map((m) => m[1]!);
}

// ---------------------------------------------------------------------------------------------

describe('docs: code examples', () => {
  it('every ts and json block is a whole scenario, marked as an example, or marked not-tested', () => {
    expect(sorted.problems).toEqual([]);
    expect(checked.length).toBeGreaterThan(0);
  });

  it('reports the blocks it checks and the blocks it cannot', () => {
    const byKind = new Map<string, number>();
    for (const c of checked) byKind.set(c.kind, (byKind.get(c.kind) ?? 0) + 1);
    const summary = [...byKind].map(([kind, n]) => `${n} ${kind}`).join(', ');
    const skipped = sorted.notTested.map((b) => `  - ${b.where}: ${b.notTested}`).join('\n');
    console.info(
      `docs examples: ${checked.length} checked (${summary}); ${sorted.notTested.length} not tested${skipped ? `:\n${skipped}` : ''}`,
    );
    for (const b of sorted.notTested) expect(b.notTested, b.where).toMatch(/\w{3}/);
  });

  const loadable = checked.filter((c) => c.loads);
  it.each(loadable.map((c) => [`${c.block.where} (${c.kind})`, c] as const))('%s loads and validates', async (_, c) => {
    let cwd: string | undefined;
    if (c.needs) {
      // The scenario names a file of the user's (e.g. tls.ca); the loader reads it from the working directory.
      const dir = join(WORK, `needs-${c.block.line}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, c.needs), '');
      cwd = process.cwd();
      process.chdir(dir);
    }
    try {
      const loaded = await loadScenario(fileOf(c));
      expect(loaded.plan.groups.length).toBeGreaterThan(0);
    } finally {
      if (cwd) process.chdir(cwd);
    }
  });

  it('every ts block and result excerpt type-checks with the compiler options of the project', () => {
    const modules = checked.filter((c) => c.module !== undefined);
    const diagnostics = typeCheck(new Map(modules.map((c) => [fileOf(c), c.module!])));
    const problems = modules.flatMap((c) =>
      (diagnostics.get(fileOf(c)) ?? []).map((d) => `${c.block.where} (${c.kind}): ${d}`),
    );
    expect(problems).toEqual([]);
  });

  it.each(checked.filter((c) => c.kind === 'fleet-result').map((c) => [c.block.where, c] as const))(
    '%s: the result excerpt is JSON',
    (_, c) => {
      expect(() => JSON.parse(`{${c.block.code}}`)).not.toThrow();
    },
  );

  it.each(checked.filter((c) => c.kind === 'gateway-config').map((c) => [c.block.where, c] as const))(
    '%s: the gateway accepts the configuration',
    (_, c) => {
      const config = resolveGatewayConfig(JSON.parse(c.block.code), c.block.where);
      expect(config).toBeDefined();
    },
  );

  it.each(checked.filter((c) => c.kind === 'excerpt').map((c) => [`${c.block.where} (${c.base})`, c] as const))(
    '%s: the excerpt is in its source file, line for line',
    (_, c) => {
      expect(c.base, `${c.block.where}: an excerpt names its file: <!-- example: excerpt of src/… -->`).toBeDefined();
      const source = readFileSync(join(ROOT, c.base!), 'utf8');
      expect(source.includes(c.block.code), `${c.block.where} drifted from ${c.base}`).toBe(true);
    },
  );

  it('runs at least one example through the CLI against embedded servers, and it completes', async () => {
    expect(runs.length).toBeGreaterThan(0);
    for (const { example, out, cli } of await Promise.all(runs)) {
      const where = example.block.where;
      if (cli instanceof Error) throw new Error(`${where}: ${cli.message}`);
      expect(cli.code, `${where}\n${cli.stdout}\n${cli.stderr}`).toBe(0);
      const [dir] = readdirSync(out);
      const result = JSON.parse(readFileSync(join(out, dir!, 'results.json'), 'utf8')) as RunResult;
      expect(cli.stdout).toContain(`${result.scenario.name}: completed in`);
      expect(result.run.partial).toBe(false);
      expect(result.errors).toEqual([]);
      expect(result.delivery.length).toBeGreaterThan(0);
      for (const row of result.delivery) {
        expect(row.verdict.kept, `${where}: ${row.from} → ${row.to}`).toBe(true);
        expect(row.received, `${where}: ${row.from} → ${row.to}`).toBeGreaterThan(0);
      }
    }
  });
});

/** Type-checks in-memory modules (paths inside the project) and returns their diagnostics by path. */
function typeCheck(files: Map<string, string>): Map<string, string[]> {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const options: ts.CompilerOptions = { ...parsed.options, noUnusedLocals: false, noUnusedParameters: false };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (f) => files.has(resolve(f)) || ts.sys.fileExists(f);
  host.readFile = (f) => files.get(resolve(f)) ?? ts.sys.readFile(f);
  host.getSourceFile = (f, language, onError, create) => {
    const text = files.get(resolve(f));
    return text === undefined ? getSourceFile(f, language, onError, create) : ts.createSourceFile(f, text, language);
  };
  const program = ts.createProgram({ rootNames: [...files.keys()], options, host });
  const out = new Map<string, string[]>();
  for (const path of files.keys()) {
    const source = program.getSourceFile(path);
    if (!source) {
      out.set(path, ['not part of the program']);
      continue;
    }
    const found = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    out.set(
      path,
      found.map((d) => {
        const { line } = d.start === undefined ? { line: 0 } : source.getLineAndCharacterOfPosition(d.start);
        return `generated line ${line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      }),
    );
  }
  return out;
}

describe('docs: links', () => {
  it('every relative link and image in README.md and docs/*.md resolves, anchors included', () => {
    const byName = new Map(pages.map((p) => [p.name, p]));
    const problems: string[] = [];
    const pending = new Set<string>();
    for (const page of pages) {
      for (const { line, text } of page.prose) {
        const withoutCode = text.replace(/`[^`]*`/g, '``');
        for (const m of withoutCode.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
          const target = m[1]!;
          if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
          const [path = '', anchor] = target.split('#');
          const file = path === '' ? page.file : resolve(dirname(page.file), decodeURIComponent(path));
          const name = relative(ROOT, file);
          const where = `${page.name}:${line}: ${target}`;
          if (!existsSync(file)) {
            if (PENDING_PAGES.has(name)) pending.add(name);
            else problems.push(`${where}: no such file`);
            continue;
          }
          if (anchor === undefined || anchor === '') continue;
          const linked = byName.get(name) ?? (name.endsWith('.md') ? readPage(file) : undefined);
          if (!linked) problems.push(`${where}: an anchor into a file that is not markdown`);
          else if (!linked.anchors.has(anchor)) problems.push(`${where}: no heading with that anchor in ${name}`);
        }
      }
    }
    if (pending.size > 0)
      console.info(`docs links: pages still to be written on another branch: ${[...pending].join(', ')}`);
    expect(problems).toEqual([]);
  });
});

describe('docs: README and pages', () => {
  it(`README.md is at most ${README_LIMIT} bytes`, () => {
    expect(statSync(README).size).toBeLessThanOrEqual(README_LIMIT);
  });

  it('the README keeps the quickstart and the test command', () => {
    const readme = pages[0]!.text;
    expect(readme).toContain('npm ci && npx fleetbench run scenarios/quickstart.ts');
    expect(readme).toMatch(/```sh\nnpm test\n```/);
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.test).toBeDefined();
    expect(readFileSync(join(ROOT, '.ci/run'), 'utf8')).toMatch(/^npm test$/m);
  });

  it("every docs page starts with a one-line summary, links back to the README and is in the README's table", () => {
    const readme = pages[0]!.text;
    const where = readme.slice(readme.indexOf('## Where next'));
    expect(where.length).toBeGreaterThan(20);
    const problems: string[] = [];
    for (const page of pages.slice(1)) {
      const lines = page.text.split('\n');
      if (!/^# \S/.test(lines[0] ?? '')) problems.push(`${page.name}: the first line is not a '# ' title`);
      const summary = lines.slice(1).find((l) => l.trim() !== '') ?? '';
      if (/^(#|\||```|<|-|\[|!)/.test(summary)) problems.push(`${page.name}: no one-line summary under the title`);
      if (!page.text.includes('](../README.md')) problems.push(`${page.name}: no link back to ../README.md`);
      if (!where.includes(`](${page.name})`)) problems.push(`${page.name}: not listed under "Where next" in README.md`);
    }
    expect(problems).toEqual([]);
  });
});

describe('docs: CLI flags', () => {
  it('every flag the docs name exists in `fleetbench <command> --help`', async () => {
    const help = await helps!;
    const all = new Set([...help.values()].flatMap((s) => [...s]));
    const problems: string[] = [];
    const check = (where: string, flag: string, command: string | undefined): void => {
      const known = command ? help.get(command) : all;
      if (!known?.has(flag))
        problems.push(`${where}: ${flag} is not a flag of fleetbench ${command ?? '(any command)'}`);
    };
    for (const page of pages) {
      // Command lines in code blocks: `fleetbench <command> … --flag`, and the synopsis's indented
      // flag lines under the command they follow.
      for (const block of page.blocks) {
        let command: string | undefined;
        block.code.split('\n').forEach((line, i) => {
          const where = `${page.name}:${block.line + 1 + i}`;
          const run = /\bfleetbench\s+(run|validate|gateway|report|compare|merge|capacity)\b(?!:)(.*)$/.exec(line);
          const bare = /\bfleetbench\s+(--.*)$/.exec(line);
          if (run) {
            command = run[1]!;
            for (const flag of flagsIn(run[2]!)) check(where, flag, command);
          } else if (bare) {
            command = undefined;
            for (const flag of flagsIn(bare[1]!)) check(where, flag, 'fleetbench');
          } else if (command && /^\s+-/.test(line)) {
            for (const flag of flagsIn(line)) check(where, flag, command);
          } else if (line.trim() !== '') {
            command = undefined;
          }
        });
      }
    }
    // Every flag docs/cli.md names anywhere, and the gateway's flag table against `gateway --help`.
    const cli = pages.find((p) => p.name === 'docs/cli.md')!;
    const named = [...new Set(flagsIn(cli.text))];
    expect(named.length).toBeGreaterThan(10);
    for (const flag of named) check('docs/cli.md', flag, undefined);
    const gateway = pages.find((p) => p.name === 'docs/gateway.md')!;
    for (const { line, text } of gateway.prose)
      if (/^\| `-/.test(text))
        for (const flag of flagsIn(text.split('|')[1]!)) check(`docs/gateway.md:${line}`, flag, 'gateway');
    expect(problems).toEqual([]);
  });
});
