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
# The status screen: the display's text console (fbcon on tty1), when there is one.
if [ -c /dev/tty1 ] && [ -e /sys/class/graphics/fb0 ]; then
  { printf '\033[2J\033[H'; echo "HMI status"; echo; echo "  address   $(ip -4 -o addr show dev "$nic" | awk '{print $4}')";
    echo "  gateway   $(ip route | awk '/default/ {print $3}')"; echo "  cloud     http://198.51.100.1/"; } > /dev/tty1
fi
echo "hmi: up"
exec setsid cttyhack sh
