#!/bin/sh
# Field upgrades from the cloud (docs/gateway.md): every few seconds the gateway asks the
# cloud for the newest published version of each image it delivers; a newer one is
# fetched and handed to the RootOS through the upgrade port, which verifies it, writes it
# to the VM's inactive slot and restarts the VM from it (or refuses it, saying why). The
# gateway cannot make the RootOS boot anything it would not: the signature decides.
. /etc/gateway/net.conf
port=/dev/virtio-ports/org.bulkhead.upgrade
sent=$RT_VERSION   # the version the board shipped with
while :; do
  sleep 5
  v=$(wget -q -T 5 -O - "http://$CLOUD/images/rt/LATEST" 2>/dev/null) || continue
  case "$v" in ''|*[!0-9]*) continue ;; esac
  [ "$v" -gt "$sent" ] || continue
  wget -q -T 30 -O /tmp/rt.bundle "http://$CLOUD/images/rt/rt-v$v.bundle" || continue
  exec 3<>"$port"
  cat /tmp/rt.bundle >&3
  read -r -t 120 reply <&3 || reply="no answer from the RootOS"
  exec 3<&-
  echo "gateway: rt version $v handed to the RootOS: $reply"
  sent=$v   # answered either way: a refused version is not sent again
done
