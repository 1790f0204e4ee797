#!/usr/bin/env bash
# Prints the Debian mirror and the security mirror this host's apt uses,
# read from /etc/apt at run time (deb822 *.sources or one-line *.list):
#   MAIN <uri>
#   SECURITY <uri>
# Nothing in the repository names a host: the image comes from wherever
# this machine's apt is pointed.
set -euo pipefail
SUITE=${SUITE:-bookworm}
{
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -e "$f" ] || continue
    # deb822: one paragraph per source; print "uri|suites" of the deb ones
    awk 'BEGIN{RS="";FS="\n"}
      { t=""; u=""; s="";
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^Types:/) t = $i; if ($i ~ /^URIs:/) u = $i; if ($i ~ /^Suites:/) s = $i }
        if (t ~ /[ \t]deb([ \t]|$)/) { sub(/^URIs:[ \t]*/, "", u); sub(/^Suites:[ \t]*/, "", s);
          split(u, a, " "); print a[1] "|" s } }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -e "$f" ] || continue
    sed -n -E 's/^deb[ \t]+(\[[^]]*\][ \t]+)?([^ \t]+)[ \t]+([^ \t]+).*/\2|\3/p' "$f"
  done
} | awk -F'|' -v suite="$SUITE" '
  { n = split($2, s, " ");
    for (i = 1; i <= n; i++) {
      if (s[i] == suite && main == "") main = $1
      if ((s[i] == suite "-security" || s[i] == suite "/updates") && sec == "") sec = $1 } }
  END { if (main == "") { print "no " suite " mirror in the apt configuration" > "/dev/stderr"; exit 1 }
        print "MAIN " main; if (sec != "") print "SECURITY " sec }'
