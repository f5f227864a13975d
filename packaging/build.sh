#!/usr/bin/env bash
# Builds the .deb and the .rpm from the files git tracks in this tree (with
# their uncommitted changes), at the version meson.build declares, into dist/.
#
#   packaging/build.sh [--check]
#
# --check also runs the test suite inside dpkg-buildpackage; by default it is
# skipped (DEB_BUILD_OPTIONS=nocheck) because `make check` runs it.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
check=no
[ "${1:-}" = "--check" ] && check=yes

version=$(sed -n "s/^  version: '\([^']*\)',$/\1/p" meson.build | head -n1)
if [ -z "$version" ]; then
	echo "packaging: no version: line in meson.build" >&2
	exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src="$work/streamdag-$version"
mkdir -p "$src"
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$src"

# The changelog is the .deb's version: a meson.build version it does not have
# yet gets an entry of its own, so the two never disagree.
top_version=$(dpkg-parsechangelog -l packaging/debian/changelog -S Version)
cp -r packaging/debian "$src/debian"
if [ "$top_version" != "$version" ]; then
	{
		printf 'streamdag (%s) unstable; urgency=medium\n\n' "$version"
		printf '  * Version %s from meson.build.\n\n' "$version"
		printf ' -- The streamdag authors <maintainers@streamdag.org>  %s\n\n' "$(date -R)"
		cat packaging/debian/changelog
	} >"$src/debian/changelog"
fi

mkdir -p dist
echo "packaging: building streamdag $version (.deb)"
(
	cd "$src"
	if [ "$check" = no ]; then
		export DEB_BUILD_OPTIONS="nocheck ${DEB_BUILD_OPTIONS:-}"
		profiles=(-Pnocheck)
	else
		profiles=()
	fi
	dpkg-buildpackage -b -us -uc "${profiles[@]}"
) >"$work/deb.log" 2>&1 || {
	tail -n 60 "$work/deb.log" >&2
	exit 1
}
mv "$work"/streamdag_"$version"_*.deb dist/

echo "packaging: building streamdag $version (.rpm)"
rm -rf "$src/debian"
tar -C "$work" -czf "$work/streamdag-$version.tar.gz" "streamdag-$version"
mkdir -p "$work/rpm/SOURCES"
cp "$work/streamdag-$version.tar.gz" "$work/rpm/SOURCES/"
sed "s/@VERSION@/$version/" packaging/streamdag.spec.in >"$work/streamdag.spec"
# --nodeps: on Debian the build dependencies are dpkg's, not in rpm's database
rpmbuild --define "_topdir $work/rpm" --nodeps -bb "$work/streamdag.spec" \
	>"$work/rpm.log" 2>&1 || {
	tail -n 60 "$work/rpm.log" >&2
	exit 1
}
find "$work/rpm/RPMS" -name "streamdag-$version-*.rpm" -exec mv {} dist/ \;

ls -l dist/
