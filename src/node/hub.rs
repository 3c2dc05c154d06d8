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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Time;

    #[test]
    fn repeats_to_every_other_port() {
        let mut hub = Hub::default();
        for _ in 0..4 {
            hub.add_port();
        }
        let mut ctx = Ctx::new(Time::ZERO, "hb1", true);
        hub.receive(1, &[0u8; 60], &mut ctx);
        let ports: Vec<usize> = ctx.tx.iter().map(|t| t.port).collect();
        assert_eq!(ports, [0, 2, 3]);
        assert_eq!(ctx.reasons, ["hb1 hub: repeat to ports 1 3 4"]);
    }
}
