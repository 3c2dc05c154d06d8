//! sh: source hashing (ip_vs_sh.c, lvs.md §1.10): 256 buckets filled by weight, keyed by the
//! client address (plus its port with sh-port); sh-fallback probes on from an unusable bucket.

use super::dh::{bucket, fill, hash_32, host, unusable, TAB_BITS};
use super::rr::{ep, no_dest};
use super::{Change, DestView, Flags, Packet, Scheduler};

pub struct Sh {
    buckets: [Option<u32>; 256],
    flags: Flags,
}

/// ip_vs_sh_reassign: each dest gets `weight` consecutive buckets (a weight-0 dest one).
fn table(dests: &[DestView]) -> [Option<u32>; 256] {
    fill(dests, |d| d.weight)
}

impl Sh {
    pub fn new(dests: &[DestView], flags: Flags) -> Sh {
        Sh {
            buckets: table(dests),
            flags,
        }
    }

    /// ip_vs_sh_hashkey: hash_32(ntohs(port) + ntohl(saddr), 8) plus the probe offset, masked.
    /// The port is the client's source port with sh-port, else 0.
    fn hashkey(&self, pkt: &Packet, offset: u32) -> u32 {
        let port = if self.flags.port { pkt.sport } else { 0 };
        let key = (port as u32).wrapping_add(host(pkt.saddr));
        (offset + hash_32(key, TAB_BITS)) & 0xFF
    }
}

impl Scheduler for Sh {
    fn name(&self) -> &'static str {
        "sh"
    }

    /// The primary bucket; if its dest has weight 0 or is overloaded: nothing, or with
    /// sh-fallback the probes o = 0..255 at bucket ((o + ih) mod 256 + ih) & 255, stopping at an
    /// empty bucket, taking the first usable dest.
    fn schedule(&mut self, dests: &[DestView], pkt: &Packet) -> Result<(u32, String), String> {
        let ih = self.hashkey(pkt, 0);
        let key = match self.flags.port {
            true => format!("{} + {}", pkt.saddr, pkt.sport),
            false => pkt.saddr.to_string(),
        };
        let at = format!("bucket {ih} of hash({key})");
        let find =
            |b: u32| bucket(&self.buckets, b).and_then(|id| dests.iter().find(|d| d.id == id));
        let Some(why_not) = unusable(&self.buckets, ih, dests) else {
            let d = find(ih).ok_or_else(|| no_dest("sh"))?;
            return Ok((d.id, format!("sh → {} ({at})", ep(d))));
        };
        if self.flags.fallback && bucket(&self.buckets, ih).is_some() {
            for offset in 0..256 {
                let b = self.hashkey(pkt, (offset + ih) % 256);
                if bucket(&self.buckets, b).is_none() {
                    break;
                }
                if unusable(&self.buckets, b, dests).is_none() {
                    if let Some(d) = find(b) {
                        let why = format!("{at}: {why_not}; fallback probe {offset}: bucket {b}");
                        return Ok((d.id, format!("sh → {} ({why})", ep(d))));
                    }
                }
            }
        }
        Err(format!("{} ({at}: {why_not})", no_dest("sh")))
    }

    /// add_dest, del_dest and upd_dest all rebuild (weights shape the table).
    fn update(&mut self, dests: &[DestView], _change: Change) {
        self.buckets = table(dests);
    }
}

#[cfg(test)]
mod tests {
    use super::super::rr::fixture::{added, rs, syn};
    use super::*;

    const NONE: Flags = Flags {
        fallback: false,
        port: false,
    };

    fn ids(s: &Sh, n: usize) -> Vec<u32> {
        s.buckets.iter().take(n).map(|b| b.unwrap_or(0)).collect()
    }

    /// The first client 192.168.1.c whose primary bucket holds `id`.
    fn client_of(s: &Sh, id: u32) -> [u8; 4] {
        (1..=255u8)
            .map(|c| [192, 168, 1, c])
            .find(|&c| bucket(&s.buckets, s.hashkey(&syn(c, 0, [10, 0, 0, 100], 0), 0)) == Some(id))
            .unwrap_or([0; 4])
    }

    /// (dests as added, with weights; the first buckets)
    type Fill = (&'static [(u8, u32)], &'static [u32]);

    #[test]
    fn weighted_fill_and_weight_0_still_gets_a_bucket() {
        // (list as added, first buckets)
        let cases: &[Fill] = &[
            (&[(2, 1), (1, 2)], &[1, 1, 2, 1, 1, 2, 1]), // [A w=2, B w=1]
            (&[(3, 1), (2, 0), (1, 2)], &[1, 1, 2, 3, 1, 1, 2, 3]), // B w=0: one per round
            (&[(1, 300)], &[1, 1, 1]),
        ];
        for (order, want) in cases {
            let s = Sh::new(&added(order), NONE);
            assert_eq!(ids(&s, want.len()), *want, "{order:?}");
        }
        assert_eq!(Sh::new(&[], NONE).buckets, [None; 256]);
    }

