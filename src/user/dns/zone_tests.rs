//! Zone files: a realistic lab zone, lookups, and named-checkzone-style errors.

use super::*;
use crate::user::dns::wire::CLASS_IN;

const LAB: &str = "\
$TTL 3600
$ORIGIN lab.
@       IN SOA ns.lab. admin.lab. ( 2026112501 ; serial
                3600 900 604800 300 )
        IN NS  ns
ns      IN A   192.168.2.53
www     IN A   192.168.2.10
rs1         A  192.168.2.11
web     IN CNAME www
";

fn lab() -> Zone {
    parse(LAB, "lab", "db.lab").unwrap()
}

fn a(name: &str, ip: [u8; 4]) -> Record {
    Record {
        name: name.into(),
        rtype: A,
        class: CLASS_IN,
        ttl: 3600,
        data: RData::A(ip.into()),
    }
}

fn soa_of(z: &Zone) -> Record {
    z.records[0].clone()
}

#[test]
fn parses_the_lab_zone() {
    let z = lab();
    assert_eq!(z.origin, "lab");
    let names: Vec<(&str, u16)> = z
        .records
        .iter()
        .map(|r| (r.name.as_str(), r.rtype))
        .collect();
    let want = [
        ("lab", SOA),
        ("lab", NS),
        ("ns.lab", A),
        ("www.lab", A),
        ("rs1.lab", A),
        ("web.lab", CNAME),
    ];
    assert_eq!(names, want);
    assert_eq!(
        z.records[0].data,
        RData::Soa {
            mname: "ns.lab".into(),
            rname: "admin.lab".into(),
            serial: 2026112501,
            refresh: 3600,
            retry: 900,
            expire: 604800,
            minimum: 300
        }
    );
    assert_eq!(z.records[1].data, RData::Ns("ns.lab".into()));
    assert_eq!(z.records[4], a("rs1.lab", [192, 168, 2, 11]));
    assert_eq!(z.records[5].data, RData::Cname("www.lab".into()));
    assert!(z
        .records
        .iter()
        .all(|r| r.ttl == 3600 && r.class == CLASS_IN));
}

#[test]
fn lookups() {
    let z = lab();
    let soa = soa_of(&z);
    let www = a("www.lab", [192, 168, 2, 10]);
    assert_eq!(
        z.lookup("www.lab", A),
        Answer::Records {
            answers: vec![www.clone()]
        }
    );
    assert_eq!(
        z.lookup("WWW.LAB.", A),
        Answer::Records {
            answers: vec![www.clone()]
        }
    );
    let cname = z.records[5].clone();
    assert_eq!(
        z.lookup("web.lab", A),
        Answer::Records {
            answers: vec![cname.clone(), www]
        }
    );
    assert_eq!(
        z.lookup("web.lab", CNAME),
        Answer::Records {
            answers: vec![cname]
        }
    );
    assert_eq!(
        z.lookup("nosuch.lab", A),
        Answer::NxDomain { soa: soa.clone() }
    );
    assert_eq!(z.lookup("www.lab", NS), Answer::NoData { soa });
    assert_eq!(z.lookup("example.com", A), Answer::NotAuth);
    assert_eq!(z.lookup("xlab", A), Answer::NotAuth);
    let Answer::Records { answers } = z.lookup("lab", ANY) else {
        panic!()
    };
    assert_eq!(answers.len(), 2);
}

#[test]
fn empty_non_terminal_is_nodata() {
    let text = "$TTL 60\n@ SOA ns admin 1 2 3 4 5\n@ NS ns\nns A 10.0.0.1\nwww.dept A 10.0.0.2\n";
    let z = parse(text, "lab.", "db.lab").unwrap();
    assert!(matches!(z.lookup("dept.lab", A), Answer::NoData { .. }));
    assert!(matches!(z.lookup("x.dept.lab", A), Answer::NxDomain { .. }));
}

#[test]
fn cname_chains_are_bounded_and_may_leave_the_zone() {
    let mut text = String::from("@ SOA ns admin 1 2 3 4 5\n@ NS ns\nns A 10.0.0.1\n");
    for i in 0..12 {
        text.push_str(&format!("c{i} CNAME c{}\n", i + 1));
    }
    text.push_str("out CNAME www.example.com.\ndangling CNAME nothere\n");
    let z = parse(&text, "lab", "db.lab").unwrap();
    let Answer::Records { answers } = z.lookup("c0.lab", A) else {
        panic!()
    };
    assert_eq!(answers.len(), MAX_CNAME_HOPS);
    let Answer::Records { answers } = z.lookup("out.lab", A) else {
        panic!()
    };
    assert_eq!(answers.len(), 1);
    let Answer::Records { answers } = z.lookup("dangling.lab", A) else {
        panic!()
    };
    assert_eq!(answers.len(), 1);
    assert_eq!(z.records[3].ttl, DEFAULT_TTL);
}

#[test]
fn ttl_class_order_and_units() {
    let text = "$TTL 1h\n$ORIGIN lab.\n@ 1D IN SOA ns admin 1 1h 15m 1w 5m\n@ IN 2h NS ns\nns 90 A 10.0.0.1\n";
    let z = parse(text, "lab", "db.lab").unwrap();
    assert_eq!(z.records[0].ttl, 86400);
    assert_eq!(z.records[1].ttl, 7200);
    assert_eq!(z.records[2].ttl, 90);
    let RData::Soa {
        refresh,
        retry,
        expire,
        minimum,
        ..
    } = z.records[0].data
    else {
        panic!()
    };
    assert_eq!((refresh, retry, expire, minimum), (3600, 900, 604800, 300));
    assert_eq!(reader::parse_ttl("1h30m"), Some(5400));
    assert_eq!(reader::parse_ttl("h"), None);
    assert_eq!(reader::parse_ttl("99999999999"), None);
}

