//! Unit files (systemd.unit(5), systemd.service(5)): the keys of a service that netstep's
//! systemd acts on, read from `/lib/systemd/system/NAME.service` on the node, as Debian's
//! packages install them.

use std::collections::BTreeMap;

/// Debian 12's keepalived.service, byte for byte (keepalived 1:2.2.7-1+b2).
pub const KEEPALIVED: &str = "[Unit]
Description=Keepalive Daemon (LVS and VRRP)
After=network-online.target
Wants=network-online.target
Documentation=man:keepalived(8)
Documentation=man:keepalived.conf(5)
Documentation=man:genhash(1)
Documentation=https://keepalived.org
ConditionFileNotEmpty=/etc/keepalived/keepalived.conf

[Service]
Type=notify
EnvironmentFile=-/etc/default/keepalived
ExecStart=/usr/sbin/keepalived --dont-fork $DAEMON_ARGS
ExecReload=/bin/kill -HUP $MAINPID

[Install]
WantedBy=multi-user.target
";

/// Debian's /etc/default/keepalived.
pub const KEEPALIVED_DEFAULTS: &str = "# Options to pass to keepalived

# DAEMON_ARGS are appended to the keepalived command-line
DAEMON_ARGS=\"\"
";

/// Where units live, and the ones a netstep node has installed.
pub const UNIT_DIR: &str = "/lib/systemd/system";
pub const INSTALLED: &[(&str, &str)] = &[("keepalived.service", KEEPALIVED)];

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Unit {
    pub name: String,
    pub path: String,
    pub description: String,
    pub docs: Vec<String>,
    pub condition_file_not_empty: Option<String>,
    /// `Type=`: simple, forking, notify, oneshot …
    pub kind: String,
    /// `EnvironmentFile=`: the path, and whether a leading `-` makes it optional.
    pub env_file: Option<(String, bool)>,
    pub exec_start: String,
    pub exec_reload: Option<String>,
    /// `KillMode=`: control-group (the default), mixed, process or none.
    pub kill_mode: String,
}

/// Parses a unit file. Unknown keys are ignored, as systemd only warns about them.
pub fn parse(name: &str, path: &str, text: &str) -> Unit {
    let mut u = Unit {
        name: name.to_string(),
        path: path.to_string(),
        kind: "simple".into(),
        kill_mode: "control-group".into(),
        ..Unit::default()
    };
    for line in text.lines().map(str::trim) {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim().to_string();
        match key.trim() {
            "Description" => u.description = value,
            "Documentation" => u.docs.extend(value.split_whitespace().map(String::from)),
            "ConditionFileNotEmpty" => u.condition_file_not_empty = Some(value),
            "Type" => u.kind = value,
            "EnvironmentFile" => {
                u.env_file = Some(match value.strip_prefix('-') {
                    Some(p) => (p.to_string(), true),
                    None => (value, false),
                })
            }
            "ExecStart" => u.exec_start = value,
            "ExecReload" => u.exec_reload = Some(value),
            "KillMode" => u.kill_mode = value,
            _ => {}
        }
    }
    u
}

/// `NAME` or `NAME.service` → `NAME.service`.
pub fn canonical(name: &str) -> String {
    if name.contains('.') {
        name.to_string()
    } else {
        format!("{name}.service")
    }
}

/// An environment file (`KEY=value`, `KEY="value"`, comments) as systemd reads it.
pub fn environment(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(v);
            (k.trim().to_string(), v.to_string())
        })
        .collect()
}

/// An Exec line's words after `$VAR` (split into words) and `${VAR}` (one word) expansion,
/// as systemd.service(5) describes it; an empty `$VAR` gives no word at all.
pub fn exec_argv(line: &str, env: &BTreeMap<String, String>) -> Vec<String> {
    let mut argv = Vec::new();
    for word in line.split_whitespace() {
        if let Some(var) = word.strip_prefix("${").and_then(|w| w.strip_suffix('}')) {
            argv.push(env.get(var).cloned().unwrap_or_default());
        } else if let Some(var) = word.strip_prefix('$') {
            if let Some(v) = env.get(var) {
                argv.extend(v.split_whitespace().map(String::from));
            }
        } else {
            argv.push(word.to_string());
        }
    }
    argv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keepalived_unit() {
        let u = parse(
            "keepalived.service",
            "/lib/systemd/system/keepalived.service",
            KEEPALIVED,
        );
        assert_eq!(u.description, "Keepalive Daemon (LVS and VRRP)");
        assert_eq!(u.docs.len(), 4);
        assert_eq!(u.kind, "notify");
        assert_eq!(u.kill_mode, "control-group");
        assert_eq!(u.env_file, Some(("/etc/default/keepalived".into(), true)));
        assert_eq!(u.exec_reload.as_deref(), Some("/bin/kill -HUP $MAINPID"));
        let env = environment(KEEPALIVED_DEFAULTS);
        assert_eq!(env.get("DAEMON_ARGS").map(String::as_str), Some(""));
        assert_eq!(
            exec_argv(&u.exec_start, &env),
            ["/usr/sbin/keepalived", "--dont-fork"]
        );
        let mut env = env;
        env.insert("DAEMON_ARGS".into(), "-D -l".into());
        assert_eq!(
            exec_argv(&u.exec_start, &env),
            ["/usr/sbin/keepalived", "--dont-fork", "-D", "-l"]
        );
        assert_eq!(canonical("keepalived"), "keepalived.service");
    }
}
