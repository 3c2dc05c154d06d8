//! The mangle table (net/ipv4/netfilter/iptable_mangle.c): all five chains at priority -150,
//! where rules change a packet's firewall mark (MARK). An LVS fwmark service (`ipvsadm -A -f
//! N`) takes the packets that carry mark N: that is how one service covers ports 80 and 443
//! together. A mark is not carried on the wire: every packet comes in with mark 0.

use super::ip_tables::{run_table, TableId};
use super::x_tables::Table;
use super::{Hook, Skb, Verdict};
use crate::kernel::Kernel;
use crate::sim::Ctx;

pub fn table() -> Table {
    Table::new(
        "mangle",
        &["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
    )
}

pub fn mangle_hook(k: &mut Kernel, ctx: &mut Ctx, hook: Hook, skb: &mut Skb) -> Verdict {
    if !k.nf.busy.mangle {
        return Verdict::Accept;
    }
    run_table(k, ctx, hook, skb, TableId::Mangle)
}
