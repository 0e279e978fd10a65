# Sourced by the script tests: checks their two arguments (RLISIM_BINARY WORKDIR) and sets
# rlisim (absolute path), work, repo (the checkout) and py (the interpreter the project's
# scripts run under, /usr/bin/python3 unless RLISIM_PYTHON says otherwise).
if [[ $# -ne 2 ]]; then
  echo "usage: $0 RLISIM_BINARY WORKDIR" >&2
  exit 2
fi
rlisim=$(realpath -m "$1")
if [[ ! -x $rlisim ]]; then
  echo "FAIL: no rlisim binary at $1" >&2
  exit 1
fi
work=$2
repo=$(cd "$(dirname "$0")/../.." && pwd)
py=${RLISIM_PYTHON:-/usr/bin/python3}
