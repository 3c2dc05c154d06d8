//! One VRRP instance's state machine as keepalived runs it (vrrp.c, vrrp_scheduler.c): INIT,
//! then BACKUP with the master-down timer running, MASTER when it expires, back to BACKUP on a
//! better advert, FAULT while its interface is down. It decides; the VRRP child does what it
//! decided (`Effect`s), so the machine can be tested to the microsecond without a network.

use super::super::conf::Instance;
use super::packet::{self, Advert, Expect, Received};
use crate::sim::Time;
use std::net::Ipv4Addr;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Init,
    Backup,
    Master,
    Fault,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Init => "INIT",
            State::Backup => "BACKUP",
            State::Master => "MASTER",
            State::Fault => "FAULT",
        }
    }
}

/// What the instance wants done, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Send an advert with this priority.
    Advert(u8),
    SetVips,
    RemoveVips,
    /// `garp_master_repeat` gratuitous ARPs for each VIP, now.
    Garps(u32),
    /// A syslog line; `detail` lines appear only with -D.
    Log {
        text: String,
        detail: bool,
    },
    /// A reason for the trace (why the state changed).
    Why(String),
    /// Run the notify scripts for entering this state.
    Notify(State),
    /// Run the instance's sync group's notify script for this state.
    GroupNotify(State),
}

pub struct Vrrp {
    pub conf: Instance,
    pub state: State,
    pub effective_priority: u8,
    /// What the instance would be in, its sync group aside (keepalived's wantstate).
    pub wantstate: State,
    /// The master-down timer, in microseconds (keepalived's unit).
    pub(super) ms_down_timer: u64,
    /// When the instance's timer fires (the advert timer as MASTER, master-down as BACKUP).
    pub sands: Option<Time>,
    pub vipset: bool,
    /// Our address on the interface (the adverts' source, the tie-breaker).
    pub saddr: Ipv4Addr,
    pub(super) preempt_time: Option<Time>,
    /// The second burst of gratuitous ARPs (garp_master_delay after becoming master).
    pub garp_delay_at: Option<Time>,
    pub garp_refresh_at: Option<Time>,
    pub master_saddr: Option<Ipv4Addr>,
    pub adverts_sent: u64,
    /// Why the instance must be in FAULT now (its interface, tracked interfaces or scripts);
    /// empty when nothing keeps it down.
    pub faults: Vec<String>,
    /// The IP id of the last advert (keepalived counts it per instance).
    ip_id: u16,
    /// The second burst of gratuitous ARPs after a lower-priority advert.
    pub garp_lower_at: Option<Time>,
    /// What the running master-down timer was set for (for the reason at its expiry).
    pub(super) resigned: bool,
}

/// Microseconds (keepalived's timer unit) as virtual time.
pub(super) fn us(t: u64) -> u64 {
    t * 1_000
}

impl Vrrp {
    pub fn new(conf: Instance, saddr: Ipv4Addr) -> Vrrp {
        let prio = conf.priority;
        let wantstate = if conf.want_master {
            State::Master
        } else {
            State::Backup
        };
        Vrrp {
            conf,
            state: State::Init,
            wantstate,
            effective_priority: prio,
            ms_down_timer: 0,
            sands: None,
            vipset: false,
            saddr,
            preempt_time: None,
            garp_delay_at: None,
            garp_refresh_at: None,
            master_saddr: None,
            adverts_sent: 0,
            faults: Vec::new(),
            ip_id: 0,
            garp_lower_at: None,
            resigned: false,
        }
    }

    pub(super) fn log(&self, text: String) -> Effect {
        Effect::Log {
            text,
            detail: false,
        }
    }

    pub(super) fn detail(&self, text: String) -> Effect {
        Effect::Log { text, detail: true }
    }

    pub fn name(&self) -> &str {
        &self.conf.name
    }

    /// VRRP_TIMER_SKEW for VRRPv2: (256 - priority) / 256 s, in microseconds.
    pub fn skew(&self) -> u64 {
        u64::from(256 - u32::from(self.effective_priority)) * 1_000_000 / 256
    }

    /// VRRP_MS_DOWN_TIMER: down_timer_adverts × advert_int + skew, in microseconds.
    pub fn master_down(&self) -> u64 {
        u64::from(self.conf.down_timer_adverts) * self.conf.advert_int + self.skew()
    }

    /// vrrp_init_instance_sands.
    pub(super) fn set_sands(&mut self, now: Time) {
        self.sands = match self.state {
            State::Master => Some(now + us(self.conf.advert_int)),
            State::Backup => Some(now + us(self.ms_down_timer)),
            State::Fault | State::Init => None,
        };
    }

