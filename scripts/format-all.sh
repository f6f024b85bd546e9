#!/usr/bin/env bash
# One-time step, run by the lead after the issue-13 branches are merged: drops the transitional
# "not-yet-formatted" section of .prettierignore, so format:check covers src/, test/ and scripts/,
# then formats them (npm run format) and prints the size of the change. Commit the result on its own.
set -euo pipefail
cd "$(dirname "$0")/.."
sed -i '/^# BEGIN not-yet-formatted/,/^# END not-yet-formatted/d' .prettierignore
npm run --silent format
# Twice: on a few unformatted member chains (src/spec/schema.ts) Prettier's first pass is not yet its fixed point.
npm run --silent format
npm run --silent format:check
git diff --shortstat
