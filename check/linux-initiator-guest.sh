#!/bin/bash
# Guest side of check/linux-initiator.sh: runs as root inside the initiator VM (Linux 6.1,
# open-iscsi, dm-multipath; ../shared/tools/initiator-vm) against blockraft portals on the host.
# Every check prints one line "CHECK ok|FAIL <name> <detail>"; the exit status is the number of
# failed checks (0 = all passed). Nothing here is timed: this is about behaviour, not speed.
#
# Session parameters are chosen to exercise what libiscsi cannot: CRC32C header *and data*
# digests, small PDUs both ways (MaxRecvDataSegmentLength 8 KiB on the initiator side), short
# bursts (MaxBurstLength 64 KiB, FirstBurstLength 16 KiB, so every large write is one
# unsolicited burst plus a train of R2Ts), InitialR2T=No and ImmediateData=Yes.
. /usr/local/lib/ivm-lib.sh
set -u
iqn=${IVM_TARGET_IQN:?}
failures=0
check() { # check NAME COMMAND... : runs COMMAND, records ok/FAIL
  local name=$1; shift
  if "$@"; then echo "CHECK ok $name"; else echo "CHECK FAIL $name"; failures=$((failures + 1)); fi
}
note() { echo "CHECK ok $1 $2"; }
fail() { echo "CHECK FAIL $1 $2"; failures=$((failures + 1)); }

ivm_hdr "environment"
echo "target=$iqn portals=$IVM_PORTALS (host: $IVM_HOST_PORTALS) kernel=$(uname -r)"
iscsiadm --version
ivm_start_iscsid || exit 100

ivm_hdr "login with CRC32C digests, small PDUs and short bursts"
set_node() { iscsiadm -m node -T "$iqn" -p "$1" -o update -n "$2" -v "$3"; }
for p in $IVM_PORTALS; do
  iscsiadm -m node -T "$iqn" -p "$p" -o new >/dev/null
  set_node "$p" node.session.timeo.replacement_timeout 15
  set_node "$p" 'node.conn[0].timeo.noop_out_interval' 5
  set_node "$p" 'node.conn[0].timeo.noop_out_timeout' 5
  set_node "$p" 'node.conn[0].iscsi.HeaderDigest' CRC32C
  set_node "$p" 'node.conn[0].iscsi.DataDigest' CRC32C
  set_node "$p" 'node.conn[0].iscsi.MaxRecvDataSegmentLength' 8192
  set_node "$p" node.session.iscsi.MaxBurstLength 65536
  set_node "$p" node.session.iscsi.FirstBurstLength 16384
  set_node "$p" node.session.iscsi.InitialR2T No
  set_node "$p" node.session.iscsi.ImmediateData Yes
  check "login:$p" iscsiadm -m node -T "$iqn" -p "$p" --login
done
udevadm settle --timeout=30
iscsiadm -m session -P 2 | tee /tmp/sessions.txt | grep -E 'Current Portal|Digest|MaxRecv|Burst|InitialR2T|ImmediateData'
nsessions=$(wc -w <<<"$IVM_PORTALS")
check "digests:header-crc32c-on-every-session" \
  test "$(grep -c 'HeaderDigest: CRC32C' /tmp/sessions.txt)" = "$nsessions"
check "digests:data-crc32c-on-every-session" \
  test "$(grep -c 'DataDigest: CRC32C' /tmp/sessions.txt)" = "$nsessions"
check "params:first-burst-16k" test "$(grep -c 'FirstBurstLength: 16384' /tmp/sessions.txt)" = "$nsessions"
check "params:max-burst-64k" test "$(grep -c 'MaxBurstLength: 65536' /tmp/sessions.txt)" = "$nsessions"
lsscsi -t

# The disks, by LUN: LUN 0 is the read-write volume, LUN 1 the read-only one. One sd per portal.
rw=() ro=()
for d in /sys/class/iscsi_session/session*/device/target*/*:*:*:*; do
  [[ -d $d/block ]] || continue
  lun=${d##*:}
  dev=/dev/$(ls "$d/block")
  if [[ $lun == 0 ]]; then rw+=("$dev"); else ro+=("$dev"); fi
done
echo "read-write paths: ${rw[*]:-none}; read-only paths: ${ro[*]:-none}"
check "disks:one-rw-path-per-portal" test "${#rw[@]}" = "$nsessions"
check "disks:one-ro-path-per-portal" test "${#ro[@]}" = "$nsessions"
[[ ${#rw[@]} -gt 0 ]] || { echo "no read-write disk"; exit 101; }
a=${rw[0]} b=${rw[$(( ${#rw[@]} - 1 ))]}
sys=/sys/block/${a##*/}

ivm_hdr "what the kernel made of the LUN ($a)"
sg_inq "$a" | grep -E 'Vendor|Product|TPGS|\[SPC'
sg_vpd -p bl "$a"; sg_vpd -p lbpv "$a"; sg_readcap -l "$a"
for f in logical_block_size physical_block_size discard_granularity discard_max_bytes \
    write_zeroes_max_bytes max_sectors_kb; do
  echo "$f=$(cat "$sys/queue/$f")"
done
check "size:1GiB" test "$(blockdev --getsize64 "$a")" = 1073741824
check "size:logical-512" test "$(cat "$sys/queue/logical_block_size")" = 512
check "size:physical-4096" test "$(cat "$sys/queue/physical_block_size")" = 4096
check "provisioning:discard-enabled" test "$(cat "$sys/queue/discard_max_bytes")" -gt 0
check "provisioning:lbprz" bash -c "sg_readcap -l $a | grep -q -i 'lbprz=1'"

