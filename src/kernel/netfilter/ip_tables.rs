//! ipt_do_table's caller side (net/ipv4/netfilter/ip_tables.c): runs one of the host's
//! tables for a hook's chain on a packet, with the packet's view (devices, mark, ctstate),
//! writes the LOG lines, keeps the mark, answers REJECT, and says in the trace what decided.

use super::x_tables::{Decision, Outcome, Table};
use super::{ctstate_of, ipt_reject, view, Hook, Skb, Verdict};
use crate::kernel::Kernel;
use crate::sim::Ctx;
use crate::why;

/// Which of the host's tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableId {
    Filter,
    Nat,
    Mangle,
}

/// ipt_do_table on one of the host's tables for `hook`'s chain: counters, LOG lines, the
/// mark, and the verdict (REJECT answers the sender, then drops).
pub fn run_table(k: &mut Kernel, ctx: &mut Ctx, hook: Hook, skb: &mut Skb, id: TableId) -> Verdict {
    match decide(k, ctx, hook, skb, id) {
        Outcome::Accept | Outcome::Nat(_) => Verdict::Accept,
        Outcome::Drop => Verdict::Drop,
        Outcome::Reject(with) => {
            ipt_reject::reject(k, ctx, skb, with);
            Verdict::Drop
        }
    }
}

/// Runs the chain and reports its decision (with the trace's reason).
pub fn decide(k: &mut Kernel, ctx: &mut Ctx, hook: Hook, skb: &mut Skb, id: TableId) -> Outcome {
    let mut mark = skb.mark;
    let ctstate = ctstate_of(k, skb);
    // The names are borrowed from the devices while the table (another field) runs.
    let name = |d: Option<usize>| d.and_then(|i| k.devs.get(i)).map(|d| d.name.as_str());
    let v = view(ctstate, skb, (name(skb.iif), name(skb.oif)));
    let table = match id {
        TableId::Filter => &mut k.nf.filter,
        TableId::Nat => &mut k.nf.nat,
        TableId::Mangle => &mut k.nf.mangle,
    };
    let decision = table.run(hook.chain(), &v, &mut mark);
    skb.mark = mark;
    for line in &decision.logs {
        k.nf.log(ctx.now, line.clone());
    }
    if ctx.explain {
        explain(k, ctx, hook, id, &decision, skb.mark);
    }
    decision.outcome
}

/// The trace: what a filter rule decided, or which mangle rule set the mark (the NAT hook
/// says what it mapped itself).
fn explain(k: &mut Kernel, ctx: &mut Ctx, hook: Hook, id: TableId, d: &Decision, mark: u32) {
    let t = table_mut(k, id);
    match id {
        TableId::Mangle => {
            if let Some(n) = d.mark_rule {
                why!(
                    ctx,
                    "iptables",
                    "mangle {} rule {n}: mark 0x{mark:x}",
                    hook.chain()
                );
            }
        }
        TableId::Filter => {
            let what = match &d.outcome {
                Outcome::Accept => "ACCEPT".to_string(),
                Outcome::Drop => "DROP".to_string(),
                Outcome::Reject(w) => format!("REJECT --reject-with {}", w.name()),
                Outcome::Nat(_) => return,
            };
            if d.rule.is_some() || d.outcome != Outcome::Accept {
                why!(ctx, "iptables", "{}: {what}", d.by(t));
            }
        }
        TableId::Nat => {}
    }
}

fn table_mut(k: &mut Kernel, id: TableId) -> &mut Table {
    match id {
        TableId::Filter => &mut k.nf.filter,
        TableId::Nat => &mut k.nf.nat,
        TableId::Mangle => &mut k.nf.mangle,
    }
}
