#!/bin/sh
# Installs dazai from this unpacked tree, or uninstalls it.
#
#   ./install.sh [--prefix DIR] [--unit-dir DIR | --no-unit]
#   ./install.sh --uninstall [--prefix DIR]        (also: PREFIX/lib/dazai/install.sh --uninstall)
#
# Install puts the launcher at PREFIX/bin/dazai, the jar and its JVM options under
# PREFIX/lib/dazai/, man pages under PREFIX/share/man/man1/, completions under
# PREFIX/share/bash-completion/completions/ and PREFIX/share/zsh/site-functions/, the documents
# under PREFIX/share/doc/dazai/, and the systemd user unit into UNIT-DIR (default
# ${XDG_CONFIG_HOME:-~/.config}/systemd/user) with ExecStart pointing at PREFIX/bin/dazai. It then
# dumps the class-data archive for the java the launcher finds now. PREFIX defaults to ~/.local.
# Every file and directory it makes is listed in PREFIX/lib/dazai/install-manifest; uninstall
# removes exactly those (and the archives the launcher dumped beside them), nothing else.
# A file in the way that no dazai install made is left alone and the install stops (exit 3).
# Installing over an earlier install uninstalls that one first.
#
# Exit status: 0 done, 2 usage, 3 environment (nothing is left half-done).
set -u
umask 022

say() { printf 'dazai install: %s\n' "$1"; }
die() {
  printf 'dazai install: %s\n' "$2" >&2
  exit "$1"
}

here=$(cd -P -- "$(dirname -- "$0")" && pwd -P) || die 3 "cannot find the directory of $0"
prefix=
unit_dir=${XDG_CONFIG_HOME:-${HOME:-/nonexistent}/.config}/systemd/user
unit=yes
action=install
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) [ $# -ge 2 ] || die 2 "--prefix needs a directory; see --help"; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    --unit-dir) [ $# -ge 2 ] || die 2 "--unit-dir needs a directory; see --help"; unit_dir=$2; shift 2 ;;
    --unit-dir=*) unit_dir=${1#--unit-dir=}; shift ;;
    --no-unit) unit=no; shift ;;
    --uninstall) action=uninstall; shift ;;
    -h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die 2 "unknown argument '$1'; see ./install.sh --help" ;;
  esac
done

# The copy of this script an install leaves in PREFIX/lib/dazai uninstalls its own prefix.
if [ -z "$prefix" ]; then
  if [ -f "$here/install-manifest" ]; then
    prefix=$(cd -P -- "$here/../.." && pwd -P)
  else
    prefix=${HOME:-/nonexistent}/.local
  fi
