//! Real wires: a node's interface bound to a Linux TAP device (smoltcp's TunTapInterface).
//! Frames the node sends are written to the device, so the kernel receives them; frames the
//! kernel sends to the device arrive at the node. With a TAP bound, virtual time follows the
//! wall clock: the world waits on the devices until the next event is due, and a frame that
//! comes in meanwhile is delivered at the virtual time matching its arrival. That is the only
//! place netstep reads the wall clock (DESIGN.md §3).
//!
//! Frames from the kernel are untrusted: they go through the same receive path as any
//! frame (which checks every header and never panics on garbage), and ones too short for an
//! Ethernet header are counted and dropped here.
//!
//! smoltcp's TunTapInterface opens and configures the device (TUNSETIFF); reading and
//! writing go through the descriptor directly, because its tokens panic on any error but
//! EAGAIN, and a device deleted under a running lab (`ip link del`) must not end the run.

use super::{Event, World};
use crate::sim::Time;
use smoltcp::phy::{Medium, TunTapInterface};
use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::mem::ManuallyDrop;
use std::os::unix::io::{AsRawFd, FromRawFd};
use std::time::{Duration, Instant};

/// Frames shorter than this cannot carry an Ethernet header.
const ETH_HDR: usize = 14;
/// The longest wait between two looks at the devices (so a lab's `run` ends on time).
const MAX_WAIT: Duration = Duration::from_millis(50);

pub struct Tap {
    pub node: usize,
    pub port: usize,
    pub dev_name: String,
    dev: TunTapInterface,
    /// Frames read from the device, and those dropped for being runts.
    pub rx_frames: u64,
    pub rx_runts: u64,
    pub tx_frames: u64,
    /// Reads or writes the device refused (it was deleted, or went away), and the last error.
    pub errors: u64,
    pub last_error: Option<String>,
    /// Where frames are read into (reused: most reads find nothing).
    buf: Vec<u8>,
}

impl Tap {
    /// The device's descriptor as a File that is never closed here (`dev` owns it).
    fn file(&self) -> ManuallyDrop<File> {
        // SAFETY: the descriptor is open for as long as `dev` lives, and ManuallyDrop keeps
        // this File from closing it; reads and writes on it are plain read(2)/write(2).
        ManuallyDrop::new(unsafe { File::from_raw_fd(self.dev.as_raw_fd()) })
    }

    fn failed(&mut self, e: std::io::Error) {
        self.errors += 1;
        self.last_error = Some(format!("{}: {e}", self.dev_name));
    }

    /// One frame from the kernel, if one is waiting.
    fn recv(&mut self) -> Option<Vec<u8>> {
        let mut file = self.file();
        match file.read(&mut self.buf) {
            Ok(n) => Some(self.buf[..n].to_vec()),
            Err(e) if e.kind() == ErrorKind::WouldBlock => None,
            Err(e) => {
                self.failed(e);
                None
            }
        }
    }

    fn send(&mut self, frame: &[u8]) {
        match self.file().write(frame) {
            Ok(_) => self.tx_frames += 1,
            Err(e) if e.kind() == ErrorKind::WouldBlock => {} // the kernel's queue is full: lost
            Err(e) => self.failed(e),
        }
    }
}

/// Where virtual time 0 … is on the wall clock, once a TAP is bound.
pub struct RealClock {
    wall0: Instant,
    virt0: Time,
}

/// Opens (or creates) the TAP device `name`, with an error that says what is missing.
pub fn open(name: &str) -> Result<TunTapInterface, String> {
    TunTapInterface::new(name, Medium::Ethernet).map_err(|e| {
        let why = match e.raw_os_error() {
            Some(1) | Some(13) => "permission denied: TAP devices need CAP_NET_ADMIN (run as root, or `sudo setcap cap_net_admin+ep target/release/netstep`)".to_string(),
            Some(2) | Some(19) => "no /dev/net/tun: load the tun module (`sudo modprobe tun`)".to_string(),
            _ => e.to_string(),
        };
        format!("tap {name}: {why}")
    })
}

