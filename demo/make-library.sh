#!/usr/bin/env bash
# Rebuilds demo/library/ — the demo sound library `npm start` indexes — from Debian's sonic-pi-samples: every sample
# whose DEP-5 stanza says CC0, as 16 kHz mono 16-bit FLAC cut to 10 s. Needs apt-get (download only), dpkg and sox.
# The result is committed; this script documents where it came from and makes it again.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download sonic-pi-samples >/dev/null && dpkg -x sonic-pi-samples_*.deb unpacked)
samples="$work/unpacked/usr/share/sonic-pi/samples"
copyright="$work/unpacked/usr/share/doc/sonic-pi-samples/copyright"
out="$here/library"
rm -rf "$out"
mkdir -p "$out"
# One "Files:" line per sample in the copyright file; keep those whose stanza's License is CC0.
awk '/^Files:/ { file = $2 } /^License:/ { if ($2 == "CC0" && file ~ /samples\//) print file; file = "" }' "$copyright" |
  sed 's#.*/##' | sort | while read -r name; do
    sox -V1 -G "$samples/$name" -r 16000 -c 1 -b 16 "$out/$name" trim 0 10 2>/dev/null
  done
# elec_tick (19 ms) is shorter than the 30 ms an index accepts.
rm "$out/elec_tick.flac"
{
  echo "# The demo library"
  echo
  echo "$(ls "$out"/*.flac | wc -l) samples from Debian's \`sonic-pi-samples\` (Sonic Pi, https://github.com/samaaron/sonic-pi),"
  echo "each released under CC0 by its author (per-file credits below, from the package's DEP-5 copyright file),"
  echo "converted to 16 kHz mono FLAC by \`demo/make-library.sh\`."
  echo
  echo "| file | copyright | source |"
  echo "|---|---|---|"
  awk '/^Files:/ { file = $2; sub(/.*\//, "", file) } /^Copyright:/ { sub(/^Copyright: */, ""); who = $0 } /^Source:/ { src = $2 }
       /^License:/ { if ($2 == "CC0" && file != "" && file != "elec_tick.flac") print "| " file " | " who " | " src " |"; file = "" }' "$copyright" | sort
} > "$out/CREDITS.md"
du -sh "$out"
