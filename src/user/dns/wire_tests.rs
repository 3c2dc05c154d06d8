//! DNS wire format: exact bytes, compression, round trips, and malformed input.

use super::*;
use crate::user::dns::xorshift;

fn rec(name: &str, rtype: u16, data: RData) -> Record {
    Record {
        name: name.to_string(),
        rtype,
        class: CLASS_IN,
        ttl: 3600,
        data,
    }
}

fn soa() -> RData {
    RData::Soa {
        mname: "ns.lab".into(),
        rname: "admin.lab".into(),
        serial: 2026112501,
        refresh: 3600,
        retry: 900,
        expire: 604800,
        minimum: 300,
    }
}

/// A reply with every section and every kind of data.
fn full_reply() -> Message {
    let mut m = Message::query(0xbeef, "web.lab", A, true);
    m.header.qr = true;
    m.header.aa = true;
    m.header.ra = true;
    m.answers = vec![
        rec("web.lab", CNAME, RData::Cname("www.lab".into())),
        rec("www.lab", A, RData::A(Ipv4Addr::new(192, 168, 2, 10))),
    ];
    m.authority = vec![
        rec("lab", NS, RData::Ns("ns.lab".into())),
        rec("lab", SOA, soa()),
    ];
    m.additional = vec![
        rec("ns.lab", A, RData::A(Ipv4Addr::new(192, 168, 2, 53))),
        rec("lab", TXT, RData::Other(b"\x05hello".to_vec())),
        // EDNS0 OPT: class is the UDP payload size, TTL the extended flags.
        Record {
            name: String::new(),
            rtype: OPT,
            class: 1232,
            ttl: 0,
            data: RData::Other(vec![]),
        },
    ];
    m
}

#[test]
fn query_bytes_are_exact() {
    let bytes = Message::query(0x1234, "www.lab", A, true).encode();
    let mut want = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    want.extend_from_slice(b"\x03www\x03lab\x00\x00\x01\x00\x01");
    assert_eq!(bytes, want);
}

#[test]
fn query_strips_trailing_dot() {
    assert_eq!(
        Message::query(1, "www.lab.", A, false).questions[0].name,
        "www.lab"
    );
    assert_eq!(Message::query(1, ".", NS, false).questions[0].name, "");
}

#[test]
fn answer_name_points_at_question() {
    let mut m = Message::query(0x1234, "www.lab", A, true);
    m.header.qr = true;
    m.answers
        .push(rec("www.lab", A, RData::A(Ipv4Addr::new(192, 168, 2, 10))));
    let bytes = m.encode();
    // Header (12) + question (9 + 4): the answer starts at 25 with a pointer to offset 12.
    assert_eq!(&bytes[25..27], &[0xc0, 0x0c]);
    assert_eq!(&bytes[27..37], &[0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4]);
    assert_eq!(&bytes[37..], &[192, 168, 2, 10]);
    assert_eq!(Message::decode(&bytes).unwrap(), m);
}

#[test]
fn suffix_compression_in_rdata() {
    let mut m = Message::query(7, "lab", NS, false);
    m.answers.push(rec("lab", NS, RData::Ns("ns.lab".into())));
    let bytes = m.encode();
    // NS data: label "ns", then a pointer to "lab" in the question.
    assert_eq!(&bytes[bytes.len() - 5..], &[2, b'n', b's', 0xc0, 0x0c]);
}

#[test]
fn round_trip() {
    let m = full_reply();
    assert_eq!(Message::decode(&m.encode()).unwrap(), m);
}

#[test]
fn compression_keeps_case() {
    let mut m = Message::query(7, "WWW.lab", A, false);
    m.answers
        .push(rec("www.lab", A, RData::A(Ipv4Addr::new(10, 0, 0, 1))));
    assert_eq!(Message::decode(&m.encode()).unwrap(), m);
}

#[test]
fn header_flags() {
    let h = Header {
        id: 9,
        qr: true,
        opcode: 2,
        aa: true,
        tc: true,
        rd: true,
        ra: true,
        rcode: 3,
    };
    assert_eq!(h.flags(), 0x9783);
    assert_eq!(Header::from_flags(9, 0x9783), h);
}

