//! A hand-built ARP request and ICMP echo request, written through `CaptureWriter`, must pass
//! tshark's checks; a frame with a broken IP checksum must not (so the check itself is tested).

mod common;

use std::path::PathBuf;

use netstep::capture::CaptureWriter;

const CLIENT_MAC: [u8; 6] = [0x02, 0, 0, 0, 0x01, 0x01];
const SERVER_MAC: [u8; 6] = [0x02, 0, 0, 0, 0x02, 0x01];
const CLIENT_IP: [u8; 4] = [10, 0, 0, 1];
const SERVER_IP: [u8; 4] = [10, 0, 0, 2];

/// RFC 1071 Internet checksum.
fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = data
        .chunks(2)
        .map(|c| u32::from(c[0]) << 8 | u32::from(*c.get(1).unwrap_or(&0)))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

fn arp_request() -> Vec<u8> {
    let mut f = vec![0xff; 6];
    f.extend_from_slice(&CLIENT_MAC);
    f.extend_from_slice(&[0x08, 0x06]);
    // htype Ethernet, ptype IPv4, hlen 6, plen 4, oper request
    f.extend_from_slice(&[0, 1, 0x08, 0x00, 6, 4, 0, 1]);
    f.extend_from_slice(&CLIENT_MAC);
    f.extend_from_slice(&CLIENT_IP);
    f.extend_from_slice(&[0; 6]);
    f.extend_from_slice(&SERVER_IP);
    f.resize(60, 0); // Ethernet minimum frame size without FCS
    f
}

fn icmp_echo_request(break_ip_checksum: bool) -> Vec<u8> {
    let mut icmp = vec![8, 0, 0, 0, 0x12, 0x34, 0, 1];
    icmp.extend((0u8..56).map(|i| 0x10 + i));
    let c = checksum(&icmp);
    icmp[2..4].copy_from_slice(&c.to_be_bytes());

    let total_len = (20 + icmp.len()) as u16;
    let mut ip = vec![0x45, 0];
    ip.extend_from_slice(&total_len.to_be_bytes());
    ip.extend_from_slice(&[0, 1, 0x40, 0, 64, 1, 0, 0]); // id 1, DF, ttl 64, ICMP
    ip.extend_from_slice(&CLIENT_IP);
    ip.extend_from_slice(&SERVER_IP);
    let c = checksum(&ip) ^ if break_ip_checksum { 0x0101 } else { 0 };
    ip[10..12].copy_from_slice(&c.to_be_bytes());

    let mut f = SERVER_MAC.to_vec();
    f.extend_from_slice(&CLIENT_MAC);
    f.extend_from_slice(&[0x08, 0x00]);
    f.extend_from_slice(&ip);
    f.extend_from_slice(&icmp);
    f
}

fn write_capture(tag: &str, break_ip_checksum: bool) -> PathBuf {
    let path = std::env::temp_dir().join(format!(
        "netstep-it-capture-{}-{tag}.pcapng",
        std::process::id()
    ));
    let mut w = CaptureWriter::create(&path).unwrap();
    let eth0 = w.add_interface("client:eth0").unwrap();
    w.write_frame(
        eth0,
        0,
        &arp_request(),
        "client arp: who-has 10.0.0.2 tell 10.0.0.1",
    )
    .unwrap();
    w.write_frame(
        eth0,
        1_000_000,
        &icmp_echo_request(break_ip_checksum),
        "client ip_output: via eth0\nsecond line",
    )
    .unwrap();
    w.finish().unwrap();
    path
}

#[test]
fn valid_frames_pass_tshark() {
    let path = write_capture("good", false);
    let result = common::tshark_check(&path);
    std::fs::remove_file(&path).unwrap();
    match result {
        Ok(Some(summary)) => assert!(summary.contains("2 frames"), "{summary}"),
        Ok(None) => {}
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn bad_ip_checksum_fails_tshark() {
    let path = write_capture("bad", true);
    let result = common::tshark_check(&path);
    std::fs::remove_file(&path).unwrap();
    match result {
        Err(e) => assert!(e.contains("1 bad frame"), "{e}"),
        Ok(Some(summary)) => panic!("broken checksum not detected: {summary}"),
        Ok(None) => {}
    }
}
