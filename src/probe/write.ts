// Writing a probe run's files: `<out>/probe-<timestamp>/` (linked as `<out>/latest`) or one
// fixed folder, with probe.json (the matrix, read back by --baseline), probe.html, junit.xml and
// probe.md (the Markdown summary).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirs } from '../report/out-dir.ts';
import { runFolderName, updateLatest } from '../report/out-folder.ts';
import type { BaselineVerdict } from './baseline.ts';
import { matrixHtml } from './html.ts';
import { matrixJUnit } from './junit.ts';
import type { ProbeMatrix } from './matrix.ts';
import { matrixMarkdown } from './text.ts';

export interface ProbeFiles {
  folder: string;
  json: string;
  html: string;
  junit: string;
  markdown: string;
  /** Set when the `latest` link could not be updated. */
  warning?: string;
}

export function writeProbeFiles(
  m: ProbeMatrix,
  baseline: BaselineVerdict | undefined,
  place: { out: string; exact?: string },
): ProbeFiles {
  const folder = place.exact ?? join(place.out, runFolderName('probe', m.startedAt));
  makeDirs(folder);
  const files = {
    folder,
    json: join(folder, 'probe.json'),
    html: join(folder, 'probe.html'),
    junit: join(folder, 'junit.xml'),
    markdown: join(folder, 'probe.md'),
  };
  writeFileSync(files.json, `${JSON.stringify(m, null, 2)}\n`);
  writeFileSync(files.html, matrixHtml(m, baseline));
  writeFileSync(files.junit, matrixJUnit(m, baseline));
  writeFileSync(files.markdown, matrixMarkdown(m, baseline));
  const warning = place.exact === undefined ? updateLatest(place.out, folder) : undefined;
  return warning ? { ...files, warning } : files;
}
