//! `vi FILE` (or vim, nano) typed in the REPL: the node's file is copied to a temporary file
//! on this machine, the user's `$EDITOR` (or `vi`) opens it, and what was saved goes back to
//! the node as the lab line `NODE: cat > FILE <<MARK … MARK` (MARK a line the text does
//! not contain), so `back`, `save` and a replay
//! repeat the edit exactly. The temporary file is the only host file touched, at the user's
//! request, and it is removed.

use super::session::{Reply, Session};
use std::process::Command;

/// `NODE: vi FILE`: (node, editor, file) when the line asks for an editor.
pub fn request(line: &str) -> Option<(&str, &str, &str)> {
    let (node, cmd) = line.split_once(':')?;
    let mut words = cmd.split_whitespace();
    let editor = words
        .next()
        .filter(|w| matches!(*w, "vi" | "vim" | "nano"))?;
    let file = words.next()?;
    words
        .next()
        .is_none()
        .then_some((node.trim(), editor, file))
}

/// Edits `file` of `node` with `editor_cmd` (a shell command line, as $EDITOR is).
pub fn edit(session: &mut Session, node: &str, file: &str, editor_cmd: &str) -> Reply {
    let path = crate::kernel::vfs::normalize(file).into_owned();
    let before = session
        .world()
        .node_index(node)
        .and_then(|n| session.world().host(n))
        .and_then(|h| h.kernel.read_file(&path).ok())
        .unwrap_or_default();
    let tmp = std::env::temp_dir().join(format!(
        "netstep-edit-{}-{}",
        std::process::id(),
        path.rsplit('/').next().unwrap_or("file")
    ));
    if let Err(e) = std::fs::write(&tmp, &before) {
        return Reply::error(format!("netstep: {}: {e}\n", tmp.display()));
    }
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{editor_cmd} \"$1\""))
        .arg("sh")
        .arg(&tmp)
        .status();
    let after = std::fs::read(&tmp);
    let _ = std::fs::remove_file(&tmp);
    let after = match (status, after) {
        (Ok(s), Ok(a)) if s.success() => a,
        (Err(e), _) | (Ok(_), Err(e)) => {
            return Reply::error(format!("netstep: {editor_cmd}: {e}\n"))
        }
        (Ok(s), _) => {
            return Reply::error(format!("netstep: {editor_cmd}: {s}; {file} unchanged\n"))
        }
    };
    let Ok(text) = String::from_utf8(after) else {
        return Reply::error(format!("netstep: {file}: not UTF-8 text; unchanged\n"));
    };
    let mut marker = String::from("EOF");
    while text.lines().any(|l| l == marker) {
        marker.push('_');
    }
    let body = if text.ends_with('\n') || text.is_empty() {
        text
    } else {
        format!("{text}\n")
    };
    session.world_line(&format!("{node}: cat > {file} <<{marker}\n{body}{marker}"))
}
