#!/usr/bin/env bash
# Consumer test: pack GaNas into a local feed, then build and run, outside the repository, an app
# that references GaNas.MLNet and libtorch-cpu-linux-x64 as packages (fit a tiny model on the
# shared CIFAR-10 PNGs, save, reload, predict), and install the ganas tool from the same feed.
# Usage: tests/Consumer/run.sh [image folder]   (default ../shared/benchmarks/images/cifar10-960)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
images=$(cd "${1:-$repo/../shared/benchmarks/images/cifar10-960}" && pwd)
fail() { echo "consumer test: $*" >&2; exit 1; }
[ -d "$images" ] || fail "no image folder at $images"

work=$(mktemp -d /tmp/ganas-consumer.XXXXXX)
trap 'rm -rf "$work"' EXIT
# A version no earlier run used, so no package cache can serve a stale GaNas build.
version="0.1.0-consumer.$(date +%Y%m%d%H%M%S).$$"
feed="$work/feed"

echo "consumer test: packing GaNas $version into $feed"
dotnet pack "$repo/GaNas.MLNet.sln" -c Release -o "$feed" -p:VersionSuffix="${version#0.1.0-}" -v quiet -nologo \
  || fail "dotnet pack failed"
for id in GaNas.Core GaNas.MLNet GaNas.Cli; do
  [ -f "$feed/$id.$version.nupkg" ] || fail "dotnet pack did not produce $id.$version.nupkg"
done
unzip -l "$feed/GaNas.Core.$version.nupkg" | grep -q 'buildTransitive/GaNas.Core.targets' \
  || fail "GaNas.Core package lacks buildTransitive/GaNas.Core.targets"

# The app lives outside the repository, with its own nuget.config: the local feed on top of the
# machine's usual sources; packages restore into a fresh folder, falling back to the machine's cache.
app="$work/app"
cp -r "$repo/tests/Consumer/App" "$app"
cat > "$app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <config>
    <add key="globalPackagesFolder" value="$work/packages" />
  </config>
  <packageSources>
    <add key="ganas-local" value="$feed" />
  </packageSources>
  <fallbackPackageFolders>
    <add key="machine" value="${NUGET_PACKAGES:-$HOME/.nuget/packages}" />
  </fallbackPackageFolders>
</configuration>
XML
cd "$app"
echo "consumer test: building the app in $app"
dotnet build -c Release -p:GaNasVersion="$version" -nologo -v minimal > "$work/build.log" 2>&1 \
  || { cat "$work/build.log"; fail "the consumer app did not build"; }
grep "GaNas: patched" "$work/build.log" || { cat "$work/build.log"; fail "the package's build targets did not patch libLibTorchSharp.so"; }
echo "consumer test: running the app on $images"
out=$(dotnet bin/Release/net10.0/Consumer.dll "$images" "$work/model.zip" 2>&1) || { echo "$out"; fail "the consumer app failed"; }
echo "$out"
echo "$out" | grep -q '^test accuracy: ' || fail "the app printed no accuracy"
echo "$out" | grep -q '^reloaded predictions identical$' || fail "reloaded predictions were not identical"

echo "consumer test: installing the ganas tool from the feed"
dotnet tool install GaNas.Cli --version "$version" --tool-path "$work/tools" --add-source "$feed" > "$work/tool.log" 2>&1 \
  || { cat "$work/tool.log"; fail "dotnet tool install GaNas.Cli failed"; }
described=$("$work/tools/ganas" describe --space tss --arch '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|') \
  || fail "ganas describe failed"
echo "$described"
echo "$described" | grep -q '"params"' || fail "ganas describe printed no params"
echo "consumer test: passed"
