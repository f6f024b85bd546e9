#!/usr/bin/env bash
# Installs the real tools the test suite drives (Debian packages), if any is missing.
# Idempotent and quick when everything is present. Needs root (or passwordless sudo) to install.
set -euo pipefail
need=()
check() { command -v "$1" >/dev/null 2>&1 || need+=("$2"); }
check runc runc
check skopeo skopeo
check umoci umoci
check podman podman
check docker-registry docker-registry
check gcc gcc
check g++ g++
check pigz pigz
check zstd zstd
check python3 python3
check htpasswd apache2-utils
check dpkg-deb dpkg
check gpg gpg
check gpgv gpgv
check readelf binutils
check ldd libc-bin
check openssl openssl
# The install-effects tests read Java trust stores with keytool and compile a Java HTTPS client.
check keytool openjdk-17-jre-headless
check javac openjdk-17-jdk-headless
check nsenter util-linux
[ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || need+=(debian-archive-keyring)
# GNU time (not the shell keyword): the memory-bound tests read peak RSS from `time -f %M`.
[ -x /usr/bin/time ] || need+=(time)
[ -e /usr/include/openssl/ssl.h ] || need+=(libssl-dev)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
echo "provision: installing ${need[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "provision: missing ${need[*]} and not root; install them with apt-get" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