    #[test]
    fn weight_0_bucket_refuses_its_clients_without_fallback() {
        // [rs3 w1, rs2 w0, rs1 w2]: rounds of rs3 rs2 rs1 rs1, so rs2 holds the buckets ≡ 1
        // mod 4; 192.168.1.6 hashes to 113.
        let d = added(&[(1, 2), (2, 0), (3, 1)]);
        let mut s = Sh::new(&d, NONE);
        assert_eq!(client_of(&s, 2), [192, 168, 1, 6]);
        let err = "sh: no destination available \
                   (bucket 113 of hash(192.168.1.6): 10.0.0.12:80 has weight 0)";
        assert_eq!(
            s.schedule(&d, &syn([192, 168, 1, 6], 1, [10, 0, 0, 100], 0)),
            Err(err.into())
        );
        // 64 of the clients 192.168.1.1-255 hash there: a quarter refused
        let lost = (1..=255u8)
            .filter(|&x| {
                s.schedule(&d, &syn([192, 168, 1, x], 1, [10, 0, 0, 100], 0))
                    .is_err()
            })
            .count();
        assert_eq!(lost, 64);
    }

    #[test]
    fn fallback_probes_from_twice_the_bucket() {
        // [rs3, rs2, rs1] w1: bucket i holds the (i mod 3)th. 192.168.1.1 hashes to 136 (rs2);
        // probe 0 is bucket 2·136 mod 256 = 16 (rs2 again), probe 1 bucket 17 (rs1).
        let mut d = added(&[(1, 1), (2, 1), (3, 1)]);
        let mut s = Sh::new(
            &d,
            Flags {
                fallback: true,
                port: false,
            },
        );
        let p = syn([192, 168, 1, 1], 1, [10, 0, 0, 100], 0);
        let why = "sh → 10.0.0.12:80 (bucket 136 of hash(192.168.1.1))";
        assert_eq!(s.schedule(&d, &p), Ok((2, why.into())));
        d[1].weight = 0;
        s.update(&d, Change::Edit(2)); // rebuilt, but rs2 keeps its buckets (one per round)
        let why = "sh → 10.0.0.11:80 (bucket 136 of hash(192.168.1.1): 10.0.0.12:80 has \
                   weight 0; fallback probe 1: bucket 17)";
        assert_eq!(s.schedule(&d, &p), Ok((1, why.into())));
        for x in d.iter_mut() {
            x.overloaded = true;
        }
        assert!(s.schedule(&d, &p).is_err());
        s.flags.fallback = false;
        d.iter_mut().for_each(|x| x.overloaded = false);
        assert!(s.schedule(&d, &p).is_err());
    }

    #[test]
    fn sh_port_adds_the_source_port_to_the_key() {
        let d = added(&[(1, 1), (2, 1), (3, 1), (4, 1)]);
        let c = [192, 168, 1, 5];
        let spread = |flags: Flags| {
            let mut s = Sh::new(&d, flags);
            let mut got: Vec<u32> = (40000..40040)
                .filter_map(|p| s.schedule(&d, &syn(c, p, [10, 0, 0, 100], 0)).ok())
                .map(|r| r.0)
                .collect();
            got.dedup();
            got.sort();
            got.dedup();
            got
        };
        assert_eq!(spread(NONE).len(), 1);
        assert_eq!(
            spread(Flags {
                fallback: false,
                port: true
            }),
            [1, 2, 3, 4]
        );
        let s = Sh::new(
            &d,
            Flags {
                fallback: false,
                port: true,
            },
        );
        let p = syn(c, 3, [0; 4], 0);
        let key = host(c.into()) + 3;
        assert_eq!(s.hashkey(&p, 0), key.wrapping_mul(0x61C8_8647) >> 24);
    }

    #[test]
    fn add_and_edit_rebuild() {
        let mut d = added(&[(1, 1)]);
        let mut s = Sh::new(&d, NONE);
        d.insert(0, rs(2, 2));
        s.update(&d, Change::Add(2));
        assert_eq!(ids(&s, 6), [2, 2, 1, 2, 2, 1]);
        d[1].weight = 2;
        s.update(&d, Change::Edit(1));
        assert_eq!(ids(&s, 6), [2, 2, 1, 1, 2, 2]);
    }
}
