// Each protocol's block of a result as a table (Driver.table): one table per protocol with a
// group that has the block, one row per such group. The console and the report print them.
import type { TableColumn } from '../protocols/driver.ts';
import { allDrivers } from '../protocols/registry.ts';
import { driverLatency, type FleetResult, type RunResult } from './types.ts';

export interface ProtocolTable {
  /** The driver's name, the table's first heading. */
  protocol: string;
  /** The protocol as people write it (Driver.title). */
  title: string;
  columns: readonly TableColumn[];
  rows: { group: string; cells: string[] }[];
}

/** A group's own protocol block, when it has one. */
function blockOf(f: FleetResult, protocol: string): unknown {
  // Keyed by the protocol's name (ProtocolBlocks); a group only ever has its own protocol's.
  return f.protocol === protocol && Object.hasOwn(f, protocol) ? (Reflect.get(f, protocol) as unknown) : undefined;
}

export function protocolTables(result: RunResult): ProtocolTable[] {
  const tables: ProtocolTable[] = [];
  for (const driver of allDrivers()) {
    const table = driver.table;
    if (!table) continue;
    const rows: ProtocolTable['rows'] = [];
    for (const [group, f] of Object.entries(result.fleets)) {
      const block = blockOf(f, driver.name);
      if (block === undefined || block === null) continue;
      let cells: string[];
      try {
        cells = table.row(block, { latency: (kind) => driverLatency(f, kind) });
      } catch {
        // A block this version cannot read (a hand-edited or older results.json): shown, not fatal.
        cells = table.columns.map(() => '?');
      }
      rows.push({ group, cells });
    }
    if (rows.length > 0) tables.push({ protocol: driver.name, title: driver.title, columns: table.columns, rows });
  }
  return tables;
}
