#!/bin/sh
# A font for Chinese, Japanese and Korean names in the figures (Noto Sans CJK,
# Debian's fonts-noto-cjk; llmcost/fonts.py uses it for the glyphs DejaVu Sans
# lacks), installed where this machine can (apt-get as root, or sudo without a
# password). Where it cannot, says so: such names then draw as boxes, and the
# figure jobs warn once per name. Figures of other names are the same bytes
# either way. $1: the Python of the venv, whose matplotlib font list is renewed.
PACKAGES="fonts-noto-cjk"
PYTHON=${1:-python3}
fc-list :lang=ja 2>/dev/null | grep -q . && exit 0
[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] && exit 0
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO=no; fi
  if [ "$SUDO" != no ]; then
    echo "Installing a font for Chinese, Japanese and Korean names in figures ($PACKAGES) ..."
    if $SUDO apt-get update -qq >/dev/null &&
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null; then
      # matplotlib lists the installed fonts once and caches the list: drop it to be listed anew
      rm -f "$("$PYTHON" -c 'import matplotlib; print(matplotlib.get_cachedir())')"/fontlist-*.json
      exit 0
    fi
  fi
fi
echo "No font for Chinese, Japanese or Korean names is installed, and this machine cannot install one:"
echo "such names draw as boxes in the figures. To draw them: sudo apt-get install $PACKAGES"
exit 0
