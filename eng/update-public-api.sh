#!/usr/bin/env bash
# Records deliberate public API changes: builds, then moves every symbol the PublicApiAnalyzers report as new (RS0016)
# into that project's PublicAPI.Unshipped.txt and drops every removed one (RS0017). Review the diff before committing:
# each line is a promise to partners (STYLE.md).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:-SalesWorkflow.sln}"
log=$(mktemp)
dotnet build "$target" -p:TreatWarningsAsErrors=false -nologo -clp:NoSummary >"$log" 2>&1 || true
python3 - "$log" <<'PY'
import re, sys, collections, os
adds = collections.defaultdict(set); removes = collections.defaultdict(set)
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.search(r"(RS0016|RS0017): Symbol '(.+?)' is (?:not part of the declared public API|part of the declared API, but is either not public or could not be found).*\[(.+?\.csproj)\]", line)
    if not m: continue
    code, symbol, proj = m.groups()
    (adds if code == "RS0016" else removes)[os.path.dirname(proj)].add(symbol)
for d in set(adds) | set(removes):
    path = os.path.join(d, "PublicAPI.Unshipped.txt")
    lines = [l.rstrip("\n") for l in open(path, encoding="utf-8")] if os.path.exists(path) else ["#nullable enable"]
    body = set(l for l in lines[1:] if l.strip()) - removes[d] | adds[d]
    shipped = os.path.join(d, "PublicAPI.Shipped.txt")
    if removes[d] and os.path.exists(shipped):
        s = [l.rstrip("\n") for l in open(shipped, encoding="utf-8")]
        kept = [l for l in s if l not in removes[d]]
        if kept != s: open(shipped, "w", encoding="utf-8").write("\n".join(kept) + "\n")
    open(path, "w", encoding="utf-8").write("\n".join(["#nullable enable"] + sorted(body)) + "\n")
    print(f"{path}: +{len(adds[d])} -{len(removes[d])}")
PY
rm -f "$log"
