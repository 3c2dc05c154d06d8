//! The C library's side that programs link against: the resolver, and syslog(3).
//!
//! glibc's getaddrinfo() reads /etc/hosts (files), then asks the name servers of
//! /etc/resolv.conf (dns), as nsswitch.conf's `hosts: files dns` orders it. On Linux it
//! blocks; a netstep program is a state machine, so a lookup here is a `Lookup` polled until
//! it answers, and `getaddrinfo::Resolving` runs it before the program that needs the name.

pub mod getaddrinfo;
pub mod res_send;
pub mod resolv_conf;
pub mod syslog;
