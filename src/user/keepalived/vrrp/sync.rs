//! `vrrp_sync_group` (vrrp_sync.c): instances that must change state together, as when one
//! director holds a VIP on the outside and the gateway address on the inside. When one
//! member becomes MASTER the others follow; when one goes back to BACKUP or into FAULT, so
//! do the others; a member whose timer runs out waits until every member wants MASTER.

use super::instance::{Effect, State, Vrrp};
use crate::sim::Time;
use crate::user::keepalived::conf::SyncGroup;

pub struct Group {
    pub conf: SyncGroup,
    /// Indexes of the member instances.
    pub members: Vec<usize>,
    pub state: State,
}

/// vrrp_sync_set_group: the groups the reader kept, with their starting state (MASTER only
/// if every member is an address owner that wants it, FAULT if a member starts in FAULT).
pub fn build(conf: &[SyncGroup], instances: &[Vrrp]) -> Vec<Group> {
    conf.iter()
        .map(|g| {
            let members: Vec<usize> = g
                .members
                .iter()
                .filter_map(|m| instances.iter().position(|v| v.name() == m))
                .collect();
            let all_owners = members.iter().all(|&i| {
                let v = &instances[i];
                v.conf.priority == 255 && v.wantstate == State::Master
            });
            let state = if members.iter().any(|&i| !instances[i].faults.is_empty()) {
                State::Fault
            } else if all_owners {
                State::Master
            } else {
                State::Backup
            };
            Group {
                conf: g.clone(),
                members,
                state,
            }
        })
        .collect()
}

pub fn group_of(groups: &[Group], i: usize) -> Option<usize> {
    groups.iter().position(|g| g.members.contains(&i))
}

/// vrrp_sync_can_goto_master: the group is MASTER already, or every other member wants to
/// be. Otherwise the first member that does not, for the reason.
pub fn blocker<'a>(g: &Group, instances: &'a [Vrrp], i: usize) -> Option<&'a str> {
    if g.state == State::Master {
        return None;
    }
    g.members
        .iter()
        .filter(|&&m| m != i)
        .map(|&m| &instances[m])
        .find(|v| v.wantstate != State::Master)
        .map(Vrrp::name)
}

/// Members with a fault source of their own (keepalived's num_member_fault).
pub fn members_down(g: &Group, instances: &[Vrrp]) -> usize {
    g.members
        .iter()
        .filter(|&&m| !instances[m].faults.is_empty())
        .count()
}

/// One member (`from`) changed state to `to`: the others follow (vrrp_sync_master,
/// vrrp_sync_backup, vrrp_sync_fault), each with what it must do.
pub fn follow(
    g: &mut Group,
    instances: &mut [Vrrp],
    from: usize,
    to: State,
    now: Time,
) -> Vec<(usize, Vec<Effect>)> {
    if g.state == to || to == State::Init {
        return Vec::new();
    }
    let name = g.conf.name.clone();
    let line = format!(
        "VRRP_Group({name}) Syncing instances to {} state",
        to.name()
    );
    let mut out = vec![(
        from,
        vec![Effect::Log {
            text: line,
            detail: false,
        }],
    )];
    for &m in &g.members {
        let v = &mut instances[m];
        if m == from || v.state == to {
            continue;
        }
        let fx = match to {
            State::Master => v.sync_to_master(now, &name),
            State::Backup => v.sync_to_backup(now, &name),
            _ => v.sync_to_fault(now, &name),
        };
        out.push((m, fx));
    }
    g.state = to;
    out.push((from, vec![Effect::GroupNotify(to)]));
    out
}
