//! A hub: layer 1. Every frame is repeated to every other port; every host on the hub sees
//! every frame (and drops those not addressed to it, unless tcpdump made it promiscuous).

use crate::sim::Ctx;
use crate::why;

#[derive(Clone, Debug, Default)]
pub struct Hub {
    pub ports: usize,
}

impl Hub {
    pub fn add_port(&mut self) -> usize {
        self.ports += 1;
        self.ports - 1
    }

    pub fn receive(&mut self, port: usize, frame: &[u8], ctx: &mut Ctx) {
        let out: Vec<usize> = (0..self.ports).filter(|p| *p != port).collect();
        let list: Vec<String> = out.iter().map(|p| (p + 1).to_string()).collect();
        why!(ctx, "hub", "repeat to ports {}", list.join(" "));
        for p in out {
            ctx.send(p, frame.to_vec());
        }
    }
}
