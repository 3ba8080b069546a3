#!/bin/sh
# The HMI VM's start-up (examples/gateway.yaml): its one NIC gets an address from the
# gateway (DHCP); the cloud is reached through the gateway only. Then a shell.
set -u
ip link set lo up
for d in /sys/class/net/*; do [ "${d##*/}" = lo ] || nic=${d##*/}; done
ip link set "$nic" up
# Patient: the gateway may still be booting (a minute and a half of DISCOVERs).
if udhcpc -i "$nic" -t 30 -T 3 -n -q -s /etc/hmi/udhcpc.sh; then
  echo "hmi: $(ip -4 -o addr show dev "$nic" | awk '{print $4}') from the gateway"
else
  echo "hmi: no address from the gateway"
fi
echo "hmi: up"
exec setsid cttyhack sh
