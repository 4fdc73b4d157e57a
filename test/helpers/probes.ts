// Running probes from tests: the built-in catalogue (or one folder), against real targets, and
// the cells by row id and target name. A row id is '<protocol>/<file>' plus '@<variant>'.
import { CATALOGUE, loadProbes, probeFilesIn } from '../../src/probe/files.ts';
import type { ProbeMatrix } from '../../src/probe/matrix.ts';
import { parseProbeTarget, runProbes } from '../../src/probe/run.ts';
import type { Cell } from '../../src/probe/verdict.ts';

export interface ProbeRunFor {
  /** 'name=url' or 'embedded:<protocol>', as on the command line. */
  targets: string[];
  /** Run only rows whose id contains one of these. */
  only?: string[];
  /** A folder of probes instead of the catalogue. */
  dir?: string;
  parallel?: number;
  /** The load rows' devices and seconds; omitted: no load rows. */
  load?: { devices: number; durationS: number };
}

export async function probeMatrix(o: ProbeRunFor): Promise<ProbeMatrix> {
  const probes = await loadProbes(probeFilesIn(o.dir ?? CATALOGUE));
  return runProbes({
    targets: o.targets.map(parseProbeTarget),
    probes,
    ...(o.only ? { only: o.only } : {}),
    ...(o.parallel ? { parallel: o.parallel } : {}),
    load: o.load ?? null,
  });
}

/** The cell of `row` at `target`, failing with the rows that exist when there is none. */
export function cellOf(m: ProbeMatrix, row: string, target: string): Cell {
  const cell = m.cells[row]?.[target];
  if (!cell) throw new Error(`no cell ${row} × ${target}; rows: ${Object.keys(m.cells).join(', ')}`);
  return cell;
}

/** 'pass: …' / 'fail: …': a cell in one line, for expect messages. */
export const showCell = (c: Cell): string => `${c.status}: ${c.seen}`;
