#!/bin/sh
# The cloud VM (examples/cloud.yaml): the far end of the gateway board's network cable.
# A web server with the published images (www/) and a log collector
# (www/cgi-bin/collect: POSTed lines are appended to /var/log/collected).
set -u
ip link set lo up
for d in /sys/class/net/*; do [ "${d##*/}" = lo ] || nic=${d##*/}; done
ip addr add 198.51.100.1/24 dev "$nic" && ip link set "$nic" up
mkdir -p /var/log && : > /var/log/collected
httpd -p 80 -h /etc/cloud/www && echo "cloud: web server on 198.51.100.1:80, log collector at /cgi-bin/collect"
echo "cloud: up"
exec setsid cttyhack sh
