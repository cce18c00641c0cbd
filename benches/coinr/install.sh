#!/usr/bin/env bash
# Installs R (Debian's packages) and COINr from its public source so that
# benches/bench_index.py can run COINr's own uncertainty analysis beside innodex.
#
#   benches/coinr/install.sh [COINR_SOURCE]
#
# COINR_SOURCE is a COINr source directory or .tar.gz (default: $COINR_SRC, else the v1.1.14
# tarball from GitHub). COINr goes into target/R-lib (R_LIBS for the benchmark), nothing into
# R's system library. COINr's imports (openxlsx, rlang, ggplot2, readxl) come from Debian.
set -euo pipefail
cd "$(dirname "$0")/../.."
packages=(r-base-core r-cran-openxlsx r-cran-rlang r-cran-ggplot2 r-cran-readxl)
if ! command -v Rscript >/dev/null || ! Rscript -e 'for (p in c("openxlsx", "rlang", "ggplot2", "readxl")) library(p, character.only = TRUE)' >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}"
  elif command -v sudo >/dev/null; then
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}"
  else
    echo "install.sh: needs Debian's ${packages[*]} (run as root or with sudo)" >&2
    exit 1
  fi
fi
src="${1:-${COINR_SRC:-}}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -z "$src" ]; then
  url=https://github.com/bluefoxr/COINr/archive/refs/tags/v1.1.14.tar.gz
  if ! curl -fsSL -m 60 -o "$work/COINr.tar.gz" "$url"; then
    echo "install.sh: cannot download COINr from $url; pass a COINr source directory or" \
      "tarball as the first argument (or COINR_SRC)" >&2
    exit 1
  fi
  src="$work/COINr.tar.gz"
fi
if [ -f "$src" ]; then
  mkdir -p "$work/src"
  tar -xzf "$src" -C "$work/src" --strip-components=1
  src="$work/src"
fi
if [ ! -f "$src/DESCRIPTION" ]; then
  echo "install.sh: $src is not a COINr source (no DESCRIPTION)" >&2
  exit 1
fi
mkdir -p target/R-lib
R CMD INSTALL --no-docs --no-multiarch -l target/R-lib "$src"
R_LIBS=target/R-lib Rscript -e 'cat("COINr", as.character(packageVersion("COINr")), "installed\n")'