    /// vrrp_restore_interfaces_startup + vrrp_init_state: the VIPs are taken off, then the
    /// instance waits in BACKUP, or in FAULT when tracking (or its sync `group`, whose state
    /// is given) keeps it down. An address owner (priority 255, state MASTER) times out of
    /// BACKUP at once; a member that wants MASTER of a group that is BACKUP waits one
    /// advert_int (and the smallest skew) to see whether there is a master.
    pub fn start(&mut self, now: Time, group: Option<State>) -> Vec<Effect> {
        let mut fx = vec![
            self.detail(format!("({}) removing VIPs.", self.name())),
            Effect::RemoveVips,
        ];
        let new_state = group.unwrap_or(self.wantstate);
        let owner = self.conf.priority == 255 && self.wantstate == State::Master;
        if !self.faults.is_empty() || new_state == State::Fault {
            // The child has said why (vrrp_complete_init's "entering FAULT state").
            self.state = State::Fault;
            fx.push(Effect::Notify(State::Fault));
        } else if new_state == State::Master && owner {
            self.state = State::Backup;
            self.ms_down_timer = 1;
            fx.push(Effect::Why(format!(
                "{} is the address owner (priority 255): MASTER at once",
                self.name()
            )));
        } else {
            self.ms_down_timer = if new_state == State::Backup && self.wantstate == State::Master {
                self.conf.advert_int + 1_000_000 / 256
            } else {
                self.master_down()
            };
            self.state = State::Backup;
            fx.push(self.log(format!("({}) Entering BACKUP STATE (init)", self.name())));
            fx.push(Effect::Why(format!(
                "{} starts in BACKUP: MASTER unless an advert of higher priority comes within {} ({} × advert_int + skew (256-{})/256 s)",
                self.name(),
                seconds(self.ms_down_timer),
                self.conf.down_timer_adverts,
                self.effective_priority
            )));
            fx.push(Effect::Notify(State::Backup));
        }
        self.set_sands(now);
        fx
    }

    /// The instance's timer fired (vrrp_dispatcher_read_timeout).
    pub fn timeout(&mut self, now: Time) -> Vec<Effect> {
        let mut fx = Vec::new();
        match self.state {
            State::Backup => {
                fx.push(self.detail(format!("({}) Receive advertisement timeout", self.name())));
                let why = if self.resigned {
                    format!(
                        "{} the master resigned {} ago (skew (256-{})/256 s): BACKUP → MASTER",
                        self.name(),
                        seconds(self.skew()),
                        self.effective_priority
                    )
                } else {
                    format!(
                        "{} no advert for {} ({} × advert_int + skew (256-{})/256 s): BACKUP → MASTER",
                        self.name(),
                        seconds(self.master_down()),
                        self.conf.down_timer_adverts,
                        self.effective_priority
                    )
                };
                fx.push(Effect::Why(why));
                self.resigned = false;
                self.state = State::Master;
                self.wantstate = State::Master;
                self.master_tx(now, &mut fx);
            }
            State::Master => self.master_tx(now, &mut fx),
            _ => {}
        }
        self.set_sands(now);
        fx
    }

    /// vrrp_state_master_tx: the advert first (so an old master drops the VIPs before our
    /// gratuitous ARPs), then, when just become master, the VIPs and the first GARP burst.
    pub(super) fn master_tx(&mut self, now: Time, fx: &mut Vec<Effect>) {
        fx.push(Effect::Advert(self.effective_priority));
        self.adverts_sent += 1;
        if !self.vipset {
            fx.push(self.log(format!("({}) Entering MASTER STATE", self.name())));
            fx.push(self.detail(format!("({}) setting VIPs.", self.name())));
            fx.push(Effect::SetVips);
            self.vipset = true;
            fx.push(Effect::Garps(self.conf.garp_master_repeat));
            if self.conf.garp_master_refresh > 0 {
                self.garp_refresh_at =
                    Some(now + u64::from(self.conf.garp_master_refresh) * 1_000_000_000);
            }
            fx.push(Effect::Notify(State::Master));
            if self.conf.garp_master_delay > 0 {
                self.garp_delay_at =
                    Some(now + u64::from(self.conf.garp_master_delay) * 1_000_000_000);
            }
        } else if self.garp_refresh_at.is_some_and(|t| now > t) {
            fx.push(Effect::Garps(self.conf.garp_master_refresh_repeat));
            self.garp_refresh_at =
                Some(now + u64::from(self.conf.garp_master_refresh) * 1_000_000_000);
        }
    }

    /// garp_master_delay after becoming master (and garp_lower_prio_delay after a
    /// lower-priority advert): the second burst.
    pub fn garp_delay(&mut self, now: Time) -> Vec<Effect> {
        let mut fx = Vec::new();
        for slot in [&mut self.garp_delay_at, &mut self.garp_lower_at] {
            if slot.is_some_and(|t| t <= now) {
                *slot = None;
                if self.vipset {
                    fx.push(Effect::Garps(self.conf.garp_master_repeat));
                }
            }
        }
        fx
    }