ivm_hdr "data: write through $a, read back through every path"
dd if=/dev/urandom of=/tmp/pat bs=1M count=64 status=none
check "io:write-64MiB-direct" dd if=/tmp/pat of="$a" bs=1M oflag=direct conv=fsync status=none
for p in "${rw[@]}"; do
  check "io:read-back-via-${p##*/}" bash -c "dd if=$p bs=1M count=64 iflag=direct status=none | cmp - /tmp/pat"
done
# sub-unit writes: 512-byte aligned, not 4 KiB aligned (read-modify-write of the unit)
dd if=/dev/urandom of=/tmp/small bs=512 count=9 status=none
check "io:write-512B-unaligned" dd if=/tmp/small of="$a" bs=512 seek=8193 oflag=direct conv=fsync status=none
check "io:read-512B-unaligned" bash -c \
  "dd if=$b bs=512 skip=8193 count=9 iflag=direct status=none | cmp - /tmp/small"
check "io:neighbours-intact" bash -c \
  "dd if=$b bs=512 skip=8192 count=1 iflag=direct status=none | cmp - <(dd if=/tmp/pat bs=512 skip=8192 count=1 status=none)"

ivm_hdr "provisioning: discard and zero-out"
check "discard:16MiB" blkdiscard -o $((32 << 20)) -l $((16 << 20)) "$a"
check "discard:reads-zeros" bash -c \
  "dd if=$b bs=1M skip=32 count=16 iflag=direct status=none | cmp - <(head -c $((16 << 20)) /dev/zero)"
check "discard:rest-intact" bash -c \
  "dd if=$b bs=1M skip=48 count=16 iflag=direct status=none | cmp - <(dd if=/tmp/pat bs=1M skip=48 count=16 status=none)"
check "zeroout:4MiB" blkdiscard -z -o $((8 << 20)) -l $((4 << 20)) "$a"
check "zeroout:reads-zeros" bash -c \
  "dd if=$b bs=1M skip=8 count=4 iflag=direct status=none | cmp - <(head -c $((4 << 20)) /dev/zero)"

ivm_hdr "read-only LUN"
if [[ ${#ro[@]} -gt 0 ]]; then
  r=${ro[0]}
  check "readonly:kernel-sees-write-protect" test "$(cat /sys/block/${r##*/}/ro)" = 1
  check "readonly:reads" dd if="$r" of=/dev/null bs=1M count=4 iflag=direct status=none
  if dd if=/dev/zero of="$r" bs=4096 count=1 oflag=direct status=none 2>/dev/null; then
    fail "readonly:write-refused" "a write to the read-only LUN succeeded"
  else
    note "readonly:write-refused" ""
  fi
fi

ivm_hdr "persistent reservations through the kernel's sg interface"
check "pr:register-a" sg_persist -n --out --register --param-sark=0xabc1 "$a"
if [[ $b != "$a" ]]; then
  check "pr:register-b" sg_persist -n --out --register --param-sark=0xabc2 "$b"
fi
sg_persist -n --in --read-keys "$b" | tee /tmp/keys
check "pr:keys-visible" grep -q 0xabc1 /tmp/keys
check "pr:reserve-we" sg_persist -n --out --reserve --param-rk=0xabc1 --prout-type=1 "$a"
sg_persist -n --in --read-reservation "$b" | tee /tmp/resv
check "pr:reservation-visible" grep -q 'Write Exclusive' /tmp/resv
if [[ $b != "$a" ]]; then
  # b is registered but not the holder of a Write Exclusive reservation: its write conflicts
  if dd if=/dev/zero of="$b" bs=4096 count=1 seek=1000 oflag=direct status=none 2>/dev/null; then
    fail "pr:other-path-fenced" "a write through $b succeeded while $a held Write Exclusive"
  else
    note "pr:other-path-fenced" ""
  fi
fi
check "pr:release" sg_persist -n --out --release --param-rk=0xabc1 --prout-type=1 "$a"
check "pr:unregister-a" sg_persist -n --out --register --param-rk=0xabc1 --param-sark=0 "$a"
if [[ $b != "$a" ]]; then
  check "pr:unregister-b" sg_persist -n --out --register --param-rk=0xabc2 --param-sark=0 "$b"
fi

ivm_hdr "a file system"
check "fs:mkfs-ext4" mkfs.ext4 -q -F "$a"
mkdir -p /mnt/br
check "fs:mount" mount "$a" /mnt/br
check "fs:write-files" bash -c 'for i in 1 2 3 4; do head -c 8M /tmp/pat > /mnt/br/f$i; done; sync'
check "fs:umount" umount /mnt/br
check "fs:fsck-clean" fsck.ext4 -fn "$a"
if [[ $b != "$a" ]]; then
  check "fs:mount-other-path" mount -o ro "$b" /mnt/br
else
  check "fs:mount-again" mount -o ro "$a" /mnt/br
fi
check "fs:files-intact" bash -c 'for i in 1 2 3 4; do cmp /mnt/br/f$i <(head -c 8M /tmp/pat) || exit 1; done'
umount /mnt/br

ivm_hdr "connection errors the kernel logged"
dmesg | grep -E -i 'iscsi|connection[0-9]|sd [0-9]' | tail -40
# a failed digest or a broken PDU makes the kernel drop the connection: "detected conn error"
check "kernel:no-connection-errors" bash -c "! dmesg | grep -q -i -E 'conn error|digest'"

ivm_hdr "logout"
check "logout" iscsiadm -m node -T "$iqn" --logout
ivm_stop_daemons
echo "CHECK-SUMMARY failures=$failures"
exit "$failures"