impl World {
    /// Binds `node`'s interface `iface` (a host's) or a new port (a switch's or a hub's,
    /// `iface` None) to the TAP device `dev_name` (created if needed).
    pub fn bind_tap(
        &mut self,
        node: &str,
        iface: Option<&str>,
        dev_name: &str,
    ) -> Result<(), String> {
        let end = self.plug(node, iface, 1500)?;
        let dev = open(dev_name)?;
        self.set_carrier(end, true);
        self.taps.push(Tap {
            node: end.node,
            port: end.port,
            dev_name: dev_name.to_string(),
            dev,
            rx_frames: 0,
            rx_runts: 0,
            tx_frames: 0,
            errors: 0,
            last_error: None,
            buf: vec![0; 65536],
        });
        if self.clock.is_none() {
            self.clock = Some(RealClock {
                wall0: Instant::now(),
                virt0: self.now,
            });
        }
        Ok(())
    }

    /// The TAP a node's port is bound to.
    pub(super) fn tap_of(&mut self, node: usize, port: usize) -> Option<&mut Tap> {
        self.taps
            .iter_mut()
            .find(|t| t.node == node && t.port == port)
    }

    /// Writes a frame the node sent to its TAP device.
    pub(super) fn tap_send(&mut self, node: usize, port: usize, frame: &[u8]) -> bool {
        let Some(tap) = self.tap_of(node, port) else {
            return false;
        };
        tap.send(frame);
        true
    }

    /// A frame arriving at `node`'s `port` from outside the world, now: what `read_taps`
    /// does with a frame the kernel sent (and what the frame fuzzer feeds).
    pub fn arrive(&mut self, node: usize, port: usize, frame: Vec<u8>) {
        self.queue.push(
            self.now,
            Event::Frame {
                node: node as u32,
                port: port as u32,
                frame,
                from: TAP_PEER,
            },
        );
    }

    /// Virtual time now: by the wall clock once a TAP is bound (a `run 5s` then ends five
    /// real seconds from now, however long the world was paused before it).
    pub fn wall_now(&self) -> Time {
        match &self.clock {
            Some(c) => (c.virt0 + c.wall0.elapsed().as_nanos() as u64).max(self.now),
            None => self.now,
        }
    }

    /// In real-time mode, waits until the next event (or `limit`) is due by the wall clock,
    /// taking in the frames the kernel sends meanwhile; then says when the next event is.
    pub(super) fn next_event(&mut self, limit: Option<Time>) -> Option<Time> {
        if self.taps.is_empty() {
            return self.next_time();
        }
        loop {
            // Frames that came while the world was not waiting (busy, or paused between
            // two `run`s) are taken in first.
            self.read_taps();
            let next = self.next_time();
            let target = match (next, limit) {
                (Some(t), Some(l)) => t.min(l),
                (Some(t), None) => t,
                (None, Some(l)) => l,
                (None, None) => return None,
            };
            let now = self.wall_now();
            if now >= target {
                return next;
            }
            let wait = Duration::from_nanos(target.nanos() - now.nanos()).min(MAX_WAIT);
            self.wait_taps(wait);
        }
    }

    /// Blocks until one of the devices is readable or `wait` has passed.
    fn wait_taps(&self, wait: Duration) {
        // One device: wait on it. Several: wait on the first and look at all (a short
        // MAX_WAIT bounds the delay of the others). A device that failed is not waited on
        // (its descriptor would be "readable" at once, for ever): time just passes.
        match self.taps.iter().find(|t| t.last_error.is_none()) {
            Some(t) => {
                let _ = smoltcp::phy::wait(t.dev.as_raw_fd(), Some(wait.into()));
            }
            None => std::thread::sleep(wait),
        }
    }

    /// Queues every frame waiting on the devices as arriving now. Returns how many.
    fn read_taps(&mut self) -> usize {
        let at = self.wall_now();
        let mut frames = Vec::new();
        for t in self.taps.iter_mut().filter(|t| t.last_error.is_none()) {
            // Bounded: a device that floods cannot hold the world here.
            for _ in 0..4096 {
                let Some(frame) = t.recv() else {
                    break;
                };
                if frame.len() < ETH_HDR {
                    t.rx_runts += 1;
                    continue;
                }
                t.rx_frames += 1;
                frames.push((t.node, t.port, frame));
            }
        }
        let n = frames.len();
        for (node, port, frame) in frames {
            self.queue.push(
                at,
                Event::Frame {
                    node: node as u32,
                    port: port as u32,
                    frame,
                    from: TAP_PEER,
                },
            );
        }
        n
    }
}

/// The `from` of a frame that came from a TAP device (the kernel), not from a node.
pub const TAP_PEER: u32 = u32::MAX;
