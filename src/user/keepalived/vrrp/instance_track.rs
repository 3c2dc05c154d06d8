//! What tracking and sync groups do to one instance (vrrp_track.c's down_instance,
//! try_up_instance and vrrp_set_effective_priority; vrrp.c's vrrp_state_leave_master and
//! vrrp_state_leave_fault; the member's side of vrrp_sync.c). The VRRP child decides when;
//! these decide what, with keepalived's log lines.

use super::instance::{seconds, us, Effect, State, Vrrp};
use crate::sim::Time;

impl Vrrp {
    /// vrrp_set_effective_priority: the configured priority plus what tracking adds,
    /// clamped to 1..254 (an address owner's never moves). A BACKUP's down timer moves with
    /// its skew.
    pub fn set_priority(&mut self, delta: i32) -> Vec<Effect> {
        if self.conf.priority == 255 {
            return Vec::new();
        }
        let p = (i32::from(self.conf.priority) + delta).clamp(1, 254) as u8;
        if p == self.effective_priority {
            return Vec::new();
        }
        let fx = vec![
            self.log(format!(
                "({}) Changing effective priority from {} to {p}",
                self.name(),
                self.effective_priority
            )),
            Effect::Why(format!(
                "{} tracking adds {delta:+}: priority {} → {p}",
                self.name(),
                self.effective_priority
            )),
        ];
        let old = self.ms_down_timer;
        self.effective_priority = p;
        self.ms_down_timer = self.master_down();
        if self.state == State::Backup {
            if let Some(t) = self.sands {
                let new = self.ms_down_timer;
                self.sands = Some(if new > old {
                    t + us(new - old)
                } else {
                    Time(t.0.saturating_sub(us(old - new)))
                });
            }
        }
        fx
    }

    /// down_instance: the first fault source appeared. A MASTER resigns (two priority-0
    /// adverts: vrrp_state_leave_master's and vrrp_restore_interface's).
    pub fn down(&mut self, now: Time, why: &str) -> Vec<Effect> {
        let from = self.state;
        self.wantstate = State::Fault;
        let mut fx = vec![Effect::Why(format!(
            "{} {why}: {} → FAULT",
            self.name(),
            from.name()
        ))];
        if from == State::Master {
            fx.extend(self.leave_master_for(now, State::Fault, true));
        } else {
            fx.extend(self.leave_fault_for(now, State::Fault));
        }
        fx
    }

    /// try_up_instance, once nothing keeps the instance (or its sync group) down: BACKUP,
    /// with the master-down timer (an address owner that wants MASTER takes it at once).
    pub fn up(&mut self, now: Time) -> Vec<Effect> {
        let owner = self.conf.priority == 255 && self.wantstate == State::Master;
        if !owner {
            self.wantstate = State::Backup;
        }
        let mut fx = vec![Effect::Why(format!(
            "{} nothing keeps it down: FAULT → {}",
            self.name(),
            self.wantstate.name()
        ))];
        if owner {
            fx.extend(self.goto_master(now));
        } else {
            fx.extend(self.leave_fault_for(now, State::Backup));
        }
        fx
    }

    /// vrrp_state_leave_master to `want` (BACKUP or FAULT). FAULT sends a priority-0 advert
    /// itself; `resign` (vrrp_restore_interface's advF) sends another.
    pub fn leave_master_for(&mut self, now: Time, want: State, resign: bool) -> Vec<Effect> {
        let mut fx = vec![self.log(format!("({}) Entering {} STATE", self.name(), want.name()))];
        if want == State::Fault {
            fx.push(Effect::Advert(0));
        }
        if resign {
            fx.push(Effect::Advert(0));
            fx.push(self.detail(format!("({}) sent 0 priority", self.name())));
        }
        if self.vipset {
            fx.push(self.detail(format!("({}) removing VIPs.", self.name())));
            fx.push(Effect::RemoveVips);
            self.vipset = false;
        }
        self.preempt_time = None;
        self.garp_delay_at = None;
        self.garp_lower_at = None;
        self.state = want;
        self.wantstate = want;
        fx.push(Effect::Notify(want));
        self.ms_down_timer = self.master_down();
        self.set_sands(now);
        fx
    }

    /// vrrp_state_leave_fault for a BACKUP or FAULT target: logged only if the state
    /// changes (a BACKUP synced to FAULT is quietly marked first, so it logs nothing).
    pub fn leave_fault_for(&mut self, now: Time, want: State) -> Vec<Effect> {
        let mut fx = Vec::new();
        if self.state != want {
            fx.push(self.log(format!("({}) Entering {} STATE", self.name(), want.name())));
        }
        self.state = want;
        self.wantstate = want;
        fx.push(Effect::Notify(want));
        self.preempt_time = None;
        self.ms_down_timer = self.master_down();
        self.set_sands(now);
        fx
    }

    /// vrrp_state_goto_master: MASTER now, with its advert, VIPs and gratuitous ARPs.
    pub fn goto_master(&mut self, now: Time) -> Vec<Effect> {
        let mut fx = Vec::new();
        self.state = State::Master;
        self.wantstate = State::Master;
        self.resigned = false;
        self.master_tx(now, &mut fx);
        self.set_sands(now);
        fx
    }

    /// The down timer ran out, but the sync group cannot go MASTER yet
    /// (vrrp_sync_can_goto_master): wait another master-down interval as a BACKUP that
    /// wants MASTER.
    pub fn hold(&mut self, now: Time, group: &str, waiting: &str) -> Vec<Effect> {
        self.wantstate = State::Master;
        self.ms_down_timer = self.master_down();
        self.set_sands(now);
        vec![
            self.detail(format!("({}) Receive advertisement timeout", self.name())),
            Effect::Why(format!(
                "{} no advert, but sync group {group} waits for {waiting}: stays BACKUP for another {}",
                self.name(),
                seconds(self.ms_down_timer)
            )),
        ]
    }

    /// Synced to FAULT by its group (vrrp_sync_fault): a MASTER leaves with one priority-0
    /// advert, a BACKUP is just marked.
    pub fn sync_to_fault(&mut self, now: Time, group: &str) -> Vec<Effect> {
        let mut fx = vec![Effect::Why(format!(
            "{} sync group {group} has a member in FAULT: {} → FAULT",
            self.name(),
            self.state.name()
        ))];
        if self.state == State::Master {
            fx.extend(self.leave_master_for(now, State::Fault, false));
        } else {
            self.state = State::Fault;
            fx.extend(self.leave_fault_for(now, State::Fault));
        }
        fx
    }

    /// Synced to BACKUP by its group (vrrp_sync_backup).
    pub fn sync_to_backup(&mut self, now: Time, group: &str) -> Vec<Effect> {
        let mut fx = vec![Effect::Why(format!(
            "{} sync group {group} went BACKUP: {} → BACKUP",
            self.name(),
            self.state.name()
        ))];
        if matches!(self.state, State::Fault | State::Init) {
            fx.extend(self.leave_fault_for(now, State::Backup));
        } else {
            fx.extend(self.leave_master_for(now, State::Backup, false));
        }
        fx
    }

    /// Synced to MASTER by its group (vrrp_sync_master).
    pub fn sync_to_master(&mut self, now: Time, group: &str) -> Vec<Effect> {
        let mut fx = vec![Effect::Why(format!(
            "{} sync group {group} went MASTER: {} → MASTER",
            self.name(),
            self.state.name()
        ))];
        fx.extend(self.goto_master(now));
        fx
    }
}
