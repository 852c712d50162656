#!/usr/bin/env bash
# The test command of the README and of CI: install what the tests need, then run them.
#
#   scripts/test.sh [pytest arguments]           newest versions pip resolves, in the current Python
#   scripts/test.sh --oldest [pytest arguments]  the oldest versions pyproject.toml allows (ci/oldest.txt),
#                                                in a virtualenv of their own (.venv-oldest)
#
# On Debian/Ubuntu it installs, once, the programs the tests drive: LibreOffice Calc and Writer
# (templates recalculated, forms turned into PDF), CJK fonts, Chromium and its driver (browser
# tests).  Everything is skipped when already present, so running it again costs only pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

oldest=0
if [[ "${1:-}" == "--oldest" ]]; then oldest=1; shift; fi

PACKAGES=(libreoffice-calc libreoffice-writer fonts-noto-cjk chromium chromium-driver)
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  python3 -c "import ensurepip" 2>/dev/null || missing+=(python3-venv)
fi
if ((${#missing[@]})); then
  echo "安装测试所需的程序：${missing[*]}（只在第一次运行时安装）"
  sudo=""
  if [[ "$(id -u)" != 0 ]]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
elif ! command -v dpkg-query >/dev/null 2>&1 && ! command -v soffice >/dev/null 2>&1; then
  echo "这台电脑不是 Debian/Ubuntu：请先自行安装 LibreOffice（含 Writer）、中文字体和 Chromium，否则相关测试会失败。" >&2
fi

if ((oldest)); then
  venv="${XLTOOLS_OLDEST_VENV:-.venv-oldest}"
  [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
  py="$venv/bin/python"
  # The constraints pin every runtime dependency at the lowest version pyproject.toml declares.
  "$py" -m pip install -q -c ci/oldest.txt -e ".[test]"
  "$py" -m pip check >/dev/null
else
  py=python3
  "$py" -m pip install -q -e ".[test]"
fi
exec "$py" -m pytest -q "$@"
