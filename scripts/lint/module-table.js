import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const TABLE_HEADING = '## Rooms (modules) and what each may touch';

/**
 * The module table of `docs/DESIGN.md`: each top-level folder of `src/` and the modules it may
 * import (the backquoted names of its "may use" cell). The table is the one source of the
 * boundaries lint; a folder of `src/` without a row, or a row without a folder, is an error.
 * @param {string} root the repository root
 * @returns {Map<string, string[]>} module → the modules it may use
 */
export function readModuleTable(root) {
  const design = readFileSync(join(root, 'docs/DESIGN.md'), 'utf8');
  const start = design.indexOf(TABLE_HEADING);
  if (start < 0) throw new Error(`docs/DESIGN.md has no "${TABLE_HEADING}" section`);
  const section = design.slice(start).split('\n## ')[0];
  const table = new Map();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const module = /^`([a-z-]+)`$/.exec(cells[1] ?? '')?.[1];
    if (!module || cells.length < 5) continue;
    table.set(
      module,
      [...cells[3].matchAll(/`([a-z-]+)`/g)].map((match) => match[1]),
    );
  }
  const folders = readdirSync(join(root, 'src'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  const problems = [
    ...folders.filter((folder) => !table.has(folder)).map((f) => `src/${f}/ has no row`),
    ...[...table.keys()].filter((m) => !folders.includes(m)).map((m) => `${m} has no folder`),
    ...[...table].flatMap(([module, uses]) =>
      uses.filter((used) => !table.has(used)).map((used) => `${module} may use unknown ${used}`),
    ),
  ];
  if (problems.length > 0) {
    throw new Error(`docs/DESIGN.md's module table does not match src/: ${problems.join('; ')}`);
  }
  return table;
}

/**
 * `import-x/no-restricted-paths` zones that forbid every import the table does not allow.
 * @param {Map<string, string[]>} table from readModuleTable
 */
export function boundaryZones(table) {
  const modules = [...table.keys()];
  return [...table].flatMap(([module, uses]) => {
    const forbidden = modules.filter((other) => other !== module && !uses.includes(other));
    if (forbidden.length === 0) return [];
    return [
      {
        target: `./src/${module}`,
        from: forbidden.map((other) => `./src/${other}`),
        message: `docs/DESIGN.md: ${module} may use ${uses.length > 0 ? uses.join(', ') : 'no other module'}`,
      },
    ];
  });
}
