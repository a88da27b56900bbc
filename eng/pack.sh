#!/usr/bin/env bash
# Packs every package of the solution, with its .snupkg symbols, into artifacts/packages (docs/packages.md).
# The version is the one in Directory.Build.props; pass -p:Version=1.2.3-preview.1 (or any MSBuild property) to override.
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/packages
rm -rf "$out"
dotnet pack SalesWorkflow.sln -c Release -o "$out" -nologo "$@"
ls -1 "$out"