    /// The next advert's IP id.
    pub fn next_ip_id(&mut self) -> u16 {
        self.ip_id = self.ip_id.wrapping_add(1);
        if self.ip_id == 0 {
            self.ip_id = 1;
        }
        self.ip_id
    }

    /// SIGHUP kept this instance: a master advertises at once and restarts its cadence.
    pub fn reloaded(&mut self, now: Time) -> Vec<Effect> {
        if self.state != State::Master {
            return Vec::new();
        }
        self.adverts_sent += 1;
        self.set_sands(now);
        vec![Effect::Advert(self.effective_priority)]
    }

    /// What this instance expects of adverts.
    pub fn expect<'a>(&self, vips: &'a [Ipv4Addr]) -> Expect<'a> {
        Expect {
            multicast: self.conf.unicast_peers.is_empty(),
            auth_type: match self.conf.auth_type {
                None => 0,
                Some(super::super::conf::AuthType::Pass) => 1,
                Some(super::super::conf::AuthType::Ah) => 2,
            },
            auth_data: self.conf.auth_data,
            adver_int_s: (self.conf.advert_int / 1_000_000) as u32,
            vips,
            skip_check_adv_addr: self.conf.skip_check_adv_addr,
        }
    }

    /// An advert for our VRID arrived (vrrp_dispatcher_read).
    pub fn receive(&mut self, now: Time, r: &Received) -> Vec<Effect> {
        let mut fx = Vec::new();
        let vips: Vec<Ipv4Addr> = self.conf.vips.iter().map(|v| v.addr).collect();
        let check = packet::check(r, &self.expect(&vips));
        match self.state {
            State::Backup => self.backup_rx(now, r, check, &mut fx),
            State::Master => {
                if self.master_rx(now, r, check, &mut fx) {
                    fx.extend(self.leave_master_for(now, State::Backup, false));
                }
            }
            _ => return fx,
        }
        if self.state != State::Master || !self.conf.lower_prio_no_advert {
            self.set_sands(now);
        }
        fx
    }

    /// vrrp_state_backup.
    fn backup_rx(
        &mut self,
        now: Time,
        r: &Received,
        check: Result<(), packet::Bad>,
        fx: &mut Vec<Effect>,
    ) {
        let prio = r.advert.priority;
        let mut ignore = false;
        if let Err(bad) = check {
            fx.push(self.log(bad.message(self.name())));
            ignore = true;
        } else if prio == 0 {
            fx.push(self.detail(format!(
                "({}) Backup received priority 0 advertisement",
                self.name()
            )));
            self.ms_down_timer = self.skew();
            self.resigned = true;
            fx.push(Effect::Why(format!(
                "{} the master {} resigned (priority 0): MASTER after the skew, {}",
                self.name(),
                r.src,
                seconds(self.ms_down_timer)
            )));
        } else if self.conf.nopreempt
            || prio >= self.effective_priority
            || (self.conf.preempt_delay > 0 && self.preempt_time.is_none_or(|t| t > now))
        {
            self.ms_down_timer = self.master_down();
            self.resigned = false;
            self.master_saddr = Some(r.src);
            if self.conf.preempt_delay > 0 {
                if prio >= self.effective_priority {
                    self.preempt_time = None;
                } else if self.preempt_time.is_none() {
                    fx.push(self.detail(format!(
                        "({}) start preempt delay ({}.{:06})",
                        self.name(),
                        self.conf.preempt_delay / 1_000_000,
                        self.conf.preempt_delay % 1_000_000
                    )));
                    self.preempt_time = Some(now + us(self.conf.preempt_delay));
                }
            }
            let why = if prio >= self.effective_priority {
                format!("priority {prio} ≥ ours {}", self.effective_priority)
            } else if self.conf.nopreempt {
                format!(
                    "priority {prio} < ours {}, but nopreempt",
                    self.effective_priority
                )
            } else {
                format!(
                    "priority {prio} < ours {}, but preempt_delay runs",
                    self.effective_priority
                )
            };
            fx.push(Effect::Why(format!(
                "{} advert from {} ({why}): stay BACKUP, master-down timer restarts ({})",
                self.name(),
                r.src,
                seconds(self.ms_down_timer)
            )));
        } else {
            fx.push(self.log(format!(
                "({}) received lower priority ({prio}) advert from {} - discarding",
                self.name(),
                r.src
            )));
            fx.push(Effect::Why(format!(
                "{} advert from {} has lower priority {prio} than ours {} and preemption is on: ignored, the master-down timer runs on",
                self.name(),
                r.src,
                self.effective_priority
            )));
            ignore = true;
            self.master_saddr = Some(r.src);
        }
        if ignore {
            // The timer keeps its old expiry: what is left of it becomes the new timer.
            let left = self.sands.map_or(0, |t| t - now) / 1_000;
            self.ms_down_timer = left;
        }
    }

    /// vrrp_state_master_rx: true when we must leave MASTER.
    fn master_rx(
        &mut self,
        now: Time,
        r: &Received,
        check: Result<(), packet::Bad>,
        fx: &mut Vec<Effect>,
    ) -> bool {
        if let Err(bad) = check {
            fx.push(self.log(bad.message(self.name())));
            return false;
        }
        let prio = r.advert.priority;
        let ours = self.effective_priority;
        let cmp = r.src.cmp(&self.saddr);
        if prio == 0 {
            fx.push(Effect::Advert(ours));
            self.adverts_sent += 1;
            fx.push(self.detail(format!(
                "({}) Master received priority 0 message",
                self.name()
            )));
            return false;
        }
        if prio == ours && cmp == std::cmp::Ordering::Equal {
            fx.push(self.log(format!(
                "({}) WARNING - equal priority advert received from remote host with our IP address.",
                self.name()
            )));
        }
        if prio < ours || (prio == ours && cmp == std::cmp::Ordering::Less) {
            let forcing = if self.conf.lower_prio_no_advert {
                ""
            } else {
                ", forcing new election"
            };
            fx.push(self.log(format!(
                "({}) Received advert from {} with lower priority {prio}, ours {ours}{forcing}",
                self.name(),
                r.src
            )));
            fx.push(Effect::Why(format!(
                "{} another master {} advertises priority {prio} < ours {ours}: we stay MASTER and answer with an advert",
                self.name(),
                r.src
            )));
            if !self.conf.lower_prio_no_advert {
                fx.push(Effect::Advert(ours));
                self.adverts_sent += 1;
            }
            // garp_lower_prio_repeat and _delay default to the master's GARP settings.
            fx.push(Effect::Garps(self.conf.garp_master_repeat));
            if self.conf.garp_master_delay > 0 {
                self.garp_lower_at =
                    Some(now + u64::from(self.conf.garp_master_delay) * 1_000_000_000);
            }
            return false;
        }
        if prio > ours {
            fx.push(self.log(format!(
                "({}) Master received advert from {} with higher priority {prio}, ours {ours}",
                self.name(),
                r.src
            )));
        } else {
            fx.push(self.log(format!(
                "({}) Master received advert from {} with same priority {prio} but higher IP address than ours",
                self.name(),
                r.src
            )));
        }
        fx.push(Effect::Why(format!(
            "{} {} advertises priority {prio} (ours {ours}{}): MASTER → BACKUP",
            self.name(),
            r.src,
            if prio == ours {
                ", its address is higher"
            } else {
                ""
            }
        )));
        self.master_saddr = Some(r.src);
        true
    }

    /// SIGTERM (restore_vrrp_interfaces): a master sends priority 0 and takes its VIPs off.
    pub fn shutdown(&mut self) -> Vec<Effect> {
        let mut fx = Vec::new();
        if self.state == State::Master {
            fx.push(Effect::Advert(0));
            fx.push(self.detail(format!("({}) sent 0 priority", self.name())));
            fx.push(Effect::Why(format!(
                "{} stops: priority 0 advert, so the backup takes over after its skew",
                self.name()
            )));
            if self.vipset {
                fx.push(self.detail(format!("({}) removing VIPs.", self.name())));
                fx.push(Effect::RemoveVips);
                self.vipset = false;
            }
        }
        self.sands = None;
        self.garp_delay_at = None;
        fx
    }

    /// SIGHUP with the instance still configured: the new settings, the same state.
    pub fn reconfigure(&mut self, conf: Instance) {
        self.effective_priority = conf.priority;
        self.conf = conf;
    }

    /// The advert this instance sends with `priority`.
    pub fn advert(&self, priority: u8) -> Advert {
        let auth_type = self.expect(&[]).auth_type;
        Advert {
            vrid: self.conf.vrid.unwrap_or(0),
            priority,
            auth_type,
            adver_int: (self.conf.advert_int / 1_000_000) as u8,
            addrs: self.conf.vips.iter().map(|v| v.addr).collect(),
            auth_data: if auth_type == 1 {
                self.conf.auth_data
            } else {
                [0; 8]
            },
        }
    }

    /// The earliest of the instance's timers.
    pub fn next_timer(&self) -> Option<Time> {
        [self.sands, self.garp_delay_at, self.garp_lower_at]
            .into_iter()
            .flatten()
            .min()
    }
}

/// `3.609375 s` style durations for reasons.
pub(super) fn seconds(us: u64) -> String {
    let s = format!("{}.{:06}", us / 1_000_000, us % 1_000_000);
    format!("{} s", s.trim_end_matches('0').trim_end_matches('.'))
}

#[cfg(test)]
#[path = "instance_tests.rs"]
mod tests;
