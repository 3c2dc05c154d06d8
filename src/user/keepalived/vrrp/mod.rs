//! VRRP as keepalived's VRRP child runs it.

pub mod child;
pub mod instance;
mod notify;
pub mod packet;
mod track;