#[test]
fn ptr_and_mx_are_decompressed() {
    let mut m = Message::query(1, "x.lab", MX, false);
    m.answers.push(rec(
        "x.lab",
        MX,
        RData::Other(b"\x00\x0a\x01x\x03lab\x00".to_vec()),
    ));
    let mut bytes = m.encode();
    // Replace the MX exchange with a pointer to the question name, as a server may.
    let n = bytes.len();
    bytes.truncate(n - 7);
    bytes.extend_from_slice(&[0xc0, 0x0c]);
    let len_at = n - 9 - 2;
    bytes[len_at + 1] = 4;
    let got = Message::decode(&bytes).unwrap();
    assert_eq!(
        got.answers[0].data,
        RData::Other(b"\x00\x0a\x01x\x03lab\x00".to_vec())
    );
}

fn header(qd: u16, an: u16) -> Vec<u8> {
    let mut h = vec![0, 1, 0x81, 0x80, 0, qd as u8, 0, an as u8, 0, 0, 0, 0];
    h[4] = (qd >> 8) as u8;
    h
}

#[test]
fn rejects_pointer_loop() {
    let mut b = header(1, 0);
    b.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
    let e = Message::decode(&b).unwrap_err();
    assert!(e.contains("does not point to an earlier name"), "{e}");
    // Two names pointing at each other.
    let mut b = header(2, 0);
    b.extend_from_slice(&[1, b'a', 0xc0, 20, 0, 1, 0, 1, 0xc0, 12, 0, 1, 0, 1]);
    assert!(Message::decode(&b).is_err());
}

#[test]
fn rejects_long_label_and_long_name() {
    let mut b = header(1, 0);
    b.push(64);
    b.extend_from_slice(&[b'a'; 64]);
    b.extend_from_slice(&[0, 0, 1, 0, 1]);
    let e = Message::decode(&b).unwrap_err();
    assert!(e.contains("at most 63"), "{e}");
    let mut b = header(1, 0);
    for _ in 0..5 {
        b.push(63);
        b.extend_from_slice(&[b'a'; 63]);
    }
    b.extend_from_slice(&[0, 0, 1, 0, 1]);
    let e = Message::decode(&b).unwrap_err();
    assert!(e.contains("longer than 255"), "{e}");
}

#[test]
fn rejects_truncation_counts_and_trailing_bytes() {
    let e = Message::decode(&[0, 1, 2]).unwrap_err();
    assert!(e.contains("truncated header"), "{e}");
    let mut b = header(1, 0);
    b[4] = 0xff;
    let e = Message::decode(&b).unwrap_err();
    assert!(e.contains("65281 questions"), "{e}");
    let mut b = Message::query(1, "a", A, false).encode();
    b.push(0);
    assert_eq!(
        Message::decode(&b).unwrap_err(),
        "1 byte after the last record"
    );
    let mut m = Message::query(1, "a", A, false);
    m.answers.push(rec("a", A, RData::A(Ipv4Addr::LOCALHOST)));
    let mut b = m.encode();
    let n = b.len();
    b[n - 5] = 5; // RDLENGTH 5 for an A record
    b.push(0);
    let e = Message::decode(&b).unwrap_err();
    assert!(e.starts_with("A record 'a': data is 5 bytes"), "{e}");
}

#[test]
fn rejects_unprintable_label() {
    let mut b = header(1, 0);
    b.extend_from_slice(&[1, b' ', 0, 0, 1, 0, 1]);
    assert!(Message::decode(&b).unwrap_err().contains("0x20"));
}

#[test]
fn decode_never_panics() {
    let good = full_reply().encode();
    for n in 0..good.len() {
        assert!(Message::decode(&good[..n]).is_err(), "prefix {n} decoded");
    }
    let mut s = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..20_000 {
        // Mutate one to three bytes of a good message: reaches deep into the decoder.
        let mut b = good.clone();
        for _ in 0..1 + xorshift(&mut s) % 3 {
            let at = (xorshift(&mut s) as usize) % b.len();
            b[at] = xorshift(&mut s) as u8;
        }
        let _ = Message::decode(&b);
    }
    for _ in 0..5_000 {
        let len = (xorshift(&mut s) % 80) as usize;
        let mut b: Vec<u8> = (0..len).map(|_| xorshift(&mut s) as u8).collect();
        if b.len() >= 12 {
            b[4..12].copy_from_slice(&[0, 1, 0, 1, 0, 0, 0, 1]); // plausible counts
        }
        let _ = Message::decode(&b);
    }
}

