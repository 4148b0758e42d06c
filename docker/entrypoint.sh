#!/bin/sh
# Starts one Orderflow program in the container: the first argument, or $APP when there is none.
#   api | worker | reporting               the long-running apps (npm scripts start:<name>)
#   migrate | apikey | dlq | report:export any other npm script of the form `node <file>`
# Programs are looked up in package.json, so the image follows the npm scripts without a second
# list to keep in sync, and are exec'd without npm in between so that signals reach node.
set -eu
cd /app

program="${1:-${APP:-}}"
if [ "$#" -gt 0 ]; then shift; fi

usage() {
  echo "usage: <program> [arguments]   (or set APP=<program>)" >&2
  echo "programs: api, worker, reporting, and the npm scripts that run 'node <file>':" >&2
  node -e '
    const scripts = require("./package.json").scripts;
    const names = Object.keys(scripts).filter((name) => /^node [\w./-]+$/.test(scripts[name]));
    console.error("  " + names.map((name) => name.replace(/^start:/, "")).join(", "));
  '
  exit 64
}

[ -n "$program" ] || usage

file=$(node -e '
  const scripts = require("./package.json").scripts;
  const name = process.argv[1];
  const script = scripts["start:" + name] ?? scripts[name];
  if (typeof script === "string" && /^node [\w./-]+$/.test(script)) console.log(script.slice("node ".length));
' "$program")

if [ -z "$file" ]; then
  echo "orderflow: unknown program '$program'" >&2
  usage
fi

exec node "$file" "$@"
