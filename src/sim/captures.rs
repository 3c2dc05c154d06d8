//! Which interfaces each capture file listens on, and writing frames to them.

use crate::capture::CaptureWriter;
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::Path;

type Port = (usize, usize);

struct Sink {
    writer: CaptureWriter,
    /// The interfaces this capture listens on; `None` = every host interface.
    only: Option<BTreeSet<Port>>,
    ids: BTreeMap<Port, u32>,
}

#[derive(Default)]
pub struct Captures {
    sinks: Vec<Sink>,
    /// The first write that failed (a full disk): the run stops at the next statement.
    failed: Option<String>,
}

impl Captures {
    pub fn is_empty(&self) -> bool {
        self.sinks.is_empty()
    }

    /// Opens a capture on the named ports (declared in that order), or on every host port
    /// when none are named (declared as they first carry a frame).
    /// `file`, when given, is the opened file (a lab's capture, checked by outdir.rs).
    pub fn add(
        &mut self,
        path: &Path,
        file: Option<File>,
        ports: &[(Port, String)],
    ) -> Result<(), String> {
        let mut writer = match file {
            Some(f) => CaptureWriter::from_file(path, f)?,
            None => CaptureWriter::create(path)?,
        };
        let mut ids = BTreeMap::new();
        for (port, label) in ports {
            ids.insert(*port, writer.add_interface(label)?);
        }
        let only = (!ports.is_empty()).then(|| ports.iter().map(|(p, _)| *p).collect());
        self.sinks.push(Sink { writer, only, ids });
        Ok(())
    }

    /// Writes a frame seen on `port` to every capture listening there.
    pub fn write(
        &mut self,
        port: Port,
        is_host: bool,
        label: impl Fn() -> String,
        ns: u64,
        frame: &[u8],
        comment: &str,
    ) {
        for c in &mut self.sinks {
            let wanted = match &c.only {
                Some(set) => set.contains(&port),
                None => is_host,
            };
            if !wanted {
                continue;
            }
            let id = match c.ids.get(&port) {
                Some(id) => *id,
                None => {
                    let Ok(id) = c.writer.add_interface(&label()) else {
                        continue;
                    };
                    c.ids.insert(port, id);
                    id
                }
            };
            if let Err(e) = c.writer.write_frame(id, ns, frame, comment) {
                self.failed.get_or_insert(e);
            }
        }
    }

    /// The first write error since the last call.
    pub fn take_error(&mut self) -> Option<String> {
        self.failed.take()
    }

    /// Closes every capture file.
    pub fn finish(&mut self) -> Result<(), String> {
        for c in self.sinks.drain(..) {
            c.writer.finish()?;
        }
        Ok(())
    }
}
