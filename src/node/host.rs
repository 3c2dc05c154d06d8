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
        let mut kernel = Kernel::new(name, rng);
        crate::user::boot(&mut kernel);
        Host { kernel }
    }

    pub fn receive(&mut self, port: usize, frame: &[u8], ctx: &mut Ctx) {
        dev::netif_receive(&mut self.kernel, ctx, port, frame);
        self.settle(ctx);
    }

    pub fn timer(&mut self, ctx: &mut Ctx) {
        arp::neigh_timers(&mut self.kernel, ctx);
        tcp_timer::timers(&mut self.kernel, ctx);
        crate::kernel::ipvs::core::expire(&mut self.kernel, ctx);
        self.kernel.nf.ct.gc(ctx.now);
        self.settle(ctx);
    }

    pub fn next_wake(&mut self) -> Option<Time> {
        [
            self.kernel.neigh.next_timer(),
            self.kernel.procs.next_wake(),
            self.kernel.tcp.next_timer(),
            self.kernel.ipvs.conns.next_expiry(),
            self.kernel.nf.ct.next_wake(),
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

    /// Something changed outside any event (a cable pulled): processes react now.
    pub fn react(&mut self, ctx: &mut Ctx) {
        self.settle(ctx);
    }

    /// After anything happened: deliver looped-back packets and let processes react, until
    /// nothing more happens at this instant (bounded, in case two programs ping-pong).
    fn settle(&mut self, ctx: &mut Ctx) {
        self.kernel.nf.ct.clock = ctx.now;
        self.kernel.clock = ctx.now;
        for _ in 0..1000 {
            self.kernel.run_backlog(ctx);
            let ran = self.poll_all(ctx) | self.deliver_signals(ctx);
            if self.kernel.backlog.is_empty() && !ran && !self.kernel.sockets.any_woken() {
                return;
            }
        }
    }

    /// Polls every live process whose wake time has come or that may have input. Returns
    /// whether any process produced output or exited (then another round may be needed).
    fn poll_all(&mut self, ctx: &mut Ctx) -> bool {
        let woken = self.kernel.sockets.take_woken();
        let now = ctx.now;
        let pids: Vec<Pid> = self
            .kernel
            .procs
            .running()
            .filter(|p| {
                !p.idle || p.sigchld || p.wake.is_some_and(|t| t <= now) || woken.contains(&p.pid)
            })
            .map(|p| p.pid)
            .collect();
        let mut changed = false;
        for pid in pids {
            changed |= self.poll(pid, ctx, None);
        }
        changed
    }

    /// Runs a process: a poll, or its handler for `signal`.
    fn poll(&mut self, pid: Pid, ctx: &mut Ctx, signal: Option<Signal>) -> bool {
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
        let result = match signal {
            Some(sig) => prog.signal(&mut sys, sig),
            None => prog.poll(&mut sys),
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
                proc.idle = false;
                proc.prog = Some(prog);
            }
            Poll::Idle(t) => {
                proc.wake = t;
                proc.idle = true;
                proc.prog = Some(prog);
            }
            // A process that is already on its own has nothing to detach from.
            Poll::Daemon => {
                proc.wake = None;
                proc.prog = Some(prog);
            }
            Poll::Exit(code) => self.exit(pid, code, ctx),
        }
        changed
    }

    /// do_exit: the process is gone; the kernel releases what it held and tells its parent
    /// and children.
    fn exit(&mut self, pid: Pid, code: i32, ctx: &mut Ctx) {
        self.kernel.procs.exited(pid, code, ctx.now);
        self.kernel.sockets.close_owner(pid);
        tcp::close_owner(&mut self.kernel, ctx, pid);
    }

    /// Delivers the signals `kill` queued. A catchable one runs the program's handler (its
    /// summary, its cleanup, a reload); SIGKILL runs nothing of the program: it is gone,
    /// and only the kernel releases what it held.
    fn deliver_signals(&mut self, ctx: &mut Ctx) -> bool {
        let signals = std::mem::take(&mut self.kernel.procs.signals);
        let any = !signals.is_empty();
        for (pid, sig) in signals {
            let alive = self
                .kernel
                .procs
                .procs
                .get(&pid)
                .is_some_and(|p| p.status.is_none());
            match sig {
                _ if !alive => {}
                // init cannot be killed: the kernel drops SIGKILL for PID 1.
                Signal::Kill if pid == 1 => {}
                Signal::Kill => self.exit(pid, 128 + sig.number(), ctx),
                _ => {
                    self.poll(pid, ctx, Some(sig));
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
            self.poll(pid, ctx, Some(Signal::Int));
            self.settle(ctx);
        }
    }
}