fi
case $prefix in
  /*) ;;
  *) prefix=$(pwd -P)/$prefix ;;
esac
case $unit_dir in
  /*) ;;
  *) unit_dir=$(pwd -P)/$unit_dir ;;
esac
manifest=$prefix/lib/dazai/install-manifest

# Removes what a manifest lists: files first, then the directories it made, deepest first, if
# empty. Archives the launcher dumped into lib/dazai/cds are dazai's too.
remove_listed() {
  list=$1
  rm -f -- "$prefix"/lib/dazai/cds/*.jsa "$prefix"/lib/dazai/cds/*.jar
  for lock in "$prefix"/lib/dazai/cds/*.lock; do
    [ -d "$lock" ] && rmdir -- "$lock" 2>/dev/null
  done
  while IFS= read -r line; do
    case $line in
      'f '*) rm -f -- "${line#f }" ;;
    esac
  done <"$list"
  sed -n 's/^d //p' "$list" | sort -r | while IFS= read -r dir; do
    rmdir -- "$dir" 2>/dev/null
  done
  return 0
}

if [ "$action" = uninstall ]; then
  [ -f "$manifest" ] || die 3 "nothing installed at $prefix (no $manifest); pass the --prefix you installed to"
  list=$(mktemp) || die 3 "cannot make a temporary file"
  cp -- "$manifest" "$list" || die 3 "cannot read $manifest"
  remove_listed "$list"
  left=$(sed -n 's/^f //p' "$list" | while IFS= read -r f; do [ -e "$f" ] && printf '%s\n' "$f"; done)
  rm -f -- "$list"
  [ -z "$left" ] || die 3 "could not remove: $left"
  say "removed dazai from $prefix"
  exit 0
fi

# ---- install ---------------------------------------------------------------------------------
[ -x "$here/bin/dazai" ] && [ -f "$here/lib/dazai/app.jar" ] ||
  die 3 "$here is not an unpacked dazai tree (no bin/dazai, lib/dazai/app.jar)"
case $prefix$unit_dir in
  *'
'*) die 2 "a path with a newline in it cannot be installed to" ;;
esac

if [ -f "$manifest" ]; then
  say "replacing the install at $prefix"
  "$here/install.sh" --uninstall --prefix "$prefix" >/dev/null || die 3 "could not remove the earlier install at $prefix"
fi

# What goes where: the tree is a prefix image, so a file's place is its path in the tree.
files=$(cd -- "$here" && find bin lib share -type f ! -path 'lib/dazai/cds/*' ! -path 'lib/systemd/*' | sort)
for f in $files; do
  if [ -e "$prefix/$f" ] || [ -L "$prefix/$f" ]; then
    die 3 "$prefix/$f exists and no dazai install made it; remove it or pass another --prefix"
  fi
done
unit_file=
if [ "$unit" = yes ]; then
  unit_file=$unit_dir/dazai.service
  if [ -e "$unit_file" ]; then
    die 3 "$unit_file exists and no dazai install made it; remove it, pass --unit-dir DIR or --no-unit"
  fi
fi

staging=$(mktemp) || die 3 "cannot make a temporary file"
# Anything that fails from here on undoes what was done so far.
undo() {
  remove_listed "$staging"
  rm -f -- "$staging"
}
trap 'undo; exit 3' INT TERM HUP

# mkdir -p that records each directory it makes.
make_dir() {
  [ -d "$1" ] && return 0
  make_dir "$(dirname -- "$1")" || return 1
  mkdir -- "$1" || return 1
  printf 'd %s\n' "$1" >>"$staging"
}

put() { # put SOURCE DEST MODE
  make_dir "$(dirname -- "$2")" &&
    printf 'f %s\n' "$2" >>"$staging" &&
    cp -- "$1" "$2" &&
    chmod "$3" "$2"
}

fail() {
  undo
  trap - INT TERM HUP
  die 3 "$1; nothing was installed"
}

for f in $files; do
  case $f in
    bin/*) mode=755 ;;
    *) mode=644 ;;
  esac
  put "$here/$f" "$prefix/$f" "$mode" || fail "cannot write $prefix/$f"
done
put "$here/install.sh" "$prefix/lib/dazai/install.sh" 755 || fail "cannot write $prefix/lib/dazai/install.sh"
make_dir "$prefix/lib/dazai/cds" || fail "cannot make $prefix/lib/dazai/cds"

if [ -n "$unit_file" ]; then
  # The unit as shipped names the default prefix (%h/.local); it is pointed at this one instead.
  case $prefix in
    *[!A-Za-z0-9/._+@:=,-]*) fail "the unit cannot name $prefix (a space or a character systemd or sed would read); pass another --prefix, or --no-unit" ;;
  esac
  make_dir "$unit_dir" || fail "cannot make $unit_dir"
  printf 'f %s\n' "$unit_file" >>"$staging"
  sed "s|%h/\.local/|$prefix/|g" "$here/lib/systemd/user/dazai.service" >"$unit_file" &&
    chmod 644 "$unit_file" || fail "cannot write $unit_file"
fi

printf 'f %s\n' "$manifest" >>"$staging"
cp -- "$staging" "$manifest" || fail "cannot write $manifest"
rm -f -- "$staging"
trap - INT TERM HUP
staging=$manifest

# The class-data archive for this java and this jar path (the tree's was made for the tree's path).
if DAZAI_CDS=dump "$prefix/bin/dazai" 2>/dev/null; then
  say "class-data archive made for the java found now"
else
  say "no class-data archive (no usable java found now); the launcher makes one on first use"
fi

say "installed dazai into $prefix"
case :${PATH:-}: in
  *:"$prefix/bin":*) ;;
  *) say "add $prefix/bin to PATH (e.g. in ~/.profile: PATH=\"$prefix/bin:\$PATH\")" ;;
esac
say "zsh completion: fpath+=($prefix/share/zsh/site-functions) before compinit in ~/.zshrc"
if [ -n "$unit_file" ]; then
  say "systemd user unit: $unit_file; see man dazai, FILES (systemctl --user daemon-reload first)"
fi
say "remove it all with: $prefix/lib/dazai/install.sh --uninstall"
