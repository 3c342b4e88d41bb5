#!/usr/bin/env bash
# The Debian packages the test suite uses beyond Node.js: chromium (the search page's browser test) and fluidsynth
# with the General MIDI soundfont (the GM render test). Installs what is missing; does nothing when all are there.
set -euo pipefail
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v fluidsynth >/dev/null || missing+=(fluidsynth)
[ -f /usr/share/sounds/sf2/FluidR3_GM.sf2 ] || missing+=(fluid-soundfont-gm)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
