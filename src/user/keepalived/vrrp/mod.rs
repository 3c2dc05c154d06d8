//! VRRP as keepalived's VRRP child runs it.

pub mod child;
pub mod instance;
mod instance_track;
mod notify;
pub mod packet;
mod sync;
mod track;
mod tracking;
