//! named.conf: a lab's configuration with comments, and named-checkconf-style errors.

use super::*;

const CONF: &str = r#"// named.conf for the DNS lab
# shell-style comments too
/* and C-style
   ones over several lines */
options {
    directory "/var/cache/bind";
    listen-on port 5353 { 192.168.2.53; 127.0.0.1; };
    listen-on-v6 { none; };
    allow-query { any; };
};

logging { channel default_log { file "/var/log/named.log"; }; };
acl lan { 192.168.2.0/24; };

zone "lab" IN {
    type master;
    file "/etc/bind/db.lab";    // the forward zone
    allow-update { none; };
};

zone "2.168.192.in-addr.arpa." { type primary; file "db.192"; };
"#;

#[test]
fn parses_a_lab_conf() {
    let c = parse(CONF, "named.conf").unwrap();
    assert_eq!(c.listen_port, 5353);
    assert_eq!(
        c.zones,
        [
            ZoneConf {
                name: "lab".into(),
                kind: "master".into(),
                file: "/etc/bind/db.lab".into()
            },
            ZoneConf {
                name: "2.168.192.in-addr.arpa".into(),
                kind: "primary".into(),
                file: "db.192".into()
            },
        ]
    );
}

#[test]
fn defaults_and_empty_input() {
    assert_eq!(
        parse("", "c").unwrap(),
        NamedConf {
            zones: vec![],
            listen_port: 53
        }
    );
    let c = parse("options { listen-on { any; }; };\n", "c").unwrap();
    assert_eq!(c.listen_port, 53);
    let c = parse("zone \"x\" { file \"a\\\"b\"; type MASTER; };", "c").unwrap();
    assert_eq!(c.zones[0].file, "a\"b");
    assert_eq!(c.zones[0].kind, "master");
}

fn err(text: &str) -> String {
    parse(text, "named.conf").unwrap_err()
}

#[test]
fn zone_errors() {
    let e = err("zone \"lab\" {\n  type slave;\n  file \"db.lab\";\n};\n");
    assert_eq!(
        e,
        "named.conf:2: zone 'lab': type 'slave' not supported (master/primary only)"
    );
    assert_eq!(
        err("\nzone \"lab\" { type master; };"),
        "named.conf:2: zone 'lab': missing 'file' entry"
    );
    assert_eq!(
        err("zone \"lab\" { file \"x\"; };"),
        "named.conf:1: zone 'lab': type not present"
    );
    assert_eq!(
        err("zone \"lab\" {\n type master\n file \"x\"; };"),
        "named.conf:3: missing ';' before 'file'"
    );
    assert_eq!(
        err("zone \"lab\" CH { type master; file \"x\"; };"),
        "named.conf:1: zone 'lab': class 'CH' not supported (IN only)"
    );
    let twice =
        "zone \"lab\" { type master; file \"x\"; };\nzone \"LAB\" { type master; file \"y\"; };";
    assert_eq!(err(twice), "named.conf:2: zone 'LAB': already exists");
    let e = err("zone \"lab\" { type master; file \"x\"; file \"y\"; };");
    assert_eq!(e, "named.conf:1: zone 'lab': 'file' redefined");
    assert_eq!(
        err("zone \"lab\";"),
        "named.conf:1: zone 'lab': expected '{' with its type and file"
    );
}

#[test]
fn syntax_errors() {
    assert_eq!(
        err("options { };\nrecursion yes;\n"),
        "named.conf:2: unknown option 'recursion'"
    );
    let e = err(
        "zone \"lab\" { type master; file \"x\"; }\n\nzone \"b\" { type master; file \"y\"; };",
    );
    assert_eq!(e, "named.conf:3: missing ';' before 'zone'");
    assert_eq!(
        err("options {\n directory \"/x\"\n};\n"),
        "named.conf:3: missing ';' before '}'"
    );
    assert_eq!(
        err("options {\n directory \"/x\";\n"),
        "named.conf:2: unexpected end of input"
    );
    assert_eq!(err("zone \"lab\""), "named.conf:1: unexpected end of input");
    assert_eq!(err("};"), "named.conf:1: unexpected '}'");
    assert_eq!(
        err("/* never closed\n"),
        "named.conf:1: unexpected end of input in /* comment"
    );
    assert_eq!(
        err("zone \"lab"),
        "named.conf:1: unexpected end of input in string"
    );
    assert_eq!(
        err("options { listen-on port 99999 { any; }; };"),
        "named.conf:1: '99999': invalid port"
    );
    assert_eq!(
        err("include \"/etc/bind/x\";"),
        "named.conf:1: 'include' not supported: put everything in one file"
    );
    assert!(err(&"a {".repeat(100)).contains("nested too deeply"));
}

#[test]
fn garbage_never_panics() {
    let mut s: u64 = 0x1234_5678_9abc_def1;
    let alphabet = b" \n{};\"/*#\\azonetypmasterfil";
    for _ in 0..5000 {
        let text = crate::user::dns::garbage(&mut s, alphabet, 50);
        let _ = parse(&text, "x");
    }
}
