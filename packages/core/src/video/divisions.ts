import { DIVISIONS_2023 } from './divisions-data';

let byCode: Map<string, string> | null = null;

/** The GB/T 2260 division code table (decoded once, on first use). */
function table(): Map<string, string> {
  if (!byCode) {
    byCode = new Map();
    for (const entry of DIVISIONS_2023.split(';')) byCode.set(entry.slice(0, 6), entry.slice(6));
  }
  return byCode;
}

/** The name of an existing administrative division (6 digits), or undefined when no such code exists. */
export function divisionName(code: string): string | undefined {
  return table().get(code);
}

/** How many division codes the bundled list holds. */
export function divisionCount(): number {
  return table().size;
}
