//! The filter table (net/ipv4/netfilter/iptable_filter.c): INPUT, FORWARD and OUTPUT at
//! priority 0, where rules ACCEPT, DROP or REJECT packets; LOG lines go to the kernel log.

use super::ip_tables::{run_table, TableId};
use super::x_tables::Table;
use super::{Hook, Skb, Verdict};
use crate::kernel::Kernel;
use crate::sim::Ctx;

pub fn table() -> Table {
    Table::new("filter", &["INPUT", "FORWARD", "OUTPUT"])
}

/// The hook function: runs the hook's chain, when it has anything to say.
pub fn filter_hook(k: &mut Kernel, ctx: &mut Ctx, hook: Hook, skb: &mut Skb) -> Verdict {
    if !k.nf.busy.filter {
        return Verdict::Accept;
    }
    run_table(k, ctx, hook, skb, TableId::Filter)
}
