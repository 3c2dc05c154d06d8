//! A host: the Linux box. A kernel (devices, ARP, routes, IP, sockets), user-space processes,
//! and the node's files. A router is a host with net.ipv4.ip_forward=1.

use crate::kernel::process::{Poll, Program, Signal, Sys};
use crate::kernel::socket::Pid;
use crate::kernel::{arp, dev, tcp, tcp_timer, Kernel};
use crate::sim::rng::Rng;
use crate::sim::{Ctx, Time};

pub struct Host {
    pub kernel: Kernel,
}

impl Host {
    pub fn new(name: &str, rng: Rng) -> Host {
        // Boot has run a few hundred processes before the lab's first command.
        Host {
            kernel: Kernel::new(name, rng),
        }
    }

    pub fn receive(&mut self, port: usize, frame: &[u8], ctx: &mut Ctx) {
        dev::netif_receive(&mut self.kernel, ctx, port, frame);
        self.settle(ctx);
    }

    pub fn timer(&mut self, ctx: &mut Ctx) {
        arp::neigh_timers(&mut self.kernel, ctx);
        tcp_timer::timers(&mut self.kernel, ctx);
        crate::kernel::ipvs::core::expire(&mut self.kernel, ctx);
        self.settle(ctx);
    }

    pub fn next_wake(&mut self) -> Option<Time> {
        [
            self.kernel.neigh.next_timer(),
            self.kernel.procs.next_wake(),
            self.kernel.tcp.next_timer(),
            self.kernel.ipvs.conns.next_expiry(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Starts a program as a new process and lets it run until it first waits.
    pub fn spawn(
        &mut self,
        name: &str,
        cmdline: &str,
        prog: Box<dyn Program>,
        background: bool,
        ctx: &mut Ctx,
    ) -> Pid {
        let pid = self.kernel.procs.insert(name, cmdline, prog, background);
        if let Some(p) = self.kernel.procs.procs.get_mut(&pid) {
            p.started = ctx.now;
        }
        self.settle(ctx);
        pid
    }

    /// After anything happened: deliver looped-back packets and let processes react, until
    /// nothing more happens at this instant (bounded, in case two programs ping-pong).
    fn settle(&mut self, ctx: &mut Ctx) {
        for _ in 0..1000 {
            self.kernel.run_backlog(ctx);
            let ran = self.poll_all(ctx) | self.deliver_signals(ctx);
            if self.kernel.backlog.is_empty() && !ran {
                return;
            }
        }
    }

    /// Polls every live process whose wake time has come or that may have input. Returns
    /// whether any process produced output or exited (then another round may be needed).
    fn poll_all(&mut self, ctx: &mut Ctx) -> bool {
        let pids: Vec<Pid> = self.kernel.procs.running().map(|p| p.pid).collect();
        let mut changed = false;
        for pid in pids {
            changed |= self.poll(pid, ctx, false);
        }
        changed
    }

    fn poll(&mut self, pid: Pid, ctx: &mut Ctx, interrupt: bool) -> bool {
        let Some(proc) = self.kernel.procs.procs.get_mut(&pid) else {
            return false;
        };
        let Some(mut prog) = proc.prog.take() else {
            return false;
        };
        let mut sys = Sys {
            k: &mut self.kernel,
            ctx,
            pid,
            out: String::new(),
            err: String::new(),
        };
        let result = if interrupt {
            Poll::Exit(prog.interrupt(&mut sys))
        } else {
            prog.poll(&mut sys)
        };
        let (out, err) = (sys.out, sys.err);
        let changed = !out.is_empty() || !err.is_empty() || matches!(result, Poll::Exit(_));
        let Some(proc) = self.kernel.procs.procs.get_mut(&pid) else {
            return changed;
        };
        proc.terminal.push_str(&out);
        proc.terminal.push_str(&err);
        match result {
            Poll::Wait(t) => {
                proc.wake = t;
                proc.prog = Some(prog);
            }
            // A process that is already on its own has nothing to detach from.
            Poll::Daemon => {
                proc.wake = None;
                proc.prog = Some(prog);
            }
            Poll::Exit(code) => {
                proc.status = Some(code);
                proc.wake = None;
                self.kernel.sockets.close_owner(pid);
                tcp::close_owner(&mut self.kernel, ctx, pid);
            }
        }
        changed
    }

    /// Delivers the signals `kill` queued. SIGINT and SIGTERM run the program's handler
    /// (its summary, its cleanup); SIGKILL runs no handler, so what it would have printed is
    /// lost, but the kernel still releases what the process held.
    fn deliver_signals(&mut self, ctx: &mut Ctx) -> bool {
        let signals = std::mem::take(&mut self.kernel.procs.signals);
        let any = !signals.is_empty();
        for (pid, sig) in signals {
            let before = self
                .kernel
                .procs
                .procs
                .get(&pid)
                .map_or(0, |p| p.terminal.len());
            self.poll(pid, ctx, true);
            if let Some(p) = self.kernel.procs.procs.get_mut(&pid) {
                if sig == Signal::Kill {
                    p.terminal.truncate(before);
                }
                if sig != Signal::Int {
                    p.status = Some(128 + sig.number());
                }
            }
        }
        any
    }

    /// SIGINT to a process (Ctrl-C in the foreground, or the end of the lab).
    pub fn interrupt(&mut self, pid: Pid, ctx: &mut Ctx) {
        if self
            .kernel
            .procs
            .procs
            .get(&pid)
            .is_some_and(|p| p.status.is_none())
        {
            self.poll(pid, ctx, true);
            self.settle(ctx);
        }
    }
}
