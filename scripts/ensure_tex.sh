#!/bin/sh
# pdflatex and pdftotext for the LaTeX tests and `make paper`: installed from
# Debian's packages where this machine can (apt-get as root, or sudo without a
# password). Where it cannot, says so: the LaTeX tests then skip, naming the
# command (except under CI=true, where they fail).
PACKAGES="texlive-latex-base texlive-latex-recommended texlive-latex-extra poppler-utils"
command -v pdflatex >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 && exit 0
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO=no; fi
  if [ "$SUDO" != no ]; then
    echo "Installing TeX for the LaTeX tests and the paper ($PACKAGES) ..."
    $SUDO apt-get update -qq >/dev/null &&
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null &&
      exit 0
  fi
fi
echo "pdflatex or pdftotext is missing and cannot be installed here: the LaTeX tests will be skipped."
echo "To run them: sudo apt-get install --no-install-recommends $PACKAGES"
exit 0
