//! dh: destination hashing (ip_vs_dh.c, lvs.md §1.9): 256 buckets keyed by the packet's
//! destination address. Also the hash and the bucket fill that sh and lblc/lblcr share.

use super::rr::{ep, no_dest, usable};
use super::{Change, DestView, Packet, Scheduler};
use std::net::Ipv4Addr;

/// CONFIG_IP_VS_DH_TAB_BITS (and SH's): 8, so 256 buckets.
pub(super) const TAB_BITS: u32 = 8;

/// include/linux/hash.h hash_32: multiply by GOLDEN_RATIO_32, keep the top `bits`.
/// [unsure] per lvs.md §1.9: old kernels used (v × 2654435761) & 255 (the low byte);
/// this is current mainline's hash_32.
pub(super) fn hash_32(v: u32, bits: u32) -> u32 {
    v.wrapping_mul(0x61C8_8647) >> (32 - bits)
}

/// The address as the kernel hashes it: `ntohl(addr)`, the host-order value, which is what
/// `u32::from(Ipv4Addr)` gives (10.0.0.100 → 0x0A000064).
pub(super) fn host(a: Ipv4Addr) -> u32 {
    u32::from(a)
}

/// The buckets of ip_vs_dh_reassign / ip_vs_sh_reassign: walk the list (wrapping) and give
/// each dest consecutive buckets until its count reaches `share(dest)`. dh's share is 1
/// (weight ignored); sh's is the weight, and since the count is tested after the increment a
/// weight-0 dest still gets one bucket per round. An empty list leaves every bucket empty.
pub(super) fn fill(dests: &[DestView], share: fn(&DestView) -> u32) -> [Option<u32>; 256] {
    let mut table = [None; 256];
    let mut walk = dests.iter().cycle();
    let mut cur = walk.next();
    let mut count = 0;
    for slot in table.iter_mut() {
        let Some(d) = cur else { break };
        *slot = Some(d.id);
        count += 1;
        if count >= share(d) {
            cur = walk.next();
            count = 0;
        }
    }
    table
}

/// The dest id in bucket `b` (masked to the table).
pub(super) fn bucket(table: &[Option<u32>; 256], b: u32) -> Option<u32> {
    table.get((b & 0xFF) as usize).copied().flatten()
}

/// Why a bucket cannot be used, for the error's reason; None when it can.
pub(super) fn unusable(table: &[Option<u32>; 256], b: u32, dests: &[DestView]) -> Option<String> {
    let Some(id) = bucket(table, b) else {
        return Some("empty".into());
    };
    match dests.iter().find(|d| d.id == id) {
        None => Some("its destination was deleted".into()),
        Some(d) if d.weight == 0 => Some(format!("{} has weight 0", ep(d))),
        Some(d) if !usable(d) => Some(format!("{} is overloaded", ep(d))),
        Some(_) => None,
    }
}

pub struct Dh {
    buckets: [Option<u32>; 256],
}

impl Dh {
    pub fn new(dests: &[DestView]) -> Dh {
        Dh {
            buckets: fill(dests, |_| 1),
        }
    }
}

