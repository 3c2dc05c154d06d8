//! VRRP (print-vrrp.c): keepalived's advertisements.
use super::{be16, get, Res};
use core::fmt::Write;

/// vrrp_print: keepalived's advertisements.
pub(super) fn vrrp(o: &mut String, b: &[u8], len: usize, ttl: u8) -> Res {
    const P: &str = "vrrp";
    let (ver, ty) = (get(b, 0, P)? >> 4, get(b, 0, P)? & 0x0f);
    match ty {
        1 => w!(o, "VRRPv{ver}, Advertisement"),
        _ => w!(o, "VRRPv{ver}, unknown type ({ty})"),
    }
    if ttl != 255 {
        w!(o, ", (ttl {ttl})"); // RFC 3768 requires 255: tcpdump flags anything else
    }
    if !(2..=3).contains(&ver) || ty != 1 {
        return Ok(());
    }
    w!(o, ", vrid {}, prio {}", get(b, 1, P)?, get(b, 2, P)?);
    if ver == 3 {
        return done!(o, ", intvl {}cs, length {len}", be16(b, 4, P)? & 0x0fff);
    }
    let auth = match get(b, 4, P)? {
        a @ 0..=2 => ["none", "simple", "ah"][a as usize].to_string(),
        a => format!("#{a}"),
    };
    done!(
        o,
        ", authtype {auth}, intvl {}s, length {len}",
        get(b, 5, P)?
    )
}
