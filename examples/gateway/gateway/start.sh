#!/bin/sh
# The gateway VM's start-up (examples/gateway.yaml): run by the default /init from the
# read-only share mounted on /etc/gateway. It names the interfaces by their MACs, loads
# the firewall (rules.nft), forwards and masquerades the internal network, serves it
# DHCP, and starts the log shipper and the image poller; then a shell on the console.
set -u
here=/etc/gateway
. $here/net.conf

# The board's NIC is 'wan', the internal network's port 'lan' (found by MAC, whatever
# order the PCI bus gave them).
name_by_mac() {
  for d in /sys/class/net/*; do
    [ "$(cat "$d/address")" = "$1" ] && { [ "${d##*/}" = "$2" ] || ip link set dev "${d##*/}" name "$2"; return 0; }
  done
  echo "gateway: no interface with MAC $1"; return 1
}
name_by_mac "$WAN_MAC" wan && name_by_mac "$LAN_MAC" lan || exit 1
ip link set lo up
ip addr add "$WAN_ADDR" dev wan && ip link set wan up
ip addr add "$LAN_ADDR" dev lan && ip link set lan up
[ -n "${WAN_GATEWAY:-}" ] && ip route add default via "$WAN_GATEWAY"

nft -f $here/rules.nft || { echo "gateway: the firewall did not load: refusing to forward"; exit 1; }
echo 1 > /proc/sys/net/ipv4/ip_forward
echo "gateway: firewall loaded ($(nft list ruleset | grep -c 'chain ') chains), forwarding lan -> wan"

mkdir -p /var/lib/misc && touch /var/lib/misc/udhcpd.leases
udhcpd -S $here/udhcpd.conf && echo "gateway: DHCP on lan"

$here/ship-log.sh &
$here/poll-images.sh &
echo "gateway: up"
exec setsid cttyhack sh