impl Scheduler for Dh {
    fn name(&self) -> &'static str {
        "dh"
    }

    /// No fallback: an empty bucket, or one whose dest is deleted, weight 0 or overloaded, is
    /// "no destination available".
    fn schedule(&mut self, dests: &[DestView], pkt: &Packet) -> Result<(u32, String), String> {
        let b = hash_32(host(pkt.daddr), TAB_BITS);
        let at = format!("bucket {b} of hash({})", pkt.daddr);
        if let Some(why) = unusable(&self.buckets, b, dests) {
            return Err(format!("{} ({at}: {why})", no_dest("dh")));
        }
        let d = bucket(&self.buckets, b)
            .and_then(|id| dests.iter().find(|d| d.id == id))
            .ok_or_else(|| no_dest("dh"))?;
        Ok((d.id, format!("dh → {} ({at})", ep(d))))
    }

    /// add_dest and del_dest rebuild; dh has no upd_dest, so an edit leaves the buckets.
    fn update(&mut self, dests: &[DestView], change: Change) {
        if !matches!(change, Change::Edit(_)) {
            self.buckets = fill(dests, |_| 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::rr::fixture::{added, syn};
    use super::*;

    fn pick(s: &mut Dh, d: &[DestView], client: [u8; 4], vip: [u8; 4]) -> u32 {
        s.schedule(d, &syn(client, 1000, vip, 0)).map_or(0, |r| r.0)
    }

    #[test]
    fn hash_is_the_high_byte_of_the_golden_product() {
        // (address, bucket): (v · 0x61C88647 mod 2³²) >> 24 on the host-order value
        let cases = [
            ([10, 0, 0, 100], 0xf8),
            ([192, 168, 1, 200], 0x8b),
            ([0, 0, 0, 1], 0x61),
        ];
        for (a, b) in cases {
            assert_eq!(hash_32(host(a.into()), TAB_BITS), b, "{a:?}");
        }
    }

    #[test]
    fn buckets_ignore_weight_and_follow_the_list() {
        let d = added(&[(1, 1), (2, 1), (3, 5)]);
        let s = Dh::new(&d);
        let first: Vec<_> = s.buckets.iter().take(7).map(|b| b.unwrap_or(0)).collect();
        assert_eq!(first, [3, 2, 1, 3, 2, 1, 3]);
        assert_eq!(s.buckets[255], Some(3)); // 255 mod 3 = 0
        assert_eq!(Dh::new(&[]).buckets, [None; 256]);
    }

    #[test]
    fn every_client_of_one_vip_lands_on_one_dest() {
        let d = added(&[(1, 1), (2, 1), (3, 1)]);
        let mut s = Dh::new(&d);
        let got: Vec<_> = (1..=20u8)
            .map(|c| pick(&mut s, &d, [192, 168, 1, c], [10, 0, 0, 100]))
            .collect();
        assert!(got.iter().all(|&id| id == got[0] && id != 0), "{got:?}");
        // bucket 248, 248 mod 3 = 2: the third in the list, rs1
        assert_eq!(got[0], 1);
        let why = s.schedule(&d, &syn([1, 2, 3, 4], 1, [10, 0, 0, 100], 0));
        assert_eq!(
            why,
            Ok((
                1,
                "dh → 10.0.0.11:80 (bucket 248 of hash(10.0.0.100))".into()
            ))
        );
    }

    #[test]
    fn weight_0_or_overloaded_bucket_has_no_fallback() {
        let vip = [10, 0, 0, 100];
        // (weight rs1, overloaded rs1, result): bucket 248 holds rs1
        for (w, over, want) in [(0, false, 0), (1, true, 0), (1, false, 1)] {
            let mut d = added(&[(1, w), (2, 1), (3, 1)]);
            d[2].overloaded = over;
            let mut s = Dh::new(&d);
            assert_eq!(
                pick(&mut s, &d, [192, 168, 1, 5], vip),
                want,
                "w {w} over {over}"
            );
        }
        let mut d = added(&[(1, 1), (2, 1), (3, 1)]);
        let mut s = Dh::new(&d);
        d[2].weight = 0;
        s.update(&d, Change::Edit(1)); // no hook: still rs1's bucket
        let err = "dh: no destination available (bucket 248 of hash(10.0.0.100): 10.0.0.11:80 has weight 0)";
        assert_eq!(
            s.schedule(&d, &syn([1, 1, 1, 1], 1, vip, 0)),
            Err(err.into())
        );
        // a delete rebuilds: [rs3, rs2], 248 mod 2 = 0 → rs3
        d.remove(2);
        s.update(
            &d,
            Change::Del {
                id: 1,
                prev: Some(2),
            },
        );
        assert_eq!(pick(&mut s, &d, [192, 168, 1, 5], vip), 3);
    }
}