#[test]
fn origin_changes_and_duplicates() {
    let text = "$TTL 60\n@ SOA ns admin 1 2 3 4 5\n@ NS ns\nns A 10.0.0.1\nns A 10.0.0.1\n\
                $ORIGIN sub.lab.\nhost A 10.0.0.9\n@ A 10.0.0.8\n";
    let z = parse(text, "lab", "db.lab").unwrap();
    let names: Vec<&str> = z.records.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["lab", "lab", "ns.lab", "host.sub.lab", "sub.lab"]);
}

fn err(text: &str) -> String {
    parse(text, "lab", "db.lab").unwrap_err()
}

const HEAD: &str = "$TTL 60\n@ SOA ns admin 1 2 3 4 5\n@ NS ns\nns A 10.0.0.1\n";

#[test]
fn errors_name_file_and_line() {
    let e = err(&format!("{HEAD}\n\nwww A 10.0.0.300\n"));
    assert_eq!(e, "db.lab:7: 'www.lab': bad IPv4 address '10.0.0.300'");
    let e = err(&format!("{HEAD}www MX 10 mail\n"));
    assert_eq!(
        e,
        "db.lab:5: 'www.lab': unknown RR type 'MX' (supported: A, NS, CNAME, SOA)"
    );
    assert_eq!(
        err("$TTL 60\nns A 10.0.0.1\n"),
        "db.lab: zone 'lab': has no SOA record"
    );
    let e = err(&format!("{HEAD}www A\n"));
    assert_eq!(
        e,
        "db.lab:5: 'www.lab': A record is missing its IPv4 address"
    );
    let e = err(&format!("{HEAD}www A 10.0.0.1 10.0.0.2\n"));
    assert_eq!(e, "db.lab:5: 'www.lab': extra input text '10.0.0.2'");
    let e = err(&format!("{HEAD}www CH A 10.0.0.1\n"));
    assert_eq!(e, "db.lab:5: 'www.lab': class 'CH' not supported (IN only)");
    assert_eq!(
        err(&format!("{HEAD}www.example.com. A 10.0.0.1\n")),
        "db.lab:5: 'www.example.com': out of zone data (zone is 'lab')"
    );
    assert_eq!(err(" A 10.0.0.1\n"), "db.lab:1: no current owner name");
    assert_eq!(err("$INCLUDE x\n"), "db.lab:1: $INCLUDE not supported");
    assert_eq!(err("$FOO x\n"), "db.lab:1: unknown $ directive '$FOO'");
    assert_eq!(err("$TTL 1x\n"), "db.lab:1: bad TTL '1x'");
    assert_eq!(err("www\n"), "db.lab:1: 'www.lab': missing RR type");
    assert_eq!(
        err("a..b A 10.0.0.1\n"),
        "db.lab:1: 'a..b.lab': empty label"
    );
}

#[test]
fn errors_in_parentheses_and_zone_checks() {
    let e = err("@ SOA ns admin (\n 1 2 3\n 4 x )\n");
    assert_eq!(e, "db.lab:3: 'lab': bad SOA minimum 'x'");
    assert_eq!(
        err("@ SOA ns admin (\n 1 2 3 4 5\n"),
        "db.lab:1: unbalanced parentheses"
    );
    assert_eq!(err("@ NS ns )\n"), "db.lab:1: unbalanced parentheses");
    assert_eq!(
        err("@ SOA ns admin 1 2 3 4\n"),
        "db.lab:1: 'lab': SOA record is missing its minimum"
    );
    assert_eq!(
        err(&format!("{HEAD}www SOA ns admin 1 2 3 4 5\n")),
        "db.lab:5: 'www.lab': SOA record not at top of zone"
    );
    assert_eq!(
        err(&format!("{HEAD}@ SOA ns admin 2 2 3 4 5\n")),
        "db.lab:5: zone 'lab': multiple SOA records"
    );
    assert_eq!(
        err("@ SOA ns admin 1 2 3 4 5\nns A 10.0.0.1\n"),
        "db.lab: zone 'lab': has no NS records"
    );
    assert_eq!(
        err("@ SOA ns admin 1 2 3 4 5\n@ NS ns\n"),
        "db.lab:2: NS 'ns.lab' has no address records (A or AAAA)"
    );
    assert_eq!(
        err(&format!("{HEAD}web CNAME ns\nweb A 10.0.0.5\n")),
        "db.lab:6: 'web.lab': CNAME and other data"
    );
    assert_eq!(
        err(&format!("{HEAD}web CNAME ns\nweb CNAME www\n")),
        "db.lab:6: 'web.lab': multiple CNAME records"
    );
}

#[test]
fn garbage_never_panics() {
    let mut s: u64 = 0x2545_f491_4f6c_dd1d;
    let alphabet = b" \t\n;()@$.aAIN0123456789SOA\\\"";
    for _ in 0..3000 {
        let text = crate::user::dns::garbage(&mut s, alphabet, 60);
        let _ = parse(&text, "lab", "x");
        let _ = parse(&format!("{HEAD}{text}"), "lab", "x").map(|z| z.lookup("a.lab", ANY));
    }
}
