//! `conntrack` (conntrack-tools 1.4.7): the connection table through ctnetlink. `-L` lists,
//! `-D` deletes what the filters select (printing each), `-F` empties, `-C` counts, `-S`
//! shows the statistics, and `-E` prints events as they happen until interrupted. Each
//! ends with conntrack's summary line on standard error, in its words ("1 flow entries").

mod opts;

use crate::kernel::netfilter::nf_conntrack::show::{line, Layout};
use crate::kernel::netfilter::nf_conntrack::{status, Conn, ORIGINAL, REPLY};
use crate::kernel::process::{Poll, Program, Sys};
use opts::{Cmd, Opts};

const PREFIX: &str = "conntrack v1.4.7 (conntrack-tools): ";

pub fn spawn(args: &[String]) -> Box<dyn Program> {
    Box::new(Conntrack {
        args: args.to_vec(),
        events: None,
    })
}

struct Conntrack {
    args: Vec<String>,
    /// `-E`: where in the event queue we are, the options, and how many were printed.
    events: Option<(u64, Opts, u64)>,
}

impl Program for Conntrack {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        if let Some((from, o, shown)) = &mut self.events {
            let (lines, next) = sys.k.nf.ct.events.read(*from);
            *from = next;
            for l in lines.iter().filter(|l| o.event_wanted(l)) {
                sys.print(&format!("{l}\n"));
                *shown += 1;
            }
            return Poll::Wait(None);
        }
        match opts::parse(&self.args) {
            Ok(o) => self.run(sys, o),
            Err((msg, code)) => {
                sys.eprint(&msg);
                Poll::Exit(code)
            }
        }
    }

    fn interrupt(&mut self, sys: &mut Sys) -> i32 {
        if let Some((_, _, shown)) = self.events.take() {
            sys.k.nf.ct.events.unsubscribe();
            sys.eprint(&format!("{PREFIX}{shown} flow events have been shown.\n"));
        }
        0
    }
}

impl Conntrack {
    fn run(&mut self, sys: &mut Sys, o: Opts) -> Poll {
        let now = sys.now();
        let code = match o.cmd {
            Cmd::Help => {
                sys.print(opts::HELP);
                0
            }
            Cmd::Version => {
                sys.print("conntrack v1.4.7 (conntrack-tools)\n");
                0
            }
            Cmd::List => {
                let lines = selected(sys, &o)
                    .into_iter()
                    .map(|(_, c)| layout_line(&c, now, &o))
                    .collect::<Vec<_>>();
                for l in &lines {
                    sys.print(&format!("{l}\n"));
                }
                sys.eprint(&format!(
                    "{PREFIX}{} flow entries have been shown.\n",
                    lines.len()
                ));
                0
            }
            Cmd::Delete => delete(sys, &o),
            Cmd::Flush => {
                sys.k.nf.ct.flush();
                sys.eprint(&format!(
                    "{PREFIX}connection tracking table has been emptied.\n"
                ));
                0
            }
            Cmd::Count => {
                let n = sys.k.nf.ct.listed(now).count();
                sys.print(&format!("{n}\n"));
                0
            }
            Cmd::Stats => {
                stats(sys);
                0
            }
            Cmd::Events => {
                let from = sys.k.nf.ct.events.subscribe();
                self.events = Some((from, o, 0));
                return Poll::Wait(None);
            }
        };
        Poll::Exit(code)
    }
}

fn layout_line(c: &Conn, now: crate::sim::Time, o: &Opts) -> String {
    let l = line(c, now, Layout::List);
    if o.extended {
        format!("ipv4     2 {l}")
    } else {
        l
    }
}

/// The confirmed, live connections the filters select, in listing order.
fn selected(sys: &Sys, o: &Opts) -> Vec<(u32, Conn)> {
    let now = sys.now();
    sys.k
        .nf
        .ct
        .listed(now)
        .filter(|(_, c)| o.selects(c))
        .map(|(id, c)| (id, c.clone()))
        .collect()
}

/// `-D`: each deleted entry is printed as `-L` would; nothing deleted is status 1.
fn delete(sys: &mut Sys, o: &Opts) -> i32 {
    let now = sys.now();
    let doomed = selected(sys, o);
    for (id, c) in &doomed {
        sys.print(&format!("{}\n", layout_line(c, now, o)));
        sys.k.nf.ct.delete_by_user(*id, now, sys.pid);
    }
    sys.eprint(&format!(
        "{PREFIX}{} flow entries have been deleted.\n",
        doomed.len()
    ));
    i32::from(doomed.is_empty())
}

/// `-S`: the per-CPU counters, for the one CPU a node has.
fn stats(sys: &mut Sys) {
    let s = sys.k.nf.ct.stats;
    sys.print(&format!(
        "cpu=0   \tfound={} invalid={} insert=0 insert_failed={} drop={} early_drop={} error=0 search_restart=0 clash_resolve=0 chaintoolong=0 \n",
        s.found, s.invalid, s.insert_failed, s.drop, s.early_drop
    ));
}

/// Whether a connection's tuples pass the filters.
pub fn tuple_filter(c: &Conn, o: &Opts) -> bool {
    let (orig, reply) = (&c.tuple[ORIGINAL], &c.tuple[REPLY]);
    o.proto.is_none_or(|p| orig.proto == p)
        && o.src.is_none_or(|a| orig.src == a)
        && o.dst.is_none_or(|a| orig.dst == a)
        && o.reply_src.is_none_or(|a| reply.src == a)
        && o.reply_dst.is_none_or(|a| reply.dst == a)
        && o.sport.is_none_or(|p| orig.sport == p && orig.proto != 1)
        && o.dport.is_none_or(|p| orig.dport == p && orig.proto != 1)
        && o.icmp_id
            .is_none_or(|id| orig.proto == 1 && orig.sport == id)
        && (!o.src_nat || c.has(status::SRC_NAT))
        && (!o.dst_nat || c.has(status::DST_NAT))
}

#[cfg(test)]
mod tests;