#[test]
fn names_and_types() {
    assert_eq!(rcode_name(NXDOMAIN), "NXDOMAIN");
    assert_eq!(rcode_name(9), "UNKNOWN");
    assert_eq!(type_name(AAAA), "AAAA");
    assert_eq!(type_name(99), "TYPE99");
    assert_eq!(type_from_name("cname"), Some(CNAME));
    assert_eq!(type_from_name("type99"), Some(99));
    assert_eq!(type_from_name("TYPE"), None);
    assert_eq!(type_from_name("TYPE70000"), None);
    assert_eq!(type_from_name("bogus"), None);
    assert!(name_eq("WWW.Lab.", "www.lab"));
    assert!(!name_eq("www.lab", "ww.lab"));
}

#[test]
fn validates_names() {
    assert!(validate_name("www.lab.").is_ok());
    assert!(validate_name("").is_ok());
    assert!(validate_name("a..b").unwrap_err().contains("empty label"));
    assert!(validate_name(&"x".repeat(64))
        .unwrap_err()
        .contains("longer than 63"));
    let long = vec!["a".repeat(63); 4].join(".");
    assert!(validate_name(&long)
        .unwrap_err()
        .contains("longer than 255"));
    assert!(validate_name("a b").unwrap_err().contains("0x20"));
}

#[test]
fn presentation_form() {
    assert_eq!(
        format_rdata(&RData::A(Ipv4Addr::new(192, 168, 2, 10))),
        "192.168.2.10"
    );
    assert_eq!(format_rdata(&RData::Cname("www.lab".into())), "www.lab.");
    assert_eq!(format_rdata(&RData::Ns(String::new())), ".");
    assert_eq!(
        format_rdata(&soa()),
        "ns.lab. admin.lab. 2026112501 3600 900 604800 300"
    );
    assert_eq!(format_rdata(&RData::Other(vec![0x0a, 0xff])), "\\# 2 0AFF");
    assert_eq!(format_rdata(&RData::Other(vec![])), "\\# 0");
}

#[test]
fn a_reply_too_big_for_512_bytes_loses_whole_rrsets_and_sets_tc() {
    let mut m = Message::query(7, "big.lab", A, true);
    m.header.qr = true;
    for i in 0..60u8 {
        m.answers
            .push(rec("big.lab", A, RData::A(Ipv4Addr::new(10, 0, 0, i))));
    }
    m.answers
        .push(rec("other.lab", A, RData::A(Ipv4Addr::new(10, 1, 0, 1))));
    m.additional
        .push(rec("ns.lab", A, RData::A(Ipv4Addr::new(10, 9, 9, 9))));
    assert!(m.encode().len() > 512);
    let wire = m.encode_within(512);
    assert!(wire.len() <= 512, "{}", wire.len());
    let back = Message::decode(&wire).expect("decodes");
    assert!(back.header.tc);
    assert!(back.additional.is_empty());
    // The last RRset (other.lab) went whole; the big one, still too big, went too.
    assert!(back.answers.is_empty(), "{:?}", back.answers.len());
    // What fits is left alone, without TC.
    let small = full_reply();
    assert_eq!(small.encode_within(512), small.encode());
    // Dropping additional data alone does not set TC.
    let mut add = Message::query(8, "a.lab", A, true);
    add.answers
        .push(rec("a.lab", A, RData::A(Ipv4Addr::new(10, 0, 0, 1))));
    for i in 0..40u8 {
        add.additional.push(rec(
            &format!("n{i}.lab"),
            A,
            RData::A(Ipv4Addr::new(10, 2, 0, i)),
        ));
    }
    let back = Message::decode(&add.encode_within(512)).expect("decodes");
    assert!(!back.header.tc);
    assert_eq!(back.answers.len(), 1);
}
