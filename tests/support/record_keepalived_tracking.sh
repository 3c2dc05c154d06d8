#!/bin/bash
# Run as root from any directory: it works in /tmp/netstep-katr and leaves out.log, marks.log
# and tcpdump.txt there (docs/keepalived-real.md §14 quotes them).
mkdir -p /tmp/netstep-katr && cd /tmp/netstep-katr
# Real keepalived 2.2.7: track_interface (weight 0 and weighted) and a vrrp_sync_group,
# in a namespace of its own. Bounded: timeout on keepalived, everything torn down at the end.
set -u
ip netns del katr 2>/dev/null; ip netns del katrp 2>/dev/null
ip netns add katr; ip netns add katrp
ip link add eth0 netns katr type veth peer name p0 netns katrp
ip link add eth1 netns katr type veth peer name p1 netns katrp
ip link add eth2 netns katr type veth peer name p2 netns katrp
for i in 0 1 2; do ip -n katrp link set p$i up; done
ip -n katr addr add 192.168.10.101/24 dev eth0
ip -n katr addr add 192.168.11.101/24 dev eth1
ip -n katr addr add 192.168.12.101/24 dev eth2
for i in lo eth0 eth1 eth2; do ip -n katr link set $i up; done
cat > ka.conf <<'C'
vrrp_sync_group VG_1 {
    group {
        VI_1
        VI_2
    }
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    track_interface {
        eth2 weight -30
    }
    virtual_ipaddress {
        192.168.10.200/24
    }
}
vrrp_instance VI_2 {
    state MASTER
    interface eth1
    virtual_router_id 52
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.168.11.200/24
    }
}
vrrp_instance VI_3 {
    state BACKUP
    interface eth0
    virtual_router_id 53
    priority 90
    advert_int 1
    track_interface {
        eth2
    }
    virtual_ipaddress {
        192.168.10.203/24
    }
}
C
ip netns exec katrp timeout 19 tcpdump -n -l -i p0 vrrp > tcpdump.txt 2>&1 &
ip netns exec katr timeout 20 keepalived -n -l -D -f /tmp/netstep-katr/ka.conf -p /tmp/netstep-katr/a.pid -r /tmp/netstep-katr/v.pid -c /tmp/netstep-katr/c.pid > out.log 2>&1 &
sleep 6; echo "=== eth2 down at $(date +%T.%N)" >> marks.log
ip -n katr link set eth2 down
sleep 3; echo "=== eth1 down at $(date +%T.%N)" >> marks.log
ip -n katr link set eth1 down
sleep 3; echo "=== eth1 up at $(date +%T.%N)" >> marks.log
ip -n katr link set eth1 up
sleep 5; echo "=== eth2 up at $(date +%T.%N)" >> marks.log
ip -n katr link set eth2 up
wait
ip netns del katr; ip netns del katrp
